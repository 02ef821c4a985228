// The registry and serving steps: register, gate, promote, deploy. They call
// the server named by FERRY_TRACKING_URI.
#include <iostream>

#include "cli/step_internal.h"
#include "core/http_client.h"
#include "pipelines/steps/with_args.h"

namespace ferry::cli::step {

namespace steps = pipelines::steps;

Result<Json> Register(const Json& with) {
  RETURN_IF_ERROR(steps::CheckArguments(with, {"model", "run", "run_id", "artifact_path", "description"}));
  ASSIGN_OR_RETURN(std::string model, steps::RequiredTextArg(with, "model"));
  ASSIGN_OR_RETURN(auto run_id, steps::TextArg(with, "run_id"));
  ASSIGN_OR_RETURN(auto run_file, steps::TextArg(with, "run"));
  ASSIGN_OR_RETURN(auto artifact_path, steps::TextArg(with, "artifact_path"));
  if (run_file) {
    ASSIGN_OR_RETURN(Json run, ReadJson(*run_file));
    run_id = run.value("run_id", "");
    if (!artifact_path) artifact_path = run.value("artifact_path", "model");
  }
  if (!run_id || run_id->empty()) return InvalidArgument("with.run: no tracked run to register from (give run or run_id)");
  ASSIGN_OR_RETURN(ClientFlags flags, Server());
  auto exists = HttpSend({"GET", flags.url + "/api/v1/models/" + Encode(model), "", {}, std::chrono::seconds(30)});
  if (!exists.ok()) return exists.status();
  if (exists->status == 404) {
    RETURN_IF_ERROR(Api(flags, "POST", "/api/2.0/mlflow/registered-models/create", {{"name", model}}).status());
  }
  Json req = {{"name", model}, {"source", "runs:/" + *run_id + "/" + artifact_path.value_or("model")}, {"run_id", *run_id}};
  ASSIGN_OR_RETURN(auto description, steps::TextArg(with, "description"));
  if (description) req["description"] = *description;
  ASSIGN_OR_RETURN(Json created, Api(flags, "POST", "/api/2.0/mlflow/model-versions/create", req));
  std::string version = created["model_version"].value("version", "");
  std::cout << "registered " << model << " version " << version << " from run " << *run_id << "\n";
  Json out = {{"model", model}, {"version", std::stoll(version)}};
  RETURN_IF_ERROR(WriteJson(OutputPath("version", "version.json"), out));
  return out;
}

Result<Json> Gate(const Json& with, bool promote) {
  RETURN_IF_ERROR(steps::CheckArguments(with, {"model", "version", "champion_alias", "alias"}));
  ASSIGN_OR_RETURN(std::string model, steps::RequiredTextArg(with, "model"));
  ASSIGN_OR_RETURN(std::string version, VersionArg(with));
  ASSIGN_OR_RETURN(auto alias, steps::TextArg(with, promote ? "alias" : "champion_alias"));
  ASSIGN_OR_RETURN(ClientFlags flags, Server());
  Json body = {{"candidate", version}};
  body[promote ? "alias" : "champion_alias"] = alias.value_or("champion");
  ASSIGN_OR_RETURN(Json r, Api(flags, "POST", "/api/v1/models/" + Encode(model) + (promote ? "/promote" : "/gate/evaluate"), body));
  std::cout << r.dump(2) << "\n";
  if (!promote) RETURN_IF_ERROR(WriteJson(OutputPath("decision", "decision.json"), r));
  const Json& decision = r.contains("decision") ? r["decision"] : r;
  bool passed = promote ? r.value("promoted", false) : decision.value("passed", false);
  if (!passed) {
    return FailedPrecondition("the gate did not pass " + model + " version " + version +
                              (promote ? "; the alias did not move" : ""));
  }
  return r;
}

// Puts a model version into a deployment's traffic policy: as its primary
// (creating the deployment when there is none), its canary (with a percent)
// or its shadow; the rest of the policy is kept.
Result<Json> Deploy(const Json& with) {
  RETURN_IF_ERROR(steps::CheckArguments(with, {"deployment", "model", "version", "ref", "role", "percent"}));
  ASSIGN_OR_RETURN(std::string deployment, steps::RequiredTextArg(with, "deployment"));
  ASSIGN_OR_RETURN(auto ref, steps::TextArg(with, "ref"));
  if (!ref) {
    ASSIGN_OR_RETURN(std::string model, steps::RequiredTextArg(with, "model"));
    ASSIGN_OR_RETURN(std::string version, VersionArg(with));
    ref = model + "/" + version;
  }
  ASSIGN_OR_RETURN(auto role_arg, steps::TextArg(with, "role"));
  std::string role = role_arg.value_or("shadow");
  if (role != "primary" && role != "canary" && role != "shadow") {
    return InvalidArgument("with.role: must be primary, canary or shadow, got '" + role + "'");
  }
  ASSIGN_OR_RETURN(auto percent, steps::NumberArg(with, "percent", 0, 100));
  if (role == "canary" && !percent) return InvalidArgument("with.percent: a canary needs a percent (0-100)");
  ASSIGN_OR_RETURN(ClientFlags flags, Server());
  std::string path = "/api/v1/deployments/" + Encode(deployment);
  auto current = HttpSend({"GET", flags.url + path, "", {}, std::chrono::seconds(30)});
  if (!current.ok()) return current.status();
  if (current->status == 404) {
    if (role != "primary") {
      return FailedPrecondition("deployment '" + deployment + "' does not exist: deploy a primary first");
    }
    return Api(flags, "POST", "/api/v1/deployments", {{"name", deployment}, {"model", *ref}});
  }
  Json now = Json::parse(current->body, nullptr, false);
  if (now.is_discarded() || !now.contains("deployment")) return Unavailable("GET " + path + " answered " + current->body.substr(0, 200));
  Json spec = Json::object();
  for (const char* k : {"name", "model", "canary", "shadow", "batching", "payload_log"}) {
    if (now["deployment"].contains(k) && !now["deployment"][k].is_null()) spec[k] = now["deployment"][k];
  }
  if (role == "primary") spec["model"] = *ref;
  if (role == "canary") spec["canary"] = {{"model", *ref}, {"percent", *percent}};
  if (role == "shadow") spec["shadow"] = {{"model", *ref}};
  ASSIGN_OR_RETURN(Json r, Api(flags, "PUT", path, spec));
  std::cout << "deployment " << deployment << ": " << *ref << " as " << role << "\n";
  return r;
}

}  // namespace ferry::cli::step
