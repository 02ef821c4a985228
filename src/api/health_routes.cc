// Liveness, readiness (the metadata store answers) and Prometheus metrics.
#include "api/handler.h"
#include "api/metrics.h"
#include "api/services.h"

namespace ferry::api {

void AddHealthRoutes(Router& router, HttpMetrics& metrics, Services& s,
                     std::function<std::string()> more_metrics) {
  router.Add(Method::kGet, "/healthz", [](HttpRequest&) {
    return JsonResponse(200, R"({"status":"ok"})");
  });
  // MLflow's client and tooling probe /health.
  router.Add(Method::kGet, "/health", [](HttpRequest&) {
    HttpResponse r = JsonResponse(200, "OK");
    r.content_type = "text/plain";
    return r;
  });
  router.Add(Method::kGet, "/readyz", [&s](HttpRequest&) {
    Result<tracking::Experiment> e = s.tracking.GetExperiment("0");
    if (!e.ok() && e.status().code() != StatusCode::kNotFound) {
      return ErrorResponse(Unavailable("metadata store: " + e.status().message()),
                           ErrorStyle::kFerry);
    }
    return JsonResponse(200, R"({"status":"ready"})");
  });
  router.Add(Method::kGet, "/metrics", [&metrics, &s, more_metrics](HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics.Render() + s.deployments.RenderMetrics() + (more_metrics ? more_metrics() : "");
    return r;
  });
}

}  // namespace ferry::api
