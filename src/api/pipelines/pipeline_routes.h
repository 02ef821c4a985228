// Pipeline and dataset routes under /api/v1 (each .cc has its list).
#pragma once

#include "api/router.h"
#include "pipelines/datasets/dataset_service.h"
#include "pipelines/pipeline_service.h"

namespace ferry::api {

void AddPipelineRoutes(Router& router, pipelines::PipelineService& service);
// Dataset versions and diffs under /api/v1/datasets (dataset_routes.cc).
void AddDatasetRoutes(Router& router, datasets::DatasetService& service);

}  // namespace ferry::api
