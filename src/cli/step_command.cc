// `ferry step NAME --with JSON`: one built-in pipeline step, as the runner
// starts it for `uses: NAME` (pipelines/pipeline_service.h, BuiltinArgv).
//
// Steps on data (no server needed): train-xgboost, evaluate, validate
// (pipelines/steps/). Steps on the registry and serving (they call the server
// named by FERRY_TRACKING_URI, which a server-run step gets): register, gate,
// promote, deploy.
//
// What each writes into its step folder (FERRY_STEP_DIR), besides the log:
//   train-xgboost  model/ (a model package; or FERRY_OUTPUT_MODEL), run.json
//                  ({"run_id", "artifact_path"}: where the package was logged)
//   evaluate       metrics.json          validate  report.json
//   register       version.json ({"model", "version"})
//   gate           decision.json (the registry's decision with its evidence)
// A declared output named like the file (run, version, metrics, report,
// decision) receives it instead. With MLFLOW_RUN_ID (the step's tracked run),
// train-xgboost and evaluate log their params and metrics to it, and
// train-xgboost uploads the package as the run's `model` artifact.
//
// Exit codes: 0 done; 1 the step failed (the reason on stderr); 2 bad `with`.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "core/http_client.h"
#include "pipelines/datasets/dataset_snapshot.h"
#include "pipelines/steps/evaluate.h"
#include "pipelines/steps/train_xgboost.h"
#include "pipelines/steps/validate.h"
#include "pipelines/steps/with_args.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
namespace steps = pipelines::steps;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Where a step writes `file`: its declared output of that name, else its folder.
std::string OutputPath(const std::string& name, const std::string& file) {
  std::string env = "FERRY_OUTPUT_";
  for (char c : name) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (std::string declared = Env(env.c_str()); !declared.empty()) return declared;
  std::string dir = Env("FERRY_STEP_DIR");
  return (fs::path(dir.empty() ? "." : dir) / file).string();
}

int Fail(const Status& st) {
  std::cerr << "ferry step: " << st.message() << "\n";
  return st.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

Status WriteJson(const std::string& path, const Json& value) {
  std::error_code ec;
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << value.dump(2) << "\n";
  return out ? Status::Ok() : Internal("cannot write " + path);
}

Result<Json> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  Json j = Json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) return InvalidArgument("'" + path + "' is not JSON");
  return j;
}

// The server, for steps that talk to it.
Result<ClientFlags> Server() {
  ClientFlags flags;
  flags.url = Env("FERRY_TRACKING_URI");
  if (flags.url.empty()) flags.url = Env("FERRY_URL");
  if (flags.url.empty()) {
    return FailedPrecondition("this step needs a Ferry server: FERRY_TRACKING_URI is not set (pipelines run by "
                              "`ferry server` set it; `ferry pipeline run` takes it from the environment)");
  }
  flags.user = "ferry-pipelines";
  return flags;
}

Result<Json> Api(const ClientFlags& flags, const std::string& method, const std::string& path, const Json& body) {
  auto r = Call(flags, method, path, body);
  if (!r) return Unavailable(method + " " + path + " failed (the server's answer is above)");
  return *r;
}

// Params and metrics to the step's tracked run, when it has one.
Status LogToRun(const std::map<std::string, double>& metrics, const Json& params) {
  std::string run_id = Env("MLFLOW_RUN_ID");
  if (run_id.empty() || Env("FERRY_TRACKING_URI").empty()) return Status::Ok();
  ASSIGN_OR_RETURN(ClientFlags flags, Server());
  Json m = Json::array(), p = Json::array();
  for (const auto& [k, v] : metrics) m.push_back({{"key", k}, {"value", v}, {"timestamp", 0}, {"step", 0}});
  if (params.is_object()) {
    for (const auto& [k, v] : params.items()) p.push_back({{"key", k}, {"value", v.is_string() ? v.get<std::string>() : v.dump()}});
  }
  return Api(flags, "POST", "/api/2.0/mlflow/runs/log-batch", {{"run_id", run_id}, {"metrics", m}, {"params", p}})
      .status();
}

// Uploads a package folder as the run's `artifact_path` artifact.
Status UploadPackage(const ClientFlags& flags, const std::string& run_id, const std::string& dir,
                     const std::string& artifact_path) {
  ASSIGN_OR_RETURN(Json run, Api(flags, "GET", "/api/2.0/mlflow/runs/get?run_id=" + Encode(run_id), nullptr));
  std::string uri = run["run"]["info"].value("artifact_uri", "");
  const std::string scheme = "mlflow-artifacts:/";
  if (!uri.starts_with(scheme)) return FailedPrecondition("the run's artifacts are at " + uri + ", not on Ferry");
  std::string base = uri.substr(scheme.size());
  while (base.starts_with("/")) base.erase(0, 1);
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = fs::relative(entry.path(), dir).generic_string();
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    std::string target = "/api/2.0/mlflow-artifacts/artifacts/" + base + "/" + artifact_path + "/" + rel;
    if (!CallRaw(flags, "PUT", target, bytes.str(), "application/octet-stream")) {
      return Unavailable("uploading " + rel + " failed");
    }
  }
  return Status::Ok();
}

// Records the training data as an input of the step's tracked run, by the
// content digest `ferry datasets` uses (the first 32 hex digits: MLflow's
// digest field holds 36; the whole digest is the input's ferry.digest tag),
// so lineage leads from a model version to the dataset version.
Status LogTrainingData(const ClientFlags& flags, const std::string& run_id, const std::string& path,
                       const std::string& name) {
  ASSIGN_OR_RETURN(datasets::DatasetManifest manifest, datasets::ScanDataset(fs::absolute(path).string()));
  Json input = {{"dataset", {{"name", name.empty() ? fs::path(path).stem().string() : name},
                             {"digest", manifest.digest.substr(0, 32)},
                             {"source_type", "local"},
                             {"source", fs::absolute(path).string()}}},
                {"tags", {{{"key", "mlflow.data.context"}, {"value", "training"}},
                          {{"key", "ferry.digest"}, {"value", manifest.digest}}}}};
  return Api(flags, "POST", "/api/2.0/mlflow/runs/log-inputs", {{"run_id", run_id}, {"datasets", {input}}}).status();
}

int TrainXgboost(const Json& with) {
  Json args = with;
  std::string dataset_name = args.value("dataset", "");
  args.erase("dataset");
  if (!args.contains("output")) args["output"] = OutputPath("model", "model");
  auto options = steps::TrainXgboostOptionsFromJson(args);
  if (!options.ok()) return Fail(options.status());
  auto result = steps::TrainXgboost(*options);
  if (!result.ok()) return Fail(result.status());
  for (const auto& [k, v] : result->metrics) std::cout << k << " = " << v << "\n";
  if (Status st = LogToRun(result->metrics, result->params); !st.ok()) return Fail(st);
  std::string run_id = Env("MLFLOW_RUN_ID");
  if (!run_id.empty() && !Env("FERRY_TRACKING_URI").empty()) {
    auto flags = Server();
    Status st = flags.ok() ? UploadPackage(*flags, run_id, result->output, "model") : flags.status();
    if (st.ok()) st = LogTrainingData(*flags, run_id, options->data, dataset_name);
    if (!st.ok()) return Fail(st);
    std::cout << "model logged to run " << run_id << " as artifact 'model'\n";
  }
  Status st = WriteJson(OutputPath("run", "run.json"), {{"run_id", run_id}, {"artifact_path", "model"},
                                                         {"package", fs::absolute(result->output).string()}});
  return st.ok() ? 0 : Fail(st);
}

int Evaluate(const Json& with) {
  Json args = with;
  if (!args.contains("output")) args["output"] = fs::path(OutputPath("metrics", "metrics.json")).parent_path().string();
  auto options = steps::EvaluateOptionsFromJson(args);
  if (!options.ok()) return Fail(options.status());
  auto result = steps::EvaluateModel(*options);
  if (!result.ok()) return Fail(result.status());
  for (const auto& [k, v] : result->metrics) std::cout << k << " = " << v << "\n";
  Status st = LogToRun(result->metrics, Json::object());
  return st.ok() ? 0 : Fail(st);
}

int Validate(const Json& with) {
  Json args = with;
  if (!args.contains("output")) args["output"] = fs::path(OutputPath("report", "report.json")).parent_path().string();
  auto options = steps::ValidateOptionsFromJson(args);
  if (!options.ok()) return Fail(options.status());
  auto result = steps::ValidateData(*options);
  if (!result.ok()) return Fail(result.status());
  if (result->passed) {
    std::cout << "every expectation holds (report: " << result->report_path << ")\n";
    return 0;
  }
  for (const std::string& f : result->failures) std::cerr << "failed: " << f << "\n";
  return Fail(FailedPrecondition(std::to_string(result->failures.size()) + " expectations failed"));
}

// A version given as a number, or as the path of a register step's version.json.
Result<std::string> VersionArg(const Json& with) {
  ASSIGN_OR_RETURN(std::string v, steps::RequiredTextArg(with, "version"));
  if (!v.empty() && std::all_of(v.begin(), v.end(), ::isdigit)) return v;
  ASSIGN_OR_RETURN(Json file, ReadJson(v));
  if (!file.contains("version")) return InvalidArgument("with.version: '" + v + "' has no \"version\"");
  return file["version"].is_string() ? file["version"].get<std::string>() : file["version"].dump();
}

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

int RunStep(const std::string& name, const std::string& with_text) {
  Json with = Json::parse(with_text.empty() ? "{}" : with_text, nullptr, false);
  if (with.is_discarded() || !with.is_object()) return Fail(InvalidArgument("--with: must be a JSON object"));
  if (name == "train-xgboost") return TrainXgboost(with);
  if (name == "evaluate") return Evaluate(with);
  if (name == "validate") return Validate(with);
  Result<Json> r = name == "register" ? Register(with)
                   : name == "gate"   ? Gate(with, false)
                   : name == "promote" ? Gate(with, true)
                   : name == "deploy"  ? Deploy(with)
                                       : Result<Json>(InvalidArgument("no built-in step '" + name +
                                                                      "' (built-ins: train-xgboost, evaluate, "
                                                                      "validate, register, gate, promote, deploy)"));
  return r.ok() ? 0 : Fail(r.status());
}

}  // namespace

void AddStepCommand(CLI::App& app, int& exit_code) {
  auto name = std::make_shared<std::string>();
  auto with = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("step", "Run one built-in pipeline step (what `uses:` runs)");
  cmd->add_option("name", *name, "train-xgboost, evaluate, validate, register, gate, promote or deploy")->required();
  cmd->add_option("--with", *with, "The step's arguments as a JSON object");
  cmd->callback([name, with, &exit_code] { exit_code = RunStep(*name, *with); });
}

}  // namespace ferry::cli
