// Datasets under /api/v1:
//   POST /api/v1/datasets                          {"name", "path", "description"}: register a version
//   GET  /api/v1/datasets                          the latest version of each
//   GET  /api/v1/datasets/{name}/versions          newest first
//   GET  /api/v1/datasets/{name}/versions/{v}      one version with its manifest and profile ("latest" works)
//   GET  /api/v1/datasets/{name}/diff?a=1&b=2      schema, profile and file differences (?format=text)
#include <charconv>

#include "api/pipelines/pipeline_routes.h"

#include "api/handler.h"
#include "api/json_util.h"

namespace ferry::api {
namespace {

using datasets::DatasetService;

constexpr ErrorStyle kStyle = ErrorStyle::kFerry;

Json VersionToJson(const datasets::DatasetVersion& v) {
  return {{"name", v.name},       {"version", v.version}, {"digest", v.digest},
          {"source", v.source},   {"description", v.description}, {"files", v.files},
          {"bytes", v.bytes},     {"created_time", v.created_ms}};
}

Json ListToJson(const std::vector<datasets::DatasetVersion>& list) {
  Json out = Json::array();
  for (const auto& v : list) out.push_back(VersionToJson(v));
  return out;
}

// A version in a path or query: a number from 1, or "latest" (0).
Result<int64_t> VersionOf(const std::string& text, const std::string& field) {
  if (text == "latest") return 0;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) {
    return InvalidArgument(field + ": must be a version number or 'latest', got '" + text.substr(0, 32) + "'");
  }
  return v;
}

Result<Json> Register(DatasetService& service, const Json& in) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(std::string path, GetString(in, "path"));
  ASSIGN_OR_RETURN(auto description, GetOptString(in, "description"));
  ASSIGN_OR_RETURN(datasets::Registered r, service.Register(name, path, description.value_or("")));
  return Json{{"dataset", VersionToJson(r.version)}, {"created", r.created}};
}

HttpResponse Diff(DatasetService& service, HttpRequest& r) {
  Result<Json> in = RequestInput(r);
  auto field = [&](const char* k) -> Result<std::string> {
    if (!in.ok()) return in.status();
    return GetString(*in, k);
  };
  Result<std::string> a_text = field("a"), b_text = field("b");
  Result<int64_t> a = a_text.ok() ? VersionOf(*a_text, "a") : Result<int64_t>(a_text.status());
  Result<int64_t> b = b_text.ok() ? VersionOf(*b_text, "b") : Result<int64_t>(b_text.status());
  Result<std::optional<std::string>> format = in.ok() ? GetOptString(*in, "format") : Result<std::optional<std::string>>(in.status());
  Status st = !a.ok() ? a.status() : !b.ok() ? b.status() : format.status();
  if (st.ok() && format->value_or("json") != "json" && format->value_or("json") != "text") {
    st = InvalidArgument("format: must be json or text");
  }
  if (!st.ok()) return ErrorResponse(st, kStyle);
  Result<datasets::DatasetDiff> diff = service.Diff(r.path_params["name"], *a, *b);
  if (!diff.ok()) return ErrorResponse(diff.status(), kStyle);
  if (format->value_or("json") == "text") {
    HttpResponse out;
    out.status = 200;
    out.content_type = "text/plain; charset=utf-8";
    out.body = datasets::DiffToText(*diff);
    return out;
  }
  return JsonResponse(200, Dump(datasets::DiffToJson(*diff)));
}

}  // namespace

void AddDatasetRoutes(Router& router, DatasetService& service) {
  router.Add(Method::kPost, "/api/v1/datasets",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest&) { return Register(service, in); }));
  router.Add(Method::kGet, "/api/v1/datasets", JsonHandler(kStyle, [&](const Json&, HttpRequest&) -> Result<Json> {
               ASSIGN_OR_RETURN(auto list, service.Datasets());
               return Json{{"datasets", ListToJson(list)}};
             }));
  router.Add(Method::kGet, "/api/v1/datasets/{name}/versions",
             JsonHandler(kStyle, [&](const Json&, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(auto list, service.Versions(r.path_params["name"]));
               return Json{{"versions", ListToJson(list)}};
             }));
  router.Add(Method::kGet, "/api/v1/datasets/{name}/versions/{version}",
             JsonHandler(kStyle, [&](const Json&, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(int64_t v, VersionOf(r.path_params["version"], "version"));
               ASSIGN_OR_RETURN(auto d, service.Version(r.path_params["name"], v));
               Json out = VersionToJson(d.version);
               out["manifest"] = d.manifest;
               out["profile"] = d.profile;
               return Json{{"dataset", out}};
             }));
  router.Add(Method::kGet, "/api/v1/datasets/{name}/diff", [&](HttpRequest& r) { return Diff(service, r); });
}

}  // namespace ferry::api
