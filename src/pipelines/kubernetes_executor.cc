#include "pipelines/kubernetes_executor.h"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/subprocess.h"
#include "core/text.h"

namespace ferry::pipelines {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kCannotCreateCode = 127;  // as LocalExecutor's "cannot start"
constexpr int kUnknownFailureCode = 1;  // failed, and no container said with what
constexpr int64_t kMaxTimeoutMs =
    int64_t{100} * 365 * 24 * 3600 * 1000;  // steady_clock's range
constexpr milliseconds kKillGrace{1000};    // for a kubectl that overran its limit
constexpr size_t kMaxErrorBytes = 400;
// Runs kubectl with its stderr in a file of its own: err=$1, the rest is the command.
constexpr const char* kSplitStderr = "err=$1; shift; exec \"$@\" 2>\"$err\"";

int64_t MillisSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start).count();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Best effort: the log is for people, and its failure is in the exit already.
void AppendLine(const std::string& path, const std::string& line) {
  if (path.empty()) return;
  std::ofstream(path, std::ios::app | std::ios::binary) << line << "\n";
}

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first])))
    ++first;
  return text.substr(first);
}

}  // namespace

struct KubernetesExecutor::Attempt {
  uint64_t serial = 0;
  StepLaunch launch;
  std::string job;       // the Job's name
  std::string manifest;  // its JSON
  SteadyClock::time_point started;
  std::function<void(const StepExit&)> done;  // guarded by mu_; moved out to be called
  bool listed = true;      // guarded by mu_; the id counts for Cancel and AlreadyExists
  bool cancelled = false;  // guarded by mu_
  bool ending = false;     // guarded by mu_; its end is known, Cancel is a no-op
  std::thread thread;      // guarded by mu_; moved to finished_ by the thread itself
};

Result<std::unique_ptr<KubernetesExecutor>> KubernetesExecutor::Create(
    KubernetesExecutorOptions options) {
  RETURN_IF_ERROR(CheckKubernetesOptions(options.job));
  if (options.kubectl.empty())
    return InvalidArgument("KubernetesExecutorOptions.kubectl is empty");
  for (auto [field, value] : {std::pair{"poll_interval", options.poll_interval},
                              {"request_timeout", options.request_timeout},
                              {"logs_timeout", options.logs_timeout}}) {
    if (value.count() <= 0) {
      return InvalidArgument(std::string("KubernetesExecutorOptions.") + field +
                             " must be positive");
    }
  }
  if (options.deadline_slack.count() < 0) {
    return InvalidArgument(
        "KubernetesExecutorOptions.deadline_slack must not be negative");
  }
  std::error_code ec;
  fs::path parent = options.scratch_dir.empty() ? fs::temp_directory_path(ec)
                                                : fs::path(options.scratch_dir);
  std::string pattern = (parent / "ferry-kubernetes-XXXXXX").string();
  if (ec || ::mkdtemp(pattern.data()) == nullptr) {
    return Internal("cannot make a scratch folder in '" + parent.string() +
                    "': " + (ec ? ec.message() : std::generic_category().message(errno)));
  }
  return std::unique_ptr<KubernetesExecutor>(
      new KubernetesExecutor(std::move(options), pattern));
}

KubernetesExecutor::KubernetesExecutor(KubernetesExecutorOptions options,
                                       std::string scratch)
    : options_(std::move(options)), scratch_(std::move(scratch)) {}

KubernetesExecutor::~KubernetesExecutor() {
  std::vector<std::thread> threads;
  {
    std::unique_lock<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (auto& [serial, attempt] : attempts_) {
      if (!attempt->ending) attempt->cancelled = true;
    }
    cv_.notify_all();
    cv_.wait(lock, [this] { return attempts_.empty(); });
    threads.swap(finished_);
  }
  for (std::thread& thread : threads) thread.join();
  std::error_code ec;
  fs::remove_all(scratch_, ec);
}

Status KubernetesExecutor::Start(const StepLaunch& launch,
                                 std::function<void(const StepExit&)> done) {
  if (!done)
    return InvalidArgument("step launch " + QuotedForMessage(launch.id) +
                           ": no done callback");
  Resources hints = options_.resources ? options_.resources(launch) : launch.resources;
  ASSIGN_OR_RETURN(nlohmann::json manifest, JobManifest(launch, hints, options_.job));
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_)
      return FailedPrecondition("the Kubernetes executor is shutting down");
    for (const auto& [serial, other] : attempts_) {
      if (other->listed && other->launch.id == launch.id) {
        return AlreadyExists("step attempt " + QuotedForMessage(launch.id) +
                             " is already running");
      }
    }
    auto attempt = std::make_unique<Attempt>();
    attempt->serial = next_attempt_++;
    attempt->launch = launch;
    attempt->job = JobName(launch.id);
    attempt->manifest = manifest.dump();
    attempt->started = SteadyClock::now();
    attempt->done = std::move(done);
    Attempt& ref = *attempt;
    attempts_[ref.serial] = std::move(attempt);
    try {
      ref.thread = std::thread(&KubernetesExecutor::Watch, this, std::ref(ref));
    } catch (const std::system_error& e) {
      attempts_.erase(ref.serial);
      return Internal(std::string("cannot start a watcher thread: ") + e.what());
    }
    finished.swap(finished_);
  }
  for (std::thread& thread : finished)
    thread.join();  // each has returned or is returning
  return Status::Ok();
}

void KubernetesExecutor::Cancel(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [serial, attempt] : attempts_) {
    if (attempt->listed && attempt->launch.id == id && !attempt->ending) {
      attempt->cancelled = true;
      cv_.notify_all();
    }
  }
}

void KubernetesExecutor::Watch(Attempt& attempt) {
  StepExit exit = Follow(attempt);
  exit.duration_ms = MillisSince(attempt.started);
  std::function<void(const StepExit&)> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    attempt.listed = false;  // from here on the id may be started again
    done = std::move(attempt.done);
  }
  done(exit);
  done = nullptr;  // what it captured is destroyed holding no lock
  uint64_t serial = attempt.serial;
  std::lock_guard<std::mutex> lock(mu_);
  finished_.push_back(std::move(attempt.thread));
  attempts_.erase(serial);  // `attempt` is gone from here on
  cv_.notify_all();
}

StepExit KubernetesExecutor::Follow(Attempt& attempt) {
  StepExit exit = CreateJob(attempt);
  if (!exit.error.empty()) return exit;
  return Poll(attempt);
}

StepExit KubernetesExecutor::CreateJob(Attempt& attempt) {
  StepExit exit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (attempt.cancelled) {
      attempt.ending = true;
      exit.cancelled = true;
      exit.error = "cancelled before it started";
      return exit;
    }
  }
  std::string path = ScratchFile(attempt.job + ".json");
  std::ofstream(path, std::ios::binary) << attempt.manifest;
  Result<std::string> created = Kubectl({"create", "-f", path, "-o", "name"});
  std::error_code ec;
  fs::remove(path, ec);
  if (created.ok()) return exit;
  exit.exit_code = kCannotCreateCode;
  exit.error = "cannot create the Kubernetes Job " + attempt.job + ": " +
               created.status().message();
  AppendLine(attempt.launch.log_path, "ferry: " + exit.error);
  std::lock_guard<std::mutex> lock(mu_);
  attempt.ending = true;
  return exit;
}

StepExit KubernetesExecutor::Poll(Attempt& attempt) {
  auto deadline = attempt.started +
                  milliseconds(std::min(attempt.launch.timeout_ms, kMaxTimeoutMs)) +
                  options_.deadline_slack;
  for (;;) {
    if (Wait(attempt)) return Stop(attempt, false);
    Result<std::string> got = Kubectl({"get", "job", attempt.job, "-o", "json"});
    if (got.ok()) {
      JobState state = ReadJobState(nlohmann::json::parse(*got, nullptr, false));
      if (state.ended) {
        std::unique_lock<std::mutex> lock(mu_);
        if (attempt.cancelled) {
          lock.unlock();
          return Stop(attempt, false);
        }
        attempt.ending = true;
        lock.unlock();
        return Ended(attempt, state);
      }
    } else if (got.status().code() == StatusCode::kNotFound) {
      std::lock_guard<std::mutex> lock(mu_);
      attempt.ending = true;
      StepExit exit;
      exit.exit_code = kUnknownFailureCode;
      exit.error =
          "the Kubernetes Job " + attempt.job + " is gone (deleted, or past its TTL)";
      return exit;
    }
    // Any other error (the API server unreachable, say): try again until the deadline.
    if (SteadyClock::now() >= deadline) return Stop(attempt, true);
  }
}

bool KubernetesExecutor::Wait(Attempt& attempt) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, options_.poll_interval, [&] { return attempt.cancelled; });
}

StepExit KubernetesExecutor::Ended(Attempt& attempt, const JobState& state) {
  StepExit exit;
  if (!state.succeeded) {
    Result<std::string> pods =
        Kubectl({"get", "pods", "-l", "job-name=" + attempt.job, "-o", "json"});
    std::optional<int> code;
    if (pods.ok()) code = ReadStepExitCode(nlohmann::json::parse(*pods, nullptr, false));
    exit.exit_code = code && *code != 0 ? *code : kUnknownFailureCode;
    if (state.reason == "DeadlineExceeded") {
      exit.timed_out = true;
      exit.error = "timed out after " + std::to_string(attempt.launch.timeout_ms) +
                   " ms (the Kubernetes Job passed its activeDeadlineSeconds)";
    } else if (!code || *code == 0) {
      exit.error = "the Kubernetes Job failed: " +
                   (state.reason.empty() ? "no reason given" : state.reason) +
                   (state.message.empty() ? "" : ": " + state.message);
    }
  }
  AppendLogs(attempt);
  return exit;
}

StepExit KubernetesExecutor::Stop(Attempt& attempt, bool timed_out) {
  StepExit exit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    attempt.ending = true;
    exit.cancelled = attempt.cancelled;
  }
  exit.timed_out = timed_out && !exit.cancelled;
  exit.exit_code = exit.timed_out ? kUnknownFailureCode : 0;
  Result<std::string> deleted =
      Kubectl({"delete", "job", attempt.job, "--cascade=foreground", "--wait=false"});
  std::string how =
      deleted.ok() || deleted.status().code() == StatusCode::kNotFound
          ? "the Kubernetes Job " + attempt.job + " was deleted"
          : "deleting the Kubernetes Job failed: " + deleted.status().message();
  if (exit.cancelled) {
    exit.error = "cancelled (" + how + ")";
  } else {
    exit.error = "timed out after " + std::to_string(attempt.launch.timeout_ms) +
                 " ms (the Job had not ended by its deadline; " + how + ")";
  }
  AppendLogs(attempt);
  return exit;
}

void KubernetesExecutor::AppendLogs(const Attempt& attempt) {
  const std::string& log = attempt.launch.log_path;
  if (log.empty()) return;
  Result<std::string> logs =
      Kubectl({"logs", "job/" + attempt.job, "--all-containers=true"}, false, log);
  if (!logs.ok())
    AppendLine(log, "ferry: no logs from the Kubernetes Job: " + logs.status().message());
}

std::vector<std::string> KubernetesExecutor::BaseArgs(bool with_request_timeout) const {
  std::vector<std::string> args;
  if (!options_.job.namespace_name.empty())
    args.push_back("--namespace=" + options_.job.namespace_name);
  if (!options_.context.empty()) args.push_back("--context=" + options_.context);
  if (!options_.kubeconfig.empty()) args.push_back("--kubeconfig=" + options_.kubeconfig);
  if (with_request_timeout) {
    args.push_back(
        "--request-timeout=" + std::to_string(options_.request_timeout.count()) + "ms");
  }
  return args;
}

Result<std::string> KubernetesExecutor::Kubectl(const std::vector<std::string>& args,
                                                bool with_request_timeout,
                                                const std::string& out_path) {
  std::string what = "kubectl " + args[0] + (args.size() > 1 ? " " + args[1] : "");
  std::string err_path = ScratchFile("stderr");
  std::string out = out_path.empty() ? ScratchFile("stdout") : out_path;
  SpawnOptions spawn;
  spawn.argv = {"/bin/sh", "-c", kSplitStderr, "sh", err_path, options_.kubectl};
  for (std::string& arg : BaseArgs(with_request_timeout))
    spawn.argv.push_back(std::move(arg));
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.output_path = out;
  auto spawned = Subprocess::Spawn(spawn);
  if (!spawned.ok())
    return Internal("cannot run " + what + ": " + spawned.status().message());
  milliseconds limit =
      with_request_timeout ? 2 * options_.request_timeout : options_.logs_timeout;
  std::optional<int> status = (*spawned)->WaitUntil(SteadyClock::now() + limit);
  if (!status) (*spawned)->Terminate(kKillGrace);
  std::string stdout_text = out_path.empty() ? ReadAll(out) : "";
  std::string stderr_text = Trimmed(ReadAll(err_path));
  std::error_code ec;
  fs::remove(err_path, ec);
  if (out_path.empty()) fs::remove(out, ec);
  if (!status)
    return Unavailable(what + " did not finish within " + std::to_string(limit.count()) +
                       " ms");
  if (ExitCode(*status) == 0) return stdout_text;
  std::string message =
      what + " " + DescribeExit(*status) +
      (stderr_text.empty() ? "" : ": " + QuotedForMessage(stderr_text, kMaxErrorBytes));
  if (stderr_text.find("(NotFound)") != std::string::npos) return NotFound(message);
  return Unavailable(message);
}

std::string KubernetesExecutor::ScratchFile(const std::string& what) {
  return scratch_ + "/" + std::to_string(next_file_++) + "-" + what;
}

}  // namespace ferry::pipelines
