// `ferry pipeline`: pipelines as code on this machine, without a server.
//   ferry pipeline check pipeline.yaml                 (validate; print the run order)
//   ferry pipeline run pipeline.yaml [--param k=v]... [--parallel N] [--no-cache]
// A run's folder is <workspace>/.ferry/runs/<run id>/ (step outputs and
// logs); the step cache is <workspace>/.ferry/cache/. Exit code 0 when every
// step succeeded or was cached, 1 otherwise.
#include <pthread.h>

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
#include "pipelines/local_executor.h"
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

// Reads and validates the file; inputs are checked relative to the workspace.
Result<PipelineSpec> Load(const PipelineFlags& f, const std::string& workspace) {
  std::ifstream in(f.file, std::ios::binary);
  if (!in) return NotFound("cannot read '" + f.file + "'");
  std::stringstream text;
  text << in.rdbuf();
  pipelines::SpecContext context;
  context.file_name = fs::path(f.file).filename().string();
  context.exists = [&](std::string_view path) {
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

Result<std::map<std::string, std::string>> Params(const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> out;
  for (const std::string& p : pairs) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) return InvalidArgument("--param: expected NAME=VALUE, got '" + p + "'");
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

}  // namespace

void AddPipelineCommand(CLI::App& app, int& rc) {
  auto f = std::make_shared<PipelineFlags>();
  CLI::App* pipeline = app.add_subcommand("pipeline", "Pipelines as code: validate or run one on this machine");
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
}

}  // namespace ferry::cli
