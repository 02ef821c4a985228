#include "pipelines/local_executor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>

#include "core/subprocess.h"

namespace ferry::pipelines {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Longer timeouts are this one: steady_clock's nanoseconds overflow near 292 years.
constexpr int64_t kMaxTimeoutMs = int64_t{100} * 365 * 24 * 3600 * 1000;
constexpr int kCannotStartCode = 127;  // what a shell reports for a command it cannot run

int64_t MillisSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)
      .count();
}

// Best effort: the log is for people; a log that cannot be written is
// already in the error this line would repeat.
void AppendLine(const std::string& path, const std::string& line) {
  if (path.empty()) return;
  int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) return;
  std::string text = line + "\n";
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Why the attempt did not end normally; empty when it did.
std::string ExitError(const StepExit& exit, int wait_status, int64_t timeout_ms) {
  if (exit.timed_out) {
    return "timed out after " + std::to_string(timeout_ms) + " ms (" +
           DescribeExit(wait_status) + ")";
  }
  if (exit.cancelled) return "cancelled (" + DescribeExit(wait_status) + ")";
  if (WIFSIGNALED(wait_status)) return DescribeExit(wait_status);
  return "";
}

}  // namespace

struct LocalExecutor::Attempt {
  pid_t pid = 0;           // 0 until spawned
  bool cancelled = false;  // Cancel was called before it was ending
  bool ending = false;     // exited or timed out: the worker reaps it, nobody signals it
  std::optional<SteadyClock::time_point>
      kill_at;  // SIGKILL due (cancelled, still running)
};

LocalExecutor::LocalExecutor(int max_parallel)
    : max_parallel_(static_cast<size_t>(std::max(1, max_parallel))) {}

LocalExecutor::~LocalExecutor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (Queued& queued : queue_) cancelled_.push_back(std::move(queued));
    queue_.clear();
    for (auto& [id, attempt] : running_) CancelLocked(*attempt);
    work_cv_.notify_all();
    service_cv_.notify_all();
  }
  // No Start adds workers once shutting_down_ is set.
  for (std::thread& worker : workers_) worker.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    service_stop_ = true;  // only now: the workers needed its SIGKILLs
    service_cv_.notify_all();
  }
  if (service_.joinable()) service_.join();
}

Status LocalExecutor::Start(const StepLaunch& launch,
                            std::function<void(const StepExit&)> done) {
  if (launch.id.empty()) return InvalidArgument("step launch: id is empty");
  if (launch.argv.empty() || launch.argv[0].empty()) {
    return InvalidArgument("step launch '" + launch.id + "': argv is empty");
  }
  if (launch.timeout_ms <= 0) {
    return InvalidArgument("step launch '" + launch.id +
                           "': timeout_ms must be positive");
  }
  if (!done) return InvalidArgument("step launch '" + launch.id + "': no done callback");
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return FailedPrecondition("the local executor is shutting down");
  bool queued = std::any_of(queue_.begin(), queue_.end(),
                            [&](const Queued& q) { return q.launch.id == launch.id; });
  if (queued || running_.count(launch.id) != 0) {
    return AlreadyExists("step attempt '" + launch.id + "' is already queued or running");
  }
  queue_.push_back(Queued{launch, std::move(done)});
  Status threads = StartThreadsLocked();
  if (!threads.ok()) {
    queue_.pop_back();
    return threads;
  }
  work_cv_.notify_one();
  return Status::Ok();
}

// Fails only when nothing could ever run the queue; a worker that cannot be
// added while others exist just means less parallelism for now.
Status LocalExecutor::StartThreadsLocked() {
  try {
    if (!service_.joinable()) service_ = std::thread(&LocalExecutor::ServiceLoop, this);
    if (queue_.size() > idle_workers_ && workers_.size() < max_parallel_) {
      workers_.emplace_back(&LocalExecutor::WorkerLoop, this);
    }
  } catch (const std::exception& e) {
    if (!service_.joinable() || workers_.empty()) {
      return Internal(std::string("cannot start an executor thread: ") + e.what());
    }
  }
  return Status::Ok();
}

void LocalExecutor::Cancel(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto queued = std::find_if(queue_.begin(), queue_.end(),
                             [&](const Queued& q) { return q.launch.id == id; });
  if (queued != queue_.end()) {
    // `done` goes to the service thread: the caller may hold a lock its `done` takes.
    cancelled_.push_back(std::move(*queued));
    queue_.erase(queued);
    service_cv_.notify_all();
    return;
  }
  auto running = running_.find(id);
  if (running != running_.end()) CancelLocked(*running->second);
}

void LocalExecutor::CancelLocked(Attempt& attempt) {
  if (attempt.cancelled || attempt.ending) return;
  attempt.cancelled = true;
  if (attempt.pid > 0) StopLocked(attempt);  // otherwise the worker does, once spawned
}

void LocalExecutor::StopLocked(Attempt& attempt) {
  // Safe: until `ending`, the worker has not reaped the process, so the
  // group id is still its own.
  ::kill(-attempt.pid, SIGTERM);
  attempt.kill_at = SteadyClock::now() + kGrace;
  service_cv_.notify_all();
}

void LocalExecutor::WorkerLoop() {
  for (;;) {
    std::optional<Queued> item;
    Attempt attempt;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_workers_;
      work_cv_.wait(lock, [this] { return !queue_.empty() || shutting_down_; });
      --idle_workers_;
      if (queue_.empty()) return;
      item.emplace(std::move(queue_.front()));
      queue_.pop_front();
      running_[item->launch.id] = &attempt;
    }
    StepExit exit = Run(item->launch, attempt);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_.erase(item->launch.id);
    }
    item->done(exit);
  }  // `item` (and what its `done` captured) is destroyed holding no lock
}

StepExit LocalExecutor::Run(const StepLaunch& launch, Attempt& attempt) {
  auto started = SteadyClock::now();
  StepExit exit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (attempt.cancelled) {
      exit.cancelled = true;
      exit.error = "cancelled before it started";
      return exit;
    }
  }
  auto spawned =
      Subprocess::Spawn({launch.argv, launch.env, launch.workdir, launch.log_path});
  if (!spawned.ok()) {
    AppendLine(launch.log_path, "ferry: cannot start: " + spawned.status().message());
    exit.exit_code = kCannotStartCode;
    exit.error = "cannot start: " + spawned.status().message();
    exit.duration_ms = MillisSince(started);
    return exit;
  }
  std::unique_ptr<Subprocess> process = std::move(spawned).value();
  {
    std::lock_guard<std::mutex> lock(mu_);
    attempt.pid = process->pid();
    if (attempt.cancelled) StopLocked(attempt);  // Cancel came while it was being spawned
  }
  auto timeout = std::chrono::milliseconds(std::min(launch.timeout_ms, kMaxTimeoutMs));
  std::optional<int> status = process->WaitUntil(started + timeout);
  {
    std::lock_guard<std::mutex> lock(mu_);
    attempt.ending = true;
    exit.cancelled = attempt.cancelled;
  }
  if (!status) {
    exit.timed_out =
        !exit.cancelled;  // cancelled, then ran past its timeout: still "cancelled"
    status = process->Terminate(kGrace);
  }
  process.reset();  // kills what the step left behind in its group, and reaps it
  exit.exit_code = ExitCode(*status);
  exit.error = ExitError(exit, *status, launch.timeout_ms);
  exit.duration_ms = MillisSince(started);
  return exit;
}

void LocalExecutor::ServiceLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!cancelled_.empty()) {
      std::vector<Queued> batch;
      batch.swap(cancelled_);
      lock.unlock();
      StepExit exit;
      exit.cancelled = true;
      exit.error = "cancelled before it started";
      for (Queued& queued : batch) queued.done(exit);
      batch.clear();  // destroys the callbacks holding no lock
      lock.lock();
      continue;
    }
    if (service_stop_) return;
    std::optional<SteadyClock::time_point> next = SendDueKillsLocked();
    if (next) {
      service_cv_.wait_until(lock, *next);
    } else {
      service_cv_.wait(lock);
    }
  }
}

std::optional<SteadyClock::time_point> LocalExecutor::SendDueKillsLocked() {
  std::optional<SteadyClock::time_point> next;
  auto now = SteadyClock::now();
  for (auto& [id, attempt] : running_) {
    if (!attempt->kill_at || attempt->ending) continue;
    if (*attempt->kill_at <= now) {
      ::kill(-attempt->pid, SIGKILL);
      attempt->kill_at.reset();
    } else if (!next || *attempt->kill_at < *next) {
      next = attempt->kill_at;
    }
  }
  return next;
}

}  // namespace ferry::pipelines
