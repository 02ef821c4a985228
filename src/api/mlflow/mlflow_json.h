// Tracking entities ⇄ MLflow's REST JSON (the protobuf JSON mapping of
// mlflow/protos/service.proto): ids as strings, int64 times as numbers,
// non-finite doubles as "NaN"/"Infinity". Also used by /api/v1, whose
// entity shapes are the same.
#pragma once

#include "api/json_util.h"
#include "tracking/search/filter.h"
#include "tracking/types.h"

namespace ferry::api {

Json ExperimentToJson(const tracking::Experiment& e);
Json RunInfoToJson(const tracking::RunInfo& info);
Json RunToJson(const tracking::Run& run);
Json MetricToJson(const tracking::Metric& m);
// [{"key": ..., "value": ...}, ...]
Json TagsToJson(const std::vector<tracking::Tag>& tags);
Json ParamsToJson(const std::vector<tracking::Param>& params);

Result<std::vector<tracking::Tag>> TagsFromJson(const Json& obj,
                                                std::string_view field);
Result<std::vector<tracking::Param>> ParamsFromJson(const Json& obj,
                                                    std::string_view field);
// Missing step = 0. Missing timestamp = `default_timestamp`, or an error
// naming the field when there is none (MLflow requires it).
Result<std::vector<tracking::Metric>> MetricsFromJson(
    const Json& obj, std::string_view field, std::optional<int64_t> default_timestamp);
Result<std::vector<tracking::DatasetInput>> DatasetInputsFromJson(
    const Json& obj, std::string_view field);
// "ACTIVE_ONLY" (default), "DELETED_ONLY", "ALL" (also 1/2/3).
Result<tracking::ViewType> ViewTypeFromJson(const Json& obj,
                                            std::string_view field);

}  // namespace ferry::api
