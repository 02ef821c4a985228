// Monitoring under /api/v1: a model version's reference data (CSV in,
// profile out), ingestion of the payload log, a deployment's windows and
// drift report (JSON, or the standalone HTML report), ground-truth labels
// and the performance they show. Times are milliseconds since the epoch;
// the default range is the last 24 hours.
#include "api/monitoring/monitoring_routes.h"

#include <cctype>
#include <cmath>

#include "api/errors.h"
#include "api/handler.h"
#include "api/json_util.h"
#include "monitoring/report_html.h"

namespace ferry::api {
namespace {

using monitoring::MonitoringService;

constexpr ErrorStyle kStyle = ErrorStyle::kFerry;
constexpr int64_t kDay = 24 * 3600 * 1000;

// A version number, or an alias of the model.
Result<int64_t> VersionOf(registry::RegistryService& registry, const std::string& name, const std::string& v) {
  bool digits = !v.empty() && std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
  if (digits) {
    ASSIGN_OR_RETURN(auto version, registry.GetVersion(name, v));
    return version.version;
  }
  ASSIGN_OR_RETURN(auto version, registry.GetVersionByAlias(name, v));
  return version.version;
}

Json ReferenceToJson(const std::string& model, int64_t version, const monitoring::ReferenceInfo& ref) {
  return {{"model", model},
          {"version", version},
          {"rows", ref.rows},
          {"created_time", ref.created_ms},
          {"profile", monitoring::ProfileToJson(ref.profile)}};
}

Handler PutReference(MonitoringService& monitoring, registry::RegistryService& registry) {
  return [&](HttpRequest& r) -> HttpResponse {
    std::string name = r.path_params["name"];
    Result<int64_t> version = VersionOf(registry, name, r.path_params["version"]);
    if (!version.ok()) return ErrorResponse(version.status(), kStyle);
    Result<monitoring::ReferenceInfo> ref = monitoring.SetReference(name, *version, r.body);
    if (!ref.ok()) return ErrorResponse(ref.status(), kStyle);
    return JsonResponse(200, Dump({{"reference", ReferenceToJson(name, *version, *ref)}}));
  };
}

Handler GetSample(MonitoringService& monitoring, registry::RegistryService& registry) {
  return [&](HttpRequest& r) -> HttpResponse {
    std::string name = r.path_params["name"];
    Result<int64_t> version = VersionOf(registry, name, r.path_params["version"]);
    Result<std::string> sample =
        version.ok() ? monitoring.GetReferenceSample(name, *version) : Result<std::string>(version.status());
    if (!sample.ok()) return ErrorResponse(sample.status(), kStyle);
    HttpResponse resp{200, "text/csv", std::move(*sample)};
    return resp;
  };
}

Result<std::pair<int64_t, int64_t>> Range(const Json& in, const Clock& clock) {
  ASSIGN_OR_RETURN(auto to, GetOptInt(in, "to"));
  ASSIGN_OR_RETURN(auto from, GetOptInt(in, "from"));
  int64_t end = to.value_or(clock.NowMillis() + 1);
  int64_t start = from.value_or(end - kDay);
  if (end <= start) return InvalidArgument("'to' must be after 'from'");
  return std::pair{start, end};
}

Result<std::optional<double>> OptDouble(const Json& in, const char* field) {
  ASSIGN_OR_RETURN(auto text, GetOptString(in, field));
  if (!text) return std::optional<double>();
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || !std::isfinite(v)) {
    return InvalidArgument(std::string("'") + field + "' must be a number");
  }
  return std::optional<double>(v);
}

Result<monitoring::DriftQuery> DriftQueryOf(const Json& in, HttpRequest& r, const Clock& clock) {
  monitoring::DriftQuery q;
  q.deployment = r.path_params["name"];
  ASSIGN_OR_RETURN(auto range, Range(in, clock));
  std::tie(q.from_ms, q.to_ms) = range;
  ASSIGN_OR_RETURN(q.model, GetOptString(in, "model"));
  ASSIGN_OR_RETURN(q.version, GetOptInt(in, "version"));
  ASSIGN_OR_RETURN(auto test, GetOptString(in, "test"));
  q.options.test = test.value_or("");
  ASSIGN_OR_RETURN(q.options.threshold, OptDouble(in, "threshold"));
  ASSIGN_OR_RETURN(auto share, OptDouble(in, "drift_share"));
  q.options.drift_share = share.value_or(q.options.drift_share);
  return q;
}

Json DriftToJson(const monitoring::DeploymentDrift& d) {
  Json out = monitoring::DriftReportToJson(d.report);
  out["model"] = d.model;
  out["version"] = d.version;
  out["from"] = d.from_ms;
  out["to"] = d.to_ms;
  return out;
}

Handler GetDrift(MonitoringService& monitoring, const Clock& clock) {
  return [&](HttpRequest& r) -> HttpResponse {
    Result<Json> in = RequestInput(r);
    Result<monitoring::DriftQuery> q = in.ok() ? DriftQueryOf(*in, r, clock) : in.status();
    Result<monitoring::DeploymentDrift> drift = q.ok() ? monitoring.Drift(*q) : q.status();
    if (!drift.ok()) return ErrorResponse(drift.status(), kStyle);
    if (r.Query("format").value_or("json") != "html") return JsonResponse(200, Dump(DriftToJson(*drift)));
    std::string title = "Drift of deployment " + q->deployment + " (" + drift->model + " version " +
                        std::to_string(drift->version) + ")";
    return HttpResponse{200, "text/html; charset=utf-8", monitoring::DriftReportHtml(drift->report, title)};
  };
}

// Per window: the dataset rule and each tested column's score and decision.
Result<Json> Series(MonitoringService& monitoring, const Clock& clock, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(monitoring::DriftQuery q, DriftQueryOf(in, r, clock));
  ASSIGN_OR_RETURN(monitoring::DriftSeries series, monitoring.Series(q));
  Json windows = Json::array();
  for (const auto& w : series.windows) {
    Json columns = Json::object();
    for (const auto& c : w.report.columns) {
      if (c.tested) columns[c.column] = {{"test", c.test}, {"score", c.score}, {"drifted", c.drifted}};
    }
    windows.push_back({{"start", w.start_ms},
                       {"end", w.end_ms},
                       {"rows", w.rows},
                       {"dataset_drift", w.report.dataset_drift},
                       {"share_of_drifted_columns", w.report.share},
                       {"drifted_columns", w.report.drifted},
                       {"columns", columns}});
  }
  return Json{{"model", series.model}, {"version", series.version}, {"windows", windows}};
}

Result<Json> ListWindows(MonitoringService& monitoring, const Clock& clock, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(auto range, Range(in, clock));
  ASSIGN_OR_RETURN(auto windows, monitoring.Windows(r.path_params["name"], range.first, range.second));
  Json list = Json::array();
  for (const auto& w : windows) {
    list.push_back({{"model", w.model}, {"version", w.version}, {"start", w.start_ms}, {"end", w.end_ms},
                    {"rows", w.rows}});
  }
  return Json{{"windows", list}};
}

Result<Json> AddLabels(MonitoringService& monitoring, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(auto counts, monitoring.AddLabels(r.path_params["name"], in));
  return Json{{"accepted", counts.accepted},
              {"matched", counts.matched},
              {"unmatched", counts.accepted - counts.matched}};
}

Result<monitoring::PerformanceQuery> PerformanceQueryOf(const Json& in, HttpRequest& r, const Clock& clock) {
  monitoring::PerformanceQuery q;
  q.deployment = r.path_params["name"];
  ASSIGN_OR_RETURN(auto range, Range(in, clock));
  std::tie(q.from_ms, q.to_ms) = range;
  ASSIGN_OR_RETURN(q.model, GetOptString(in, "model"));
  ASSIGN_OR_RETURN(q.version, GetOptInt(in, "version"));
  ASSIGN_OR_RETURN(auto output, GetOptString(in, "output"));
  q.options.output = output.value_or("");
  monitoring::PerformanceOptions& p = q.options.performance;
  ASSIGN_OR_RETURN(auto task, GetOptString(in, "task"));
  if (task) {
    ASSIGN_OR_RETURN(p.task, monitoring::ParseTask(*task));
  }
  ASSIGN_OR_RETURN(auto positive, GetOptString(in, "positive_label"));
  p.positive_label = positive.value_or(p.positive_label);
  ASSIGN_OR_RETURN(auto threshold, OptDouble(in, "threshold"));
  p.threshold = threshold.value_or(p.threshold);
  ASSIGN_OR_RETURN(auto bins, GetOptInt(in, "calibration_bins"));
  if (bins && (*bins < 1 || *bins > 1000)) return InvalidArgument("'calibration_bins' must be in [1, 1000]");
  p.calibration_bins = static_cast<int>(bins.value_or(p.calibration_bins));
  return q;
}

Result<Json> Performance(MonitoringService& monitoring, const Clock& clock, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(auto q, PerformanceQueryOf(in, r, clock));
  ASSIGN_OR_RETURN(auto perf, monitoring.Performance(q));
  Json versions = Json::array();
  for (const auto& v : perf.versions) versions.push_back(monitoring::VersionPerformanceToJson(v));
  return Json{{"deployment", q.deployment},
              {"from", perf.from_ms},
              {"to", perf.to_ms},
              {"unmatched_labels", perf.unmatched_labels},
              {"versions", std::move(versions)}};
}

Result<Json> Ingest(MonitoringService& monitoring) {
  ASSIGN_OR_RETURN(auto s, monitoring.RunIngest());
  return Json{{"files", s.files},   {"records", s.records},           {"rows", s.rows},
              {"bytes", s.bytes},   {"skipped_lines", s.skipped_lines}, {"windows", s.windows}};
}

}  // namespace

void AddMonitoringRoutes(Router& router, MonitoringService& monitoring, registry::RegistryService& registry,
                         const Clock& clock) {
  const std::string ref = "/api/v1/models/{name}/versions/{version}/reference";
  router.Add(Method::kPut, ref, PutReference(monitoring, registry));
  router.Add(Method::kGet, ref, JsonHandler(kStyle, [&](const Json&, HttpRequest& r) -> Result<Json> {
               std::string name = r.path_params["name"];
               ASSIGN_OR_RETURN(int64_t version, VersionOf(registry, name, r.path_params["version"]));
               ASSIGN_OR_RETURN(auto info, monitoring.GetReference(name, version));
               return Json{{"reference", ReferenceToJson(name, version, info)}};
             }));
  router.Add(Method::kGet, ref + "/sample", GetSample(monitoring, registry));
  router.Add(Method::kPost, "/api/v1/monitoring/ingest",
             JsonHandler(kStyle, [&](const Json&, HttpRequest&) { return Ingest(monitoring); }));
  router.Add(Method::kGet, "/api/v1/deployments/{name}/windows",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) { return ListWindows(monitoring, clock, in, r); }));
  router.Add(Method::kGet, "/api/v1/deployments/{name}/drift", GetDrift(monitoring, clock));
  router.Add(Method::kGet, "/api/v1/deployments/{name}/drift/series",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) { return Series(monitoring, clock, in, r); }));
  router.Add(Method::kPost, "/api/v1/deployments/{name}/labels",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) { return AddLabels(monitoring, in, r); }));
  router.Add(Method::kGet, "/api/v1/deployments/{name}/performance", JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) {
               return Performance(monitoring, clock, in, r);
             }));
}

}  // namespace ferry::api
