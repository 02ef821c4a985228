// Ferry's own REST API, /api/v1: resource-style paths over the same
// TrackingService and JSON entity shapes as the MLflow routes; errors in
// Ferry's format ({"error": {"code", "message"}}).
#include "api/handler.h"
#include "api/mlflow/mlflow_json.h"
#include "api/services.h"
#include "api/tracking_requests.h"

namespace ferry::api {
namespace {

constexpr ErrorStyle kStyle = ErrorStyle::kFerry;

Result<Json> CreateExperiment(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string id, CreateExperimentFromJson(s, in));
  ASSIGN_OR_RETURN(auto e, s.tracking.GetExperiment(id));
  return Json{{"experiment", ExperimentToJson(e)}};
}

Result<Json> ListExperiments(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(auto req, SearchExperimentsRequestFromJson(in));
  ASSIGN_OR_RETURN(auto result, s.tracking.SearchExperiments(req));
  Json list = Json::array();
  for (const auto& e : result.experiments) list.push_back(ExperimentToJson(e));
  return Json{{"experiments", list}, {"next_page_token", result.next_page_token}};
}

Result<Json> CreateRun(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(auto req, CreateRunRequestFromJson(in));
  ASSIGN_OR_RETURN(auto run, s.tracking.CreateRun(req));
  return Json{{"run", RunToJson(run)}};
}

Result<Json> UpdateRun(Services& s, const std::string& id, const Json& in) {
  tracking::UpdateRunRequest req;
  req.run_id = id;
  ASSIGN_OR_RETURN(req.status, GetOptString(in, "status"));
  ASSIGN_OR_RETURN(req.end_time, GetOptInt(in, "end_time"));
  ASSIGN_OR_RETURN(req.run_name, GetOptString(in, "run_name"));
  ASSIGN_OR_RETURN(auto info, s.tracking.UpdateRun(req));
  return Json{{"run_info", RunInfoToJson(info)}};
}

Result<Json> Log(Services& s, const std::string& id, const Json& in) {
  return EmptyOr(LogBatchFromJson(s, id, in, s.clock.NowMillis()));
}

Result<Json> SearchRuns(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(auto req, SearchRunsRequestFromJson(in));
  ASSIGN_OR_RETURN(auto result, s.tracking.SearchRuns(req));
  Json runs = Json::array();
  for (const auto& r : result.runs) runs.push_back(RunToJson(r));
  return Json{{"runs", runs}, {"next_page_token", result.next_page_token}};
}

Result<Json> History(Services& s, const std::string& id, const std::string& key,
                     const Json& in) {
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_results"));
  ASSIGN_OR_RETURN(auto token, GetOptString(in, "page_token"));
  ASSIGN_OR_RETURN(auto result, s.tracking.GetMetricHistory(
                                    id, key, max.value_or(0), token.value_or("")));
  Json metrics = Json::array();
  for (const auto& m : result.metrics) metrics.push_back(MetricToJson(m));
  return Json{{"metrics", metrics}, {"next_page_token", result.next_page_token}};
}

// Artifacts of a run live under its artifact root in the store.
Result<std::string> ArtifactPath(Services& s, const std::string& run_id,
                                 const std::string& sub, bool allow_root) {
  ASSIGN_OR_RETURN(auto run, s.tracking.GetRun(run_id));
  const std::string scheme = "mlflow-artifacts:/";
  if (run.info.artifact_uri.rfind(scheme, 0) != 0) {
    return InvalidArgument("run stores its artifacts outside Ferry");
  }
  ASSIGN_OR_RETURN(std::string rel, artifacts::CheckRelativePath(sub, allow_root));
  std::string root = run.info.artifact_uri.substr(scheme.size());
  return rel.empty() ? root : root + "/" + rel;
}

Result<Json> ListArtifacts(Services& s, const std::string& run_id, const Json& in) {
  ASSIGN_OR_RETURN(auto sub, GetOptString(in, "path"));
  ASSIGN_OR_RETURN(std::string dir, ArtifactPath(s, run_id, sub.value_or(""), true));
  ASSIGN_OR_RETURN(auto entries, s.artifacts.List(dir));
  Json files = Json::array();
  for (const auto& e : entries) {
    Json f = {{"path", e.path}, {"is_dir", e.is_dir}};
    if (!e.is_dir) {
      f["file_size"] = e.size;
      ASSIGN_OR_RETURN(auto sha, s.tracking.ArtifactSha256(dir + "/" + e.path));
      if (sha) f["sha256"] = *sha;
    }
    files.push_back(std::move(f));
  }
  return Json{{"files", files}};
}

Handler Json0(Services& s, Result<Json> (*fn)(Services&, const Json&)) {
  return JsonHandler(kStyle, [&s, fn](const Json& in, HttpRequest&) { return fn(s, in); });
}

}  // namespace

void AddV1Routes(Router& router, Services& s) {
  const std::string v1 = "/api/v1";
  router.Add(Method::kPost, v1 + "/experiments", Json0(s, CreateExperiment));
  router.Add(Method::kGet, v1 + "/experiments", Json0(s, ListExperiments));
  router.Add(Method::kGet, v1 + "/experiments/{id}",
             JsonHandler(kStyle, [&s](const Json&, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(auto e, s.tracking.GetExperiment(r.path_params["id"]));
               return Json{{"experiment", ExperimentToJson(e)}};
             }));
  router.Add(Method::kDelete, v1 + "/experiments/{id}",
             JsonHandler(kStyle, [&s](const Json&, HttpRequest& r) {
               return EmptyOr(s.tracking.DeleteExperiment(r.path_params["id"]));
             }));
  router.Add(Method::kPost, v1 + "/runs", Json0(s, CreateRun));
  router.Add(Method::kPost, v1 + "/runs/search", Json0(s, SearchRuns));
  router.Add(Method::kGet, v1 + "/runs/{id}",
             JsonHandler(kStyle, [&s](const Json&, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(auto run, s.tracking.GetRun(r.path_params["id"]));
               return Json{{"run", RunToJson(run)}};
             }));
  router.Add(Method::kPatch, v1 + "/runs/{id}",
             JsonHandler(kStyle, [&s](const Json& in, HttpRequest& r) {
               return UpdateRun(s, r.path_params["id"], in);
             }));
  router.Add(Method::kDelete, v1 + "/runs/{id}",
             JsonHandler(kStyle, [&s](const Json&, HttpRequest& r) {
               return EmptyOr(s.tracking.DeleteRun(r.path_params["id"]));
             }));
  router.Add(Method::kPost, v1 + "/runs/{id}/log",
             JsonHandler(kStyle, [&s](const Json& in, HttpRequest& r) {
               return Log(s, r.path_params["id"], in);
             }));
  router.Add(Method::kGet, v1 + "/runs/{id}/metrics/{key...}",
             JsonHandler(kStyle, [&s](const Json& in, HttpRequest& r) {
               return History(s, r.path_params["id"], r.path_params["key"], in);
             }));
  router.Add(Method::kGet, v1 + "/runs/{id}/artifacts",
             JsonHandler(kStyle, [&s](const Json& in, HttpRequest& r) {
               return ListArtifacts(s, r.path_params["id"], in);
             }));
  router.Add(Method::kGet, v1 + "/runs/{id}/artifacts/{path...}", [&s](HttpRequest& r) {
    auto path = ArtifactPath(s, r.path_params["id"], r.path_params["path"], false);
    if (!path.ok()) return ErrorResponse(path.status(), kStyle);
    auto file = s.artifacts.LocalFile(*path);
    if (!file.ok()) return ErrorResponse(file.status(), kStyle);
    HttpResponse resp;
    resp.content_type = "application/octet-stream";
    resp.file_path = *file;
    return resp;
  });
  router.AddStream(Method::kPut, v1 + "/runs/{id}/artifacts/{path...}",
                   [&s](HttpRequest& r) -> Result<std::unique_ptr<BodySink>> {
                     ASSIGN_OR_RETURN(auto run, s.tracking.GetActiveRunInfo(r.path_params["id"]));
                     ASSIGN_OR_RETURN(std::string path,
                                      ArtifactPath(s, run.run_id, r.path_params["path"], false));
                     return OpenUpload(s, path, kStyle);
                   });
}

}  // namespace ferry::api
