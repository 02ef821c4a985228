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
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/step_internal.h"
#include "pipelines/steps/with_args.h"

namespace ferry::cli::step {

namespace fs = std::filesystem;
namespace steps = pipelines::steps;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

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
Status LogToRun(const std::map<std::string, double>& metrics, const Json& params, const std::string& run) {
  std::string run_id = run.empty() ? Env("MLFLOW_RUN_ID") : run;
  if (run_id.empty() || Env("FERRY_TRACKING_URI").empty()) return Status::Ok();
  ASSIGN_OR_RETURN(ClientFlags flags, Server());
  Json m = Json::array(), p = Json::array();
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();  // the newest value of a key is its latest
  for (const auto& [k, v] : metrics) m.push_back({{"key", k}, {"value", v}, {"timestamp", now}, {"step", 0}});
  if (params.is_object()) {
    for (const auto& [k, v] : params.items()) p.push_back({{"key", k}, {"value", v.is_string() ? v.get<std::string>() : v.dump()}});
  }
  return Api(flags, "POST", "/api/2.0/mlflow/runs/log-batch", {{"run_id", run_id}, {"metrics", m}, {"params", p}})
      .status();
}

// Uploads a package folder as the run's `artifact_path` artifact.
Result<std::string> VersionArg(const Json& with) {
  ASSIGN_OR_RETURN(std::string v, steps::RequiredTextArg(with, "version"));
  if (!v.empty() && std::all_of(v.begin(), v.end(), ::isdigit)) return v;
  ASSIGN_OR_RETURN(Json file, ReadJson(v));
  if (!file.contains("version")) return InvalidArgument("with.version: '" + v + "' has no \"version\"");
  return file["version"].is_string() ? file["version"].get<std::string>() : file["version"].dump();
}

}  // namespace ferry::cli::step

namespace ferry::cli {
namespace {

int Dispatch(const std::string& name, const Json& with) {
  if (name == "train-xgboost") return step::TrainXgboost(with);
  if (name == "evaluate") return step::Evaluate(with);
  if (name == "validate") return step::Validate(with);
  Result<Json> r = name == "register"  ? step::Register(with)
                   : name == "gate"    ? step::Gate(with, false)
                   : name == "promote" ? step::Gate(with, true)
                   : name == "deploy"  ? step::Deploy(with)
                                       : Result<Json>(InvalidArgument("no built-in step '" + name +
                                                                      "' (built-ins: train-xgboost, evaluate, "
                                                                      "validate, register, gate, promote, deploy)"));
  return r.ok() ? 0 : step::Fail(r.status());
}

int RunStep(const std::string& name, const std::string& with_text) {
  Json with = Json::parse(with_text.empty() ? "{}" : with_text, nullptr, false);
  if (with.is_discarded() || !with.is_object()) return step::Fail(InvalidArgument("--with: must be a JSON object"));
  try {
    return Dispatch(name, with);
  } catch (const std::exception& e) {  // a value of an unexpected type, a file system error
    return step::Fail(Internal(std::string("step '") + name + "' stopped: " + e.what()));
  }
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
