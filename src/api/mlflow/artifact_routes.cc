// MLflow's artifact proxy (mlflow-artifacts:/ URIs): streamed uploads and
// downloads, directory listing, deletion; and the run-based
// /api/2.0/mlflow/artifacts/list. Every path goes through the artifact
// store's traversal checks.
#include "api/handler.h"
#include "api/services.h"
#include "api/tracking_requests.h"

namespace ferry::api {
namespace {

constexpr const char* kProxyPrefix = "/api/2.0/mlflow-artifacts/artifacts";
constexpr const char* kSchemePrefix = "mlflow-artifacts:/";

Json ListJson(const std::vector<artifacts::ArtifactEntry>& entries,
              const std::string& prefix) {
  Json files = Json::array();
  for (const auto& e : entries) {
    Json f = {{"path", prefix.empty() ? e.path : prefix + "/" + e.path},
              {"is_dir", e.is_dir}};
    if (!e.is_dir) f["file_size"] = e.size;
    files.push_back(std::move(f));
  }
  return files;
}

HttpResponse Download(Services& s, HttpRequest& req) {
  const std::string& path = req.path_params["path"];
  if (path.empty()) {  // GET .../artifacts?path=dir lists a directory
    auto dir = req.Query("path").value_or("");
    auto entries = s.artifacts.List(dir);
    if (!entries.ok()) return ErrorResponse(entries.status(), ErrorStyle::kMlflow);
    Json out = Json::object();
    Json files = ListJson(*entries, "");
    if (!files.empty()) out["files"] = files;
    return JsonResponse(200, Dump(out));
  }
  Result<std::string> file = s.artifacts.LocalFile(path);
  if (!file.ok()) return ErrorResponse(file.status(), ErrorStyle::kMlflow);
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.file_path = *file;
  return r;
}

Result<std::unique_ptr<BodySink>> Upload(Services& s, HttpRequest& req) {
  return OpenUpload(s, req.path_params["path"], ErrorStyle::kMlflow);
}

HttpResponse Delete(Services& s, HttpRequest& req) {
  Status st = s.artifacts.Delete(req.path_params["path"]);
  if (!st.ok()) return ErrorResponse(st, ErrorStyle::kMlflow);
  return JsonResponse(200, "{}");
}

// The artifact-store path of a run's artifact root, when the run stores its
// artifacts through the proxy.
Result<std::string> RunArtifactRoot(const tracking::Run& run) {
  const std::string& uri = run.info.artifact_uri;
  if (uri.rfind(kSchemePrefix, 0) != 0) {
    return InvalidArgument("run " + run.info.run_id +
                           " stores its artifacts outside Ferry (" + uri + ")");
  }
  return uri.substr(std::string(kSchemePrefix).size());
}

Result<Json> ListRunArtifacts(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(auto id, GetOptString(in, "run_id"));
  if (!id || id->empty()) {
    ASSIGN_OR_RETURN(id, GetOptString(in, "run_uuid"));
  }
  if (!id || id->empty()) return MissingField("run_id");
  ASSIGN_OR_RETURN(auto sub, GetOptString(in, "path"));
  ASSIGN_OR_RETURN(auto run, s.tracking.GetRun(*id));
  ASSIGN_OR_RETURN(std::string root, RunArtifactRoot(run));
  ASSIGN_OR_RETURN(std::string rel,
                   artifacts::CheckRelativePath(sub.value_or(""), true));
  ASSIGN_OR_RETURN(auto entries, s.artifacts.List(rel.empty() ? root : root + "/" + rel));
  Json out = {{"root_uri", run.info.artifact_uri}};
  Json files = ListJson(entries, rel);
  if (!files.empty()) out["files"] = files;
  return out;
}

}  // namespace

void AddArtifactRoutes(Router& router, Services& s) {
  std::string pattern = std::string(kProxyPrefix) + "/{path...}";
  router.Add(Method::kGet, pattern, [&s](HttpRequest& r) { return Download(s, r); });
  router.AddStream(Method::kPut, pattern,
                   [&s](HttpRequest& r) { return Upload(s, r); });
  router.Add(Method::kDelete, pattern, [&s](HttpRequest& r) { return Delete(s, r); });
  for (const char* prefix : {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}) {
    router.Add(Method::kGet, std::string(prefix) + "artifacts/list",
               JsonHandler(ErrorStyle::kMlflow, [&s](const Json& in, HttpRequest&) {
                 return ListRunArtifacts(s, in);
               }));
  }
}

}  // namespace ferry::api
