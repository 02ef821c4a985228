// Pipelines under /api/v1:
//   PUT  /api/v1/pipelines                       {"yaml": "...", "workspace": "/abs/dir"}: apply a file
//   GET  /api/v1/pipelines                       every pipeline
//   GET  /api/v1/pipelines/{name}                its latest version (?version=N), file and spec
//   POST /api/v1/pipelines/{name}/runs           {"params": {...}}: start a run
//   GET  /api/v1/pipelines/{name}/runs           its runs, newest first (?limit=)
//   GET  /api/v1/pipeline-runs                   every pipeline's runs (?limit=)
//   GET  /api/v1/pipeline-runs/{id}              one run with its steps
//   POST /api/v1/pipeline-runs/{id}/cancel
//   POST /api/v1/pipeline-runs/{id}/resume       a new run reusing the completed steps
//   GET  /api/v1/pipeline-runs/{id}/logs/{step}  ?offset=&max_bytes=: a step's log from offset
#include "api/pipelines/pipeline_routes.h"

#include "api/handler.h"
#include "api/json_util.h"

namespace ferry::api {
namespace {

using pipelines::PipelineRunInfo;
using pipelines::PipelineService;

constexpr ErrorStyle kStyle = ErrorStyle::kFerry;
constexpr int64_t kMaxRuns = 1000;

Json Optional(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }

Json InfoToJson(const pipelines::PipelineInfo& p) {
  return {{"name", p.name},
          {"latest_version", p.latest_version},
          {"workspace", p.workspace},
          {"next_schedule_time", Optional(p.next_schedule_ms)},
          {"created_time", p.created_ms},
          {"updated_time", p.updated_ms}};
}

Json StepToJson(const pipelines::StepRunInfo& s) {
  return {{"step", s.step},
          {"state", s.state},
          {"attempts", s.attempts},
          {"exit_code", s.exit_code},
          {"timed_out", s.timed_out},
          {"reused", s.reused},
          {"error", s.error},
          {"start_time", Optional(s.start_ms)},
          {"end_time", Optional(s.end_ms)},
          {"cache_key", s.cache_key},
          {"outputs", s.outputs},
          {"tracking_run_id", s.tracking_run_id}};
}

Json RunToJson(const PipelineRunInfo& r) {
  Json steps = Json::array();
  for (const auto& s : r.steps) steps.push_back(StepToJson(s));
  Json detail = Json::parse(r.trigger_detail, nullptr, false);
  return {{"run_id", r.run_id},
          {"pipeline", r.pipeline},
          {"version", r.version},
          {"state", r.state},
          {"trigger", {{"kind", r.trigger_kind}, {"detail", detail.is_discarded() ? Json::object() : detail}}},
          {"params", r.params},
          {"tracking_run_id", r.tracking_run_id},
          {"resumed_from", r.resumed_from},
          {"error", r.error},
          {"created_time", r.created_ms},
          {"start_time", Optional(r.start_ms)},
          {"end_time", Optional(r.end_ms)},
          {"steps", steps}};
}

Json RunsToJson(const std::vector<PipelineRunInfo>& runs) {
  Json list = Json::array();
  for (const auto& r : runs) list.push_back(RunToJson(r));
  return {{"runs", list}};
}

Result<Json> Apply(PipelineService& service, const Json& in) {
  ASSIGN_OR_RETURN(std::string yaml, GetString(in, "yaml"));
  ASSIGN_OR_RETURN(std::string workspace, GetString(in, "workspace"));
  ASSIGN_OR_RETURN(pipelines::Applied applied, service.Apply(yaml, workspace));
  return Json{{"name", applied.name},
              {"version", applied.version},
              {"changed", applied.changed},
              {"spec", pipelines::PipelineToJson(applied.spec)}};
}

Result<Json> Show(PipelineService& service, const Json& in, HttpRequest& r) {
  const std::string& name = r.path_params["name"];
  ASSIGN_OR_RETURN(auto version, GetOptInt(in, "version"));
  if (version && *version < 1) return InvalidArgument("version: must be 1 or more");
  ASSIGN_OR_RETURN(pipelines::PipelineInfo info, service.Pipeline(name));
  ASSIGN_OR_RETURN(pipelines::PipelineVersion v, service.Version(name, version.value_or(0)));
  Json out = InfoToJson(info);
  out["version"] = v.version;
  out["yaml"] = v.yaml;
  out["digest"] = v.digest;
  Result<pipelines::PipelineSpec> spec = pipelines::ParsePipeline(v.yaml, {});
  if (spec.ok()) out["spec"] = pipelines::PipelineToJson(*spec);
  return out;
}

// Param values are text; a number or boolean in the body is taken as written.
Result<std::map<std::string, std::string>> ParamsOf(const Json& in) {
  std::map<std::string, std::string> out;
  if (!in.contains("params") || in["params"].is_null()) return out;
  if (!in["params"].is_object()) return InvalidArgument("params: must be an object of name → value");
  for (const auto& [key, value] : in["params"].items()) {
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      out[key] = value.dump();
    } else {
      return InvalidArgument("params." + key + ": must be a string, number or boolean");
    }
  }
  return out;
}

Result<int64_t> LimitOf(const Json& in) {
  ASSIGN_OR_RETURN(auto limit, GetOptInt(in, "limit"));
  if (limit && (*limit < 1 || *limit > kMaxRuns)) {
    return InvalidArgument("limit: must be in [1, " + std::to_string(kMaxRuns) + "]");
  }
  return limit.value_or(100);
}

Result<Json> StepLog(PipelineService& service, const Json& in, HttpRequest& r) {
  ASSIGN_OR_RETURN(auto offset, GetOptInt(in, "offset"));
  ASSIGN_OR_RETURN(auto max_bytes, GetOptInt(in, "max_bytes"));
  if (max_bytes && *max_bytes < 1) return InvalidArgument("max_bytes: must be 1 or more");
  ASSIGN_OR_RETURN(pipelines::LogChunk chunk, service.StepLog(r.path_params["id"], r.path_params["step"],
                                                              offset.value_or(0), max_bytes.value_or(1 << 20)));
  return Json{{"text", chunk.text}, {"next_offset", chunk.next_offset}, {"complete", chunk.complete}};
}

}  // namespace

void AddPipelineRoutes(Router& router, PipelineService& service) {
  router.Add(Method::kPut, "/api/v1/pipelines",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest&) { return Apply(service, in); }));
  router.Add(Method::kGet, "/api/v1/pipelines", JsonHandler(kStyle, [&](const Json&, HttpRequest&) -> Result<Json> {
               ASSIGN_OR_RETURN(auto list, service.Pipelines());
               Json out = Json::array();
               for (const auto& p : list) out.push_back(InfoToJson(p));
               return Json{{"pipelines", out}};
             }));
  router.Add(Method::kGet, "/api/v1/pipelines/{name}",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) { return Show(service, in, r); }));
  router.Add(Method::kPost, "/api/v1/pipelines/{name}/runs",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(auto params, ParamsOf(in));
               ASSIGN_OR_RETURN(auto run, service.StartRun(r.path_params["name"], params, {}));
               return Json{{"run", RunToJson(run)}};
             }));
  router.Add(Method::kGet, "/api/v1/pipelines/{name}/runs",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(int64_t limit, LimitOf(in));
               ASSIGN_OR_RETURN(auto runs, service.Runs(r.path_params["name"], limit));
               return RunsToJson(runs);
             }));
  router.Add(Method::kGet, "/api/v1/pipeline-runs", JsonHandler(kStyle, [&](const Json& in, HttpRequest&) -> Result<Json> {
               ASSIGN_OR_RETURN(int64_t limit, LimitOf(in));
               ASSIGN_OR_RETURN(auto runs, service.Runs("", limit));
               return RunsToJson(runs);
             }));
  router.Add(Method::kGet, "/api/v1/pipeline-runs/{id}",
             JsonHandler(kStyle, [&](const Json&, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(auto run, service.Run(r.path_params["id"]));
               return Json{{"run", RunToJson(run)}};
             }));
  router.Add(Method::kPost, "/api/v1/pipeline-runs/{id}/cancel",
             JsonHandler(kStyle, [&](const Json&, HttpRequest& r) -> Result<Json> {
               RETURN_IF_ERROR(service.Cancel(r.path_params["id"]));
               ASSIGN_OR_RETURN(auto run, service.Run(r.path_params["id"]));
               return Json{{"run", RunToJson(run)}};
             }));
  router.Add(Method::kPost, "/api/v1/pipeline-runs/{id}/resume",
             JsonHandler(kStyle, [&](const Json&, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(auto run, service.Resume(r.path_params["id"]));
               return Json{{"run", RunToJson(run)}};
             }));
  router.Add(Method::kGet, "/api/v1/pipeline-runs/{id}/logs/{step}",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) { return StepLog(service, in, r); }));
}

}  // namespace ferry::api
