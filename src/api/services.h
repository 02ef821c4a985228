// The subsystems the API layer serves, wired once by the server command.
#pragma once

#include "artifacts/artifact_store.h"
#include "core/clock.h"
#include "registry/registry_service.h"
#include "registry/webhooks.h"
#include "serving/deployments.h"
#include "tracking/logged_models.h"
#include "tracking/tracking_service.h"

namespace ferry::api {

struct Services {
  tracking::TrackingService& tracking;
  tracking::LoggedModels& logged_models;
  registry::RegistryService& registry;
  registry::Webhooks& webhooks;
  artifacts::ArtifactStore& artifacts;
  serving::Deployments& deployments;
  const Clock& clock;
};

class Router;
class HttpMetrics;

// MLflow REST API 2.0 (tracking) under /api/2.0/mlflow and /ajax-api/2.0/mlflow.
void AddMlflowRoutes(Router& router, Services& services);
// MLflow's artifact proxy under /api/2.0/mlflow-artifacts/artifacts.
void AddArtifactRoutes(Router& router, Services& services);
// Ferry's own API under /api/v1.
void AddV1Routes(Router& router, Services& services);
// The runs table, column keys and thinned metric histories the web UI reads.
void AddRunTableRoutes(Router& router, Services& services);
// MLflow 3 logged models (logged-models/*, runs/outputs).
void AddLoggedModelRoutes(Router& router, Services& services);
// MLflow REST API 2.0, model registry (registered-models/*, model-versions/*).
void AddMlflowRegistryRoutes(Router& router, Services& services);
// Ferry's registry API under /api/v1/models (lineage, audit, gates) and
// /api/v1/webhooks.
void AddV1RegistryRoutes(Router& router, Services& services);
// Serving: the Open Inference Protocol under /v2, MLflow's /invocations,
// and /api/v1/deployments — read-only unless `manage` (data-plane replicas
// serve these routes alone; their deployments follow the control plane).
void AddServingRoutes(Router& router, serving::Deployments& deployments, bool manage = true);
// /healthz, /readyz, /metrics (`more_metrics`, when given, adds its text).
void AddHealthRoutes(Router& router, HttpMetrics& metrics, Services& services,
                     std::function<std::string()> more_metrics = nullptr);

}  // namespace ferry::api
