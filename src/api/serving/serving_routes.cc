// The data plane's protocols and the deployment API:
//   Open Inference Protocol (KServe V2) under /v2: server and model
//     metadata, liveness, readiness, infer (JSON and binary tensors);
//   MLflow's scoring protocol: POST /invocations and
//     /api/v1/deployments/{name}/invocations;
//   /api/v1/deployments: create (JSON or YAML), list, get, replace, delete.
// A model name in /v2 is a deployment name; /versions/{v} pins the arm that
// serves registry version v. Every answer to an inference carries
// Ferry-Prediction-Id (for labels later) and Ferry-Model-Version.
#include <charconv>

#include "api/handler.h"
#include "api/serving/mlflow_scoring.h"
#include "api/serving/oip_codec.h"
#include "api/router.h"
#include "core/clock.h"
#include "serving/deployments.h"

namespace ferry::api {
namespace {

using serving::DeploymentStatus;
using serving::InferAnswer;
using serving::InferCall;

constexpr ErrorStyle kOip = ErrorStyle::kOip;
constexpr ErrorStyle kFerry = ErrorStyle::kFerry;

Json IoToJson(const std::vector<serving::IoSpec>& specs) {
  Json list = Json::array();
  for (const auto& s : specs) {
    list.push_back({{"name", s.name}, {"datatype", serving::DataTypeName(s.datatype)},
                    {"shape", s.shape}});
  }
  return list;
}

Json StatusToJson(const DeploymentStatus& d) {
  Json j = serving::SpecToJson(d.spec);
  j["created_time"] = d.created_time;
  j["updated_time"] = d.updated_time;
  Json arms = Json::array();
  for (const auto& a : d.arms) {
    Json arm = {{"role", serving::RoleName(a.role)}, {"ref", a.ref},   {"model", a.model},
                {"ready", a.ready},                  {"healthy", a.healthy},
                {"requests", a.requests},
                {"failures", a.failures}};
    if (a.ready) {
      arm["version"] = std::to_string(a.version);
      arm["backend"] = a.backend;
      arm["loaded_time"] = a.loaded_time;
      arm["inputs"] = IoToJson(a.io.inputs);
      arm["outputs"] = IoToJson(a.io.outputs);
    }
    if (!a.error.empty()) arm["error"] = a.error;
    arms.push_back(std::move(arm));
  }
  j["arms"] = std::move(arms);
  if (!d.spec.shadow.empty()) {
    j["shadow_comparison"] = {{"compared", d.shadow_compared}, {"agreed", d.shadow_agreed}};
  }
  return j;
}

Json HistogramToJson(const serving::HistogramSnapshot& h) {
  return Json{{"bounds", h.bounds}, {"cumulative", h.cumulative}, {"count", h.count},
              {"sum", h.sum}};
}

// GET /api/v1/deployments/{name}/stats: counters since the server started,
// per model version; clients take rates and percentiles from deltas.
Result<Json> StatsToJson(const serving::Deployments& deps, const std::string& name) {
  ASSIGN_OR_RETURN(DeploymentStatus d, deps.Get(name));
  Json versions = Json::array();
  for (const auto& v : deps.Stats(name)) {
    versions.push_back({{"model", v.model},
                        {"version", std::to_string(v.version)},
                        {"requests", v.requests},
                        {"latency_seconds", HistogramToJson(v.latency)},
                        {"queue_seconds", HistogramToJson(v.queue)}});
  }
  return Json{{"deployment", d.spec.name},
              {"time", Clock::System().NowMillis()},
              {"versions", std::move(versions)}};
}

Result<std::optional<int64_t>> PathVersion(const HttpRequest& r) {
  auto it = r.path_params.find("version");
  if (it == r.path_params.end()) return std::optional<int64_t>();
  int64_t v = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1) {
    return InvalidArgument("model version must be a positive integer, got '" + s + "'");
  }
  return std::optional<int64_t>(v);
}

void AddAnswerHeaders(HttpResponse& resp, const InferAnswer& a) {
  resp.headers.emplace_back("Ferry-Prediction-Id", a.prediction_id);
  if (a.version > 0) resp.headers.emplace_back("Ferry-Model-Version", std::to_string(a.version));
}

HttpResponse AnswerError(const InferAnswer& a) {
  HttpResponse resp = ErrorResponse(a.status, kOip);
  if (a.version > 0) resp.headers.emplace_back("Ferry-Model-Version", std::to_string(a.version));
  return resp;
}

// ---- Open Inference Protocol ----

void Infer(serving::Deployments& deps, HttpRequest& r, Responder respond) {
  auto version = PathVersion(r);
  if (!version.ok()) return respond(ErrorResponse(version.status(), kOip));
  std::optional<size_t> json_length;
  if (std::string h = r.Header("inference-header-content-length"); !h.empty()) {
    size_t n = 0;
    auto [end, ec] = std::from_chars(h.data(), h.data() + h.size(), n);
    if (ec != std::errc() || end != h.data() + h.size()) {
      return respond(ErrorResponse(InvalidArgument("Inference-Header-Content-Length must be an integer"), kOip));
    }
    json_length = n;
  }
  auto parsed = ParseOipRequest(r.body, json_length);
  if (!parsed.ok()) return respond(ErrorResponse(parsed.status(), kOip));
  auto request = std::make_shared<OipRequest>(std::move(parsed).value());
  InferCall call{r.path_params["name"], *version, r.Header("ferry-routing-key"),
                 std::move(request->inputs)};
  std::string name = call.deployment;
  deps.Infer(std::move(call), [respond = std::move(respond), request,
                                        name](InferAnswer a) {
    if (!a.status.ok()) return respond(AnswerError(a));
    auto rendered = RenderOipResponse(name, a.version, *request, a.outputs);
    if (!rendered.ok()) return respond(ErrorResponse(rendered.status(), kOip));
    HttpResponse resp;
    resp.body = std::move(rendered->body);
    if (rendered->json_length) {
      resp.content_type = "application/octet-stream";
      resp.headers.emplace_back("Inference-Header-Content-Length",
                                std::to_string(*rendered->json_length));
    }
    AddAnswerHeaders(resp, a);
    respond(std::move(resp));
  });
}

Result<serving::ModelMetadata> MetadataFor(serving::Deployments& deps, HttpRequest& r) {
  ASSIGN_OR_RETURN(auto version, PathVersion(r));
  return deps.Metadata(r.path_params["name"], version);
}

Result<Json> ModelMetadata(serving::Deployments& deps, HttpRequest& r) {
  ASSIGN_OR_RETURN(serving::ModelMetadata meta, MetadataFor(deps, r));
  Json versions = Json::array();
  for (int64_t v : meta.versions) versions.push_back(std::to_string(v));
  return Json{{"name", meta.name},
              {"versions", versions},
              {"platform", meta.platform},
              {"inputs", IoToJson(meta.io.inputs)},
              {"outputs", IoToJson(meta.io.outputs)}};
}

// Triton's model configuration, for clients (perf_analyzer) that read it.
Result<Json> ModelConfig(serving::Deployments& deps, HttpRequest& r) {
  ASSIGN_OR_RETURN(serving::ModelMetadata meta, MetadataFor(deps, r));
  auto dims = [](const std::vector<serving::IoSpec>& specs) {
    Json list = Json::array();
    for (const auto& spec : specs) {
      Json rest = Json::array();
      for (size_t i = 1; i < spec.shape.size(); ++i) rest.push_back(spec.shape[i]);
      list.push_back({{"name", spec.name},
                      {"data_type", "TYPE_" + std::string(serving::DataTypeName(spec.datatype))},
                      {"dims", rest.empty() ? Json::array({1}) : rest}});
    }
    return list;
  };
  return Json{{"name", meta.name},
              {"platform", meta.platform},
              {"max_batch_size", meta.max_batch_size},
              {"input", dims(meta.io.inputs)},
              {"output", dims(meta.io.outputs)}};
}

Handler OipJson(serving::Deployments& deps, Result<Json> (*fn)(serving::Deployments&, HttpRequest&)) {
  return [&deps, fn](HttpRequest& r) {
    auto out = fn(deps, r);
    if (!out.ok()) return ErrorResponse(out.status(), kOip);
    return JsonResponse(200, Dump(*out));
  };
}

HttpResponse ModelReady(serving::Deployments& deps, HttpRequest& r) {
  auto meta = ModelMetadata(deps, r);
  if (meta.ok()) return JsonResponse(200, Dump(Json{{"name", (*meta)["name"]}, {"ready", true}}));
  if (meta.status().code() == StatusCode::kNotFound) return ErrorResponse(meta.status(), kOip);
  HttpResponse resp = ErrorResponse(meta.status(), kOip);
  resp.status = 400;  // the protocol's "false"
  return resp;
}

void AddOipRoutes(Router& router, serving::Deployments& deps) {
  router.Add(Method::kGet, "/v2", [](HttpRequest&) {
    return JsonResponse(200, Dump(Json{{"name", "ferry"},
                                       {"version", "0.1.0"},
                                       {"extensions", {"binary_tensor_data", "model_repository"}}}));
  });
  router.Add(Method::kGet, "/v2/health/live", [](HttpRequest&) { return JsonResponse(200, "{}"); });
  router.Add(Method::kGet, "/v2/health/ready", [](HttpRequest&) { return JsonResponse(200, "{}"); });
  for (std::string base : {"/v2/models/{name}", "/v2/models/{name}/versions/{version}"}) {
    router.Add(Method::kGet, base, OipJson(deps, ModelMetadata));
    router.Add(Method::kGet, base + "/config", OipJson(deps, ModelConfig));
    router.Add(Method::kGet, base + "/ready", [&deps](HttpRequest& r) { return ModelReady(deps, r); });
    router.AddAsync(Method::kPost, base + "/infer",
                    [&deps](HttpRequest& r, Responder respond) { Infer(deps, r, std::move(respond)); });
  }
  router.Add(Method::kPost, "/v2/repository/index", [&deps](HttpRequest&) {
    Json list = Json::array();
    for (const auto& d : deps.List()) {
      for (const auto& a : d.arms) {
        if (a.role == serving::Role::kShadow) continue;
        Json entry = {{"name", d.spec.name}, {"state", a.ready ? "READY" : "UNAVAILABLE"}};
        if (a.ready) entry["version"] = std::to_string(a.version);
        if (!a.error.empty()) entry["reason"] = a.error;
        list.push_back(std::move(entry));
      }
    }
    return JsonResponse(200, Dump(list));
  });
}

// ---- MLflow scoring ----

void Invocations(serving::Deployments& deps, const std::string& name, HttpRequest& r, Responder respond) {
  std::string type = r.Header("content-type");
  if (!type.empty() && type.find("json") == std::string::npos) {
    return respond(ErrorResponse(
        InvalidArgument("Content-Type must be application/json (got " + type + ")"), kOip));
  }
  Json body = Json::parse(r.body, nullptr, false);
  if (body.is_discarded()) {
    return respond(ErrorResponse(InvalidArgument("the request body is not valid JSON"), kOip));
  }
  auto io = deps.Io(name);
  if (!io.ok()) return respond(ErrorResponse(io.status(), kOip));
  auto inputs = ScoringInputs(body, *io);
  if (!inputs.ok()) return respond(ErrorResponse(inputs.status(), kOip));
  InferCall call{name, std::nullopt, r.Header("ferry-routing-key"), std::move(inputs).value()};
  deps.Infer(std::move(call), [respond = std::move(respond)](InferAnswer a) {
    if (!a.status.ok()) return respond(AnswerError(a));
    HttpResponse resp = JsonResponse(200, Dump(ScoringOutput(a.outputs)));
    AddAnswerHeaders(resp, a);
    respond(std::move(resp));
  });
}

// ---- /api/v1/deployments ----

Result<serving::DeploymentSpec> SpecFromRequest(const HttpRequest& r, const std::string& name) {
  if (r.Header("content-type").find("yaml") != std::string::npos) {
    ASSIGN_OR_RETURN(auto spec, serving::SpecFromYaml(r.body));
    if (!name.empty() && spec.name != name) {
      return InvalidArgument("the body names deployment '" + spec.name + "', the path '" + name + "'");
    }
    return spec;
  }
  ASSIGN_OR_RETURN(Json in, RequestInput(r));
  return serving::SpecFromJson(in, name);
}

HttpResponse Respond(const Result<DeploymentStatus>& d, int status) {
  if (!d.ok()) return ErrorResponse(d.status(), kFerry);
  return JsonResponse(status, Dump(Json{{"deployment", StatusToJson(*d)}}));
}

// Reading deployments and scoring; `manage` adds create, replace and delete
// (the control plane; a replica's deployments follow the control plane).
void AddDeploymentRoutes(Router& router, serving::Deployments& deps, bool manage) {
  const std::string base = "/api/v1/deployments";
  if (manage) {
    router.Add(Method::kPost, base, [&deps](HttpRequest& r) {
      auto spec = SpecFromRequest(r, "");
      if (!spec.ok()) return ErrorResponse(spec.status(), kFerry);
      return Respond(deps.Create(*spec), 201);
    });
    router.Add(Method::kPut, base + "/{name}", [&deps](HttpRequest& r) {
      auto spec = SpecFromRequest(r, r.path_params["name"]);
      if (!spec.ok()) return ErrorResponse(spec.status(), kFerry);
      return Respond(deps.Replace(*spec), 200);
    });
    router.Add(Method::kDelete, base + "/{name}", [&deps](HttpRequest& r) {
      Status st = deps.Delete(r.path_params["name"]);
      if (!st.ok()) return ErrorResponse(st, kFerry);
      return JsonResponse(200, "{}");
    });
  }
  router.Add(Method::kGet, base, [&deps](HttpRequest&) {
    Json list = Json::array();
    for (const auto& d : deps.List()) list.push_back(StatusToJson(d));
    return JsonResponse(200, Dump(Json{{"deployments", list}}));
  });
  router.Add(Method::kGet, base + "/{name}", [&deps](HttpRequest& r) {
    return Respond(deps.Get(r.path_params["name"]), 200);
  });
  router.Add(Method::kGet, base + "/{name}/stats", [&deps](HttpRequest& r) {
    auto stats = StatsToJson(deps, r.path_params["name"]);
    if (!stats.ok()) return ErrorResponse(stats.status(), kFerry);
    return JsonResponse(200, Dump(*stats));
  });
  router.AddAsync(Method::kPost, base + "/{name}/invocations",
                  [&deps](HttpRequest& r, Responder respond) {
                    Invocations(deps, r.path_params["name"], r, std::move(respond));
                  });
  router.AddAsync(Method::kPost, "/invocations", [&deps](HttpRequest& r, Responder respond) {
    std::string name = r.Header("ferry-deployment");
    if (name.empty()) {
      auto only = deps.OnlyName();
      if (!only.ok()) return respond(ErrorResponse(only.status(), kOip));
      name = *only;
    }
    Invocations(deps, name, r, std::move(respond));
  });
  router.Add(Method::kGet, "/ping", [](HttpRequest&) { return JsonResponse(200, "{}"); });
}

}  // namespace

void AddServingRoutes(Router& router, serving::Deployments& deployments, bool manage) {
  AddOipRoutes(router, deployments);
  AddDeploymentRoutes(router, deployments, manage);
}

}  // namespace ferry::api
