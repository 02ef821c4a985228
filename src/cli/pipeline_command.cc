// `ferry pipeline`: pipelines as code on this machine, without a server.
//   ferry pipeline check pipeline.yaml                 (validate; print the run order)
//   ferry pipeline run pipeline.yaml [--param k=v]... [--parallel N] [--no-cache]
//   ferry pipeline manifests pipeline.yaml --image IMG [--namespace NS] [--pvc CLAIM]
//                            [--param k=v]... [--out DIR] [--format yaml|json]
//                            (the Kubernetes Job each step would be; see
//                            deploy/kubernetes/README.md)
// A run's folder is <workspace>/.ferry/runs/<run id>/ (step outputs and
// logs); the step cache is <workspace>/.ferry/cache/. Exit code 0 when every
// step succeeded or was cached, 1 otherwise.
#include <pthread.h>

#include <cctype>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "core/ids.h"
#include "pipelines/cron.h"
#include "pipelines/kubernetes_job.h"
#include "pipelines/local_executor.h"
#include "pipelines/pipeline_service.h"
#include "pipelines/runner.h"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using pipelines::PipelineSpec;

struct PipelineFlags {
  std::string file, workspace;
  std::vector<std::string> params;
  int parallel = 0;
  bool no_cache = false;
};

struct ManifestFlags {
  pipelines::KubernetesOptions job;
  std::vector<std::string> labels;
  std::string run_id, out, format = "yaml";
  int ttl = 86400;
};

// Reads and validates the file; inputs are checked relative to the workspace
// unless `check_inputs` is false (they live on the cluster's volume).
Result<PipelineSpec> Load(const PipelineFlags& f, const std::string& workspace, bool check_inputs = true) {
  std::ifstream in(f.file, std::ios::binary);
  if (!in) return NotFound("cannot read '" + f.file + "'");
  std::stringstream text;
  text << in.rdbuf();
  pipelines::SpecContext context;
  context.file_name = fs::path(f.file).filename().string();
  if (check_inputs) context.exists = [&](std::string_view path) {
    std::error_code ec;
    fs::path p(path);
    return fs::exists(p.is_absolute() ? p : fs::path(workspace) / p, ec);
  };
  context.check_cron = [](std::string_view expr) { return pipelines::CronSchedule::Parse(expr).status(); };
  return pipelines::ParsePipeline(text.str(), context);
}

std::string Workspace(const PipelineFlags& f) {
  if (!f.workspace.empty()) return fs::absolute(f.workspace).string();
  return fs::absolute(fs::path(f.file)).parent_path().string();
}

int Check(const PipelineFlags& f) {
  Result<PipelineSpec> spec = Load(f, Workspace(f));
  if (!spec.ok()) {
    std::cerr << "error: " << spec.status().message() << "\n";
    return 1;
  }
  Result<pipelines::Dag> dag = pipelines::Dag::Build(*spec);
  if (!dag.ok()) {
    std::cerr << "error: " << dag.status().message() << "\n";
    return 1;
  }
  std::cout << "pipeline " << spec->name << ": " << spec->steps.size() << " steps, valid\n";
  for (size_t i : dag->Order()) {
    const pipelines::StepSpec& s = spec->steps[i];
    std::cout << "  " << s.name;
    if (!s.needs.empty()) {
      std::cout << "  (after";
      for (const std::string& n : s.needs) std::cout << " " << n;
      std::cout << ")";
    }
    std::cout << "\n";
  }
  return 0;
}

Result<std::map<std::string, std::string>> Params(const std::vector<std::string>& pairs,
                                                  const std::string& flag = "--param") {
  std::map<std::string, std::string> out;
  for (const std::string& p : pairs) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) return InvalidArgument(flag + ": expected NAME=VALUE, got '" + p + "'");
    out[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return out;
}

void PrintStep(const pipelines::StepRecord& r) {
  std::cout << std::left << std::setw(10) << pipelines::StepStateName(r.state) << " " << r.name;
  if (r.state == pipelines::StepState::kRunning && r.attempts > 1) std::cout << " (attempt " << r.attempts << ")";
  if (!r.error.empty()) std::cout << ": " << r.error;
  if (r.state == pipelines::StepState::kFailed) std::cout << "  (log: " << r.log_path << ")";
  std::cout << std::endl;
}

int Run(const PipelineFlags& f) {
  std::string workspace = Workspace(f);
  Result<PipelineSpec> spec = Load(f, workspace);
  Result<std::map<std::string, std::string>> params = spec.ok() ? Params(f.params) : spec.status();
  if (!params.ok()) {
    std::cerr << "error: " << params.status().message() << "\n";
    return 1;
  }
  pipelines::RunOptions options;
  options.workspace = workspace;
  options.run_dir = (fs::path(workspace) / ".ferry" / "runs" / NewRunId()).string();
  options.params = *params;
  pipelines::StepCache cache((fs::path(workspace) / ".ferry" / "cache").string());
  if (!f.no_cache) options.cache = &cache;
  // Built-in steps run as `ferry step NAME --with JSON`, this binary.
  std::error_code exe_ec;
  std::string self = fs::read_symlink("/proc/self/exe", exe_ec).string();
  options.builtin = [self](const std::string& uses, const std::map<std::string, std::string>& with) {
    return pipelines::BuiltinArgv({self, "step"}, uses, with);
  };
  int parallel = f.parallel > 0 ? f.parallel : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Steps run in their own process groups, so Ctrl-C does not reach them:
  // SIGINT/SIGTERM cancel the run instead (which stops them), on a thread
  // that waits for the signal; every other thread blocks it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGUSR1);  // ends the waiter when the run is over
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  pipelines::LocalExecutor executor(parallel);
  pipelines::PipelineRun run(*spec, options, executor, Clock::System(), PrintStep);
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    if (signal != SIGUSR1) {
      std::cerr << "stopping: cancelling the run\n";
      run.Cancel();
    }
  });
  Result<pipelines::RunRecord> record = run.Run();
  pthread_kill(waiter.native_handle(), SIGUSR1);
  waiter.join();
  if (!record.ok()) {
    std::cerr << "error: " << record.status().message() << "\n";
    return 1;
  }
  std::cout << "run " << (record->succeeded ? "succeeded" : "failed") << ": " << options.run_dir << "\n";
  return record->succeeded ? 0 : 1;
}

// What the runner gives each step (runner.h): the launch of its first
// attempt in a run folder, with params filled in; a built-in step runs as
// `ferry step NAME --with JSON` (the image's ferry). ${steps.S.outputs.O} is
// filled with the path S writes it to in that folder; a run where S is
// cached would use the cached paths instead. What only the server adds to
// the env (the tracking URI, the step's tracked run) is not there.
class ManifestMaker {
 public:
  ManifestMaker(const PipelineSpec& spec, std::map<std::string, std::string> params, std::string workspace,
                std::string run_dir)
      : spec_(spec), params_(std::move(params)), workspace_(std::move(workspace)), run_dir_(std::move(run_dir)) {
    for (const pipelines::StepSpec& s : spec_.steps) {
      for (const auto& [name, path] : s.outputs) {
        outputs_[s.name][name] = (fs::path(run_dir_) / "steps" / s.name / path).lexically_normal().string();
      }
    }
  }

  Result<pipelines::StepLaunch> Launch(const pipelines::StepSpec& s) const {
    auto fill = [&](const std::string& text) { return pipelines::Substitute(text, params_, outputs_); };
    pipelines::StepLaunch launch;
    std::map<std::string, std::string> with;
    for (const auto& [key, value] : s.with) {
      ASSIGN_OR_RETURN(with[key], fill(value));
    }
    if (!s.uses.empty()) launch.argv = pipelines::BuiltinArgv({"ferry", "step"}, s.uses, with);
    if (!s.shell.empty()) {
      ASSIGN_OR_RETURN(std::string shell, fill(s.shell));
      launch.argv = {"/bin/sh", "-c", shell};
    }
    for (const std::string& arg : s.argv) {
      ASSIGN_OR_RETURN(std::string filled, fill(arg));
      launch.argv.push_back(std::move(filled));
    }
    for (const auto& [name, value] : s.env) {
      ASSIGN_OR_RETURN(launch.env[name], fill(value));
    }
    launch.id = run_dir_ + "/" + s.name + "/1";
    launch.workdir = workspace_;
    launch.timeout_ms = s.timeout_ms;
    launch.env["FERRY_PIPELINE"] = spec_.name;
    launch.env["FERRY_STEP"] = s.name;
    launch.env["FERRY_RUN_DIR"] = run_dir_;
    launch.env["FERRY_STEP_DIR"] = (fs::path(run_dir_) / "steps" / s.name).string();
    auto outputs = outputs_.find(s.name);
    if (outputs == outputs_.end()) return launch;
    for (const auto& [name, path] : outputs->second) {
      std::string env = "FERRY_OUTPUT_";
      for (char c : name) env += std::isalnum(static_cast<unsigned char>(c)) ? std::toupper(c) : '_';
      launch.env[env] = path;
    }
    return launch;
  }

 private:
  const PipelineSpec& spec_;
  std::map<std::string, std::string> params_;
  std::string workspace_, run_dir_;
  std::map<std::string, std::map<std::string, std::string>> outputs_;
};

Result<std::map<std::string, std::string>> RunParams(const PipelineSpec& spec, const std::vector<std::string>& pairs) {
  ASSIGN_OR_RETURN(auto overrides, Params(pairs));
  std::map<std::string, std::string> params = spec.params;
  for (const auto& [name, value] : overrides) {
    if (!params.count(name)) return InvalidArgument("param '" + name + "' is not a param of pipeline '" + spec.name + "'");
    params[name] = value;
  }
  return params;
}

Result<nlohmann::json> StepManifest(const ManifestMaker& maker, const pipelines::StepSpec& s,
                                    const pipelines::KubernetesOptions& job) {
  ASSIGN_OR_RETURN(pipelines::StepLaunch launch, maker.Launch(s));
  return pipelines::JobManifest(launch, s.resources, job);
}

// One manifest per step, in file order, as {step name, manifest}.
Result<std::vector<std::pair<std::string, nlohmann::json>>> Manifests(const PipelineFlags& f, ManifestFlags& m) {
  std::string workspace = Workspace(f);
  ASSIGN_OR_RETURN(PipelineSpec spec, Load(f, workspace, false));
  ASSIGN_OR_RETURN(auto params, RunParams(spec, f.params));
  ASSIGN_OR_RETURN(m.job.labels, Params(m.labels, "--label"));
  m.job.ttl_seconds_after_finished = m.ttl;
  if (m.ttl < 0) m.job.ttl_seconds_after_finished.reset();
  RETURN_IF_ERROR(pipelines::CheckKubernetesOptions(m.job));  // once, not per step
  std::string run_id = m.run_id.empty() ? NewRunId() : m.run_id;
  ManifestMaker maker(spec, std::move(params), workspace, (fs::path(workspace) / ".ferry" / "runs" / run_id).string());
  std::vector<std::pair<std::string, nlohmann::json>> out;
  for (const pipelines::StepSpec& s : spec.steps) {
    Result<nlohmann::json> job = StepManifest(maker, s, m.job);
    if (!job.ok()) return InvalidArgument("step '" + s.name + "' (line " + std::to_string(s.line) + "): " + job.status().message());
    out.emplace_back(s.name, std::move(*job));
  }
  return out;
}

int WriteManifests(const PipelineFlags& f, ManifestFlags& m) {
  auto manifests = Manifests(f, m);
  if (!manifests.ok()) {
    std::cerr << "error: " << manifests.status().message() << "\n";
    return 1;
  }
  bool yaml = m.format == "yaml";
  auto text = [&](const nlohmann::json& job) { return yaml ? pipelines::ManifestYaml(job) : job.dump(2) + "\n"; };
  if (m.out.empty()) {
    nlohmann::json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", nlohmann::json::array()}};
    for (const auto& [step, job] : *manifests) {
      if (yaml) std::cout << "---\n" << text(job);
      list["items"].push_back(job);
    }
    if (!yaml) std::cout << list.dump(2) << "\n";
    return 0;
  }
  std::error_code ec;
  fs::create_directories(m.out, ec);
  for (const auto& [step, job] : *manifests) {
    fs::path path = fs::path(m.out) / (step + (yaml ? ".yaml" : ".json"));
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text(job);
    if (!file.flush()) {
      std::cerr << "error: cannot write '" << path.string() << "'\n";
      return 1;
    }
    std::cout << path.string() << "\n";
  }
  return 0;
}

void AddManifestsCommand(CLI::App& pipeline, const std::shared_ptr<PipelineFlags>& f, int& rc) {
  auto m = std::make_shared<ManifestFlags>();
  CLI::App* cmd = pipeline.add_subcommand(
      "manifests", "Write the Kubernetes Job each step would be (deploy/kubernetes/README.md)");
  cmd->add_option("file", f->file, "Pipeline file (YAML)")->required();
  cmd->add_option("--workspace", f->workspace,
                  "The workspace's path in the pod, where the claim is mounted (default: the file's folder)");
  cmd->add_option("--param", f->params, "NAME=VALUE, overriding a pipeline param (repeatable)");
  cmd->add_option("--image", m->job.image, "The image steps run in (holding ferry and the workspace's tools)")
      ->required();
  cmd->add_option("--namespace", m->job.namespace_name, "The Jobs' namespace (default: none in the manifest)");
  cmd->add_option("--pvc", m->job.workspace_pvc, "A PersistentVolumeClaim holding the workspace, mounted at it");
  cmd->add_option("--service-account", m->job.service_account, "The pods' service account");
  cmd->add_option("--image-pull-policy", m->job.image_pull_policy, "Always, IfNotPresent or Never");
  cmd->add_option("--label", m->labels, "NAME=VALUE, a label on every Job and pod (repeatable)");
  cmd->add_option("--ttl", m->ttl, "Seconds a finished Job is kept (ttlSecondsAfterFinished; -1: kept)");
  cmd->add_option("--run-id", m->run_id, "The run folder's name under .ferry/runs (default: a new id)");
  cmd->add_option("--out", m->out, "A folder for one file per step, STEP.yaml or STEP.json (default: stdout)");
  cmd->add_option("--format", m->format, "yaml (default) or json")->check(CLI::IsMember({"yaml", "json"}));
  cmd->callback([f, m, &rc] { rc = WriteManifests(*f, *m); });
}

}  // namespace

void AddPipelineCommand(CLI::App& app, int& rc) {
  auto f = std::make_shared<PipelineFlags>();
  CLI::App* pipeline = app.add_subcommand("pipeline", "Pipelines as code: validate, run on this machine, or write Kubernetes Jobs");
  pipeline->require_subcommand(1);
  CLI::App* check = pipeline->add_subcommand("check", "Validate a pipeline file and print its run order");
  check->add_option("file", f->file, "Pipeline file (YAML)")->required();
  check->add_option("--workspace", f->workspace, "Where relative inputs are (default: the file's folder)");
  check->callback([f, &rc] { rc = Check(*f); });
  CLI::App* run = pipeline->add_subcommand("run", "Run a pipeline here, steps in parallel where the DAG allows");
  run->add_option("file", f->file, "Pipeline file (YAML)")->required();
  run->add_option("--workspace", f->workspace, "The steps' working directory (default: the file's folder)");
  run->add_option("--param", f->params, "NAME=VALUE, overriding a pipeline param (repeatable)");
  run->add_option("--parallel", f->parallel, "Steps at once (default: the number of cores)")
      ->check(CLI::Range(1, 1024));
  run->add_flag("--no-cache", f->no_cache, "Run every step, even when its inputs are unchanged");
  run->callback([f, &rc] { rc = Run(*f); });
  AddManifestsCommand(*pipeline, f, rc);
}

}  // namespace ferry::cli
