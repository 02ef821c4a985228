// The data steps: train-xgboost (one model, or a sweep of nested trial
// runs), evaluate (a package folder, or a registered version whose source run
// then gets the metrics, e.g. fresh_auc for a gate), validate. See
// step_command.cc for what each writes.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/package_fetch.h"
#include "cli/step_internal.h"
#include "pipelines/datasets/dataset_snapshot.h"
#include "pipelines/steps/evaluate.h"
#include "pipelines/steps/train_xgboost.h"
#include "pipelines/steps/validate.h"
#include "pipelines/steps/with_args.h"

namespace ferry::cli::step {

namespace fs = std::filesystem;
namespace steps = pipelines::steps;

namespace {

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


// One training: the package at args["output"], its metrics and params.
Result<steps::TrainResult> TrainOnce(const Json& args, std::string* data) {
  ASSIGN_OR_RETURN(steps::TrainXgboostOptions options, steps::TrainXgboostOptionsFromJson(args));
  *data = options.data;
  return steps::TrainXgboost(options);
}

// A trial's arguments: the step's, with the trial's keys over them (its
// `params` merged into the step's).
Json TrialArgs(const Json& base, const Json& trial, const std::string& output) {
  Json args = base;
  for (const auto& [k, v] : trial.items()) {
    if (k == "params" && v.is_object() && args.contains("params") && args["params"].is_object()) {
      for (const auto& [pk, pv] : v.items()) args["params"][pk] = pv;
    } else {
      args[k] = v;
    }
  }
  args["output"] = output;
  return args;
}

// A nested run under `parent` (the same experiment), for one trial.
Result<std::string> StartChildRun(const ClientFlags& flags, const std::string& parent, const std::string& name) {
  ASSIGN_OR_RETURN(Json p, Api(flags, "GET", "/api/2.0/mlflow/runs/get?run_id=" + Encode(parent), nullptr));
  Json req = {{"experiment_id", p["run"]["info"].value("experiment_id", "")},
              {"run_name", name},
              {"tags", {{{"key", "mlflow.parentRunId"}, {"value", parent}}}}};
  ASSIGN_OR_RETURN(Json r, Api(flags, "POST", "/api/2.0/mlflow/runs/create", req));
  return r["run"]["info"].value("run_id", "");
}

Status EndRun(const ClientFlags& flags, const std::string& run_id) {
  return Api(flags, "POST", "/api/2.0/mlflow/runs/update", {{"run_id", run_id}, {"status", "FINISHED"}}).status();
}

bool LowerIsBetter(const std::string& metric) {
  for (const char* k : {"loss", "rmse", "mae", "error"}) {
    if (metric.find(k) != std::string::npos) return true;
  }
  return false;
}

struct Trained {
  std::string package, data, run_id;  // run_id: where the package was logged ("" untracked)
  std::map<std::string, double> metrics;
};

// `sweep`: a list of trials, each an object of arguments over the step's;
// every trial is a nested run of the step's run, and the best by `select`
// (default valid_auc; lower is better for losses and errors) is the output.
Result<Trained> Sweep(const Json& base, const Json& sweep, const std::string& select, const std::string& output) {
  if (!sweep.is_array() || sweep.empty() || sweep.size() > 100) {
    return InvalidArgument("with.sweep: must be a list of 1-100 objects of arguments");
  }
  std::string parent = Env("MLFLOW_RUN_ID");
  std::optional<ClientFlags> flags;
  if (!parent.empty() && !Env("FERRY_TRACKING_URI").empty()) {
    ASSIGN_OR_RETURN(flags, Server());
  }
  std::optional<Trained> best;
  for (size_t i = 0; i < sweep.size(); ++i) {
    if (!sweep[i].is_object()) return InvalidArgument("with.sweep[" + std::to_string(i) + "]: must be an object");
    std::string dir = (fs::path(OutputPath("trials", "trials")) / std::to_string(i)).string();
    Trained t;
    ASSIGN_OR_RETURN(steps::TrainResult r, TrainOnce(TrialArgs(base, sweep[i], dir), &t.data));
    t.package = r.output;
    t.metrics = r.metrics;
    if (!t.metrics.count(select)) return InvalidArgument("with.select: no metric '" + select + "' to choose by");
    std::cout << "trial " << i << ": " << select << " = " << t.metrics[select] << "\n";
    if (flags) {
      ASSIGN_OR_RETURN(t.run_id, StartChildRun(*flags, parent, "trial-" + std::to_string(i)));
      RETURN_IF_ERROR(LogToRun(t.metrics, r.params, t.run_id));
      RETURN_IF_ERROR(EndRun(*flags, t.run_id));
    }
    bool better = !best || (LowerIsBetter(select) ? t.metrics[select] < best->metrics[select]
                                                  : t.metrics[select] > best->metrics[select]);
    if (better) best = t;
  }
  std::error_code ec;
  fs::copy(best->package, output, fs::copy_options::recursive, ec);
  if (ec) return Internal("cannot copy the best trial's package to " + output + ": " + ec.message());
  best->package = output;
  std::cout << "best trial: " << (best->run_id.empty() ? best->package : "run " + best->run_id) << "\n";
  return *best;
}

// A retried attempt runs in the same step folder: what an earlier attempt
// left there (inside the step's own folder only) is removed first.
void ClearEarlierAttempt(const std::string& path) {
  std::string step_dir = Env("FERRY_STEP_DIR");
  if (step_dir.empty()) return;
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  fs::path dir = fs::weakly_canonical(step_dir, ec);
  auto rel = p.lexically_relative(dir);
  if (!rel.empty() && *rel.begin() != ".." && rel != ".") fs::remove_all(p, ec);
}

}  // namespace

int TrainXgboost(const Json& with) {
  Json args = with;
  std::string dataset_name = args.value("dataset", "");
  std::string select = args.value("select", "valid_auc");
  Json sweep = args.value("sweep", Json());
  for (const char* k : {"dataset", "select", "sweep"}) args.erase(k);
  std::string output = args.contains("output") ? args["output"].get<std::string>() : OutputPath("model", "model");
  ClearEarlierAttempt(output);
  ClearEarlierAttempt(OutputPath("trials", "trials"));
  Result<Trained> trained = [&]() -> Result<Trained> {
    if (!sweep.is_null()) return Sweep(args, sweep, select, output);
    Trained t;
    args["output"] = output;
    ASSIGN_OR_RETURN(steps::TrainResult r, TrainOnce(args, &t.data));
    RETURN_IF_ERROR(LogToRun(r.metrics, r.params));
    t.package = r.output;
    t.metrics = r.metrics;
    t.run_id = Env("FERRY_TRACKING_URI").empty() ? "" : Env("MLFLOW_RUN_ID");
    return t;
  }();
  if (!trained.ok()) return Fail(trained.status());
  for (const auto& [k, v] : trained->metrics) std::cout << k << " = " << v << "\n";
  if (!trained->run_id.empty()) {
    auto flags = Server();
    Status st = flags.ok() ? UploadPackage(*flags, trained->run_id, trained->package, "model") : flags.status();
    if (st.ok()) st = LogTrainingData(*flags, trained->run_id, trained->data, dataset_name);
    if (st.ok() && !sweep.is_null()) st = LogToRun(trained->metrics, {{"best_trial_run", trained->run_id}});
    if (!st.ok()) return Fail(st);
    std::cout << "model logged to run " << trained->run_id << " as artifact 'model'\n";
  }
  Status st = WriteJson(OutputPath("run", "run.json"), {{"run_id", trained->run_id}, {"artifact_path", "model"},
                                                         {"package", fs::absolute(trained->package).string()}});
  return st.ok() ? 0 : Fail(st);
}

// A registered version named by a reference ("credit@champion", "credit/3",
// "models:/…") or a register step's version.json: its package, fetched, and
// the run its metrics go to.
Result<std::pair<std::string, std::string>> RegisteredPackage(const std::string& model) {
  std::string ref = model;
  if (fs::is_regular_file(model)) {
    ASSIGN_OR_RETURN(Json v, ReadJson(model));
    ref = v.value("model", "") + "/" + (v["version"].is_string() ? v["version"].get<std::string>() : v["version"].dump());
  }
  ASSIGN_OR_RETURN(ClientFlags flags, Server());
  fs::path cache = fs::path(Env("FERRY_STEP_DIR").empty() ? "." : Env("FERRY_STEP_DIR")) / "packages";
  ASSIGN_OR_RETURN(serving::ResolvedModel resolved, FetchModel(flags, ref, cache));
  ASSIGN_OR_RETURN(Json mv, Api(flags, "GET", "/api/2.0/mlflow/model-versions/get?name=" + Encode(resolved.model) +
                                                  "&version=" + std::to_string(resolved.version),
                                nullptr));
  std::cout << "evaluating " << resolved.model << " version " << resolved.version << "\n";
  return std::make_pair(resolved.package_dir, mv["model_version"].value("run_id", ""));
}

int Evaluate(const Json& with) {
  Json args = with;
  std::string prefix = args.value("prefix", "");
  args.erase("prefix");
  std::string version_run;
  std::string model = args.value("model", "");
  if (!model.empty() && !fs::is_directory(model)) {
    auto registered = RegisteredPackage(model);
    if (!registered.ok()) return Fail(registered.status());
    args["model"] = registered->first;
    version_run = registered->second;
  }
  if (!args.contains("output")) args["output"] = fs::path(OutputPath("metrics", "metrics.json")).parent_path().string();
  auto options = steps::EvaluateOptionsFromJson(args);
  if (!options.ok()) return Fail(options.status());
  auto result = steps::EvaluateModel(*options);
  if (!result.ok()) return Fail(result.status());
  std::map<std::string, double> metrics;
  for (const auto& [k, v] : result->metrics) metrics[prefix + k] = v;
  for (const auto& [k, v] : metrics) std::cout << k << " = " << v << "\n";
  Status st = LogToRun(metrics, Json::object());
  // The version's own run: what a gate policy compares.
  if (st.ok() && !version_run.empty()) st = LogToRun(metrics, Json::object(), version_run);
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
}  // namespace ferry::cli::step
