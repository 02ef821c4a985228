// LocalExecutor: runs each step attempt as a process on this machine
// (core/subprocess.h: its own process group, stdin /dev/null, stdout and
// stderr appended to the launch's log_path, nothing else inherited).
//
// At most `max_parallel` attempts run at once; later Starts queue, first in
// first out. Each running attempt is watched by a worker thread (at most
// max_parallel of them, made as needed) that blocks until the process exits
// or its timeout passes; on timeout the group gets SIGTERM, then SIGKILL
// after a grace of 2 s, and the exit reports timed_out. A service thread sends
// the SIGKILL of cancelled attempts after the same grace and calls `done` for
// queued attempts that were cancelled.
//
// Exits: exit_code is the process's (128 + signal when killed by one);
// `error` says why when the attempt did not start (exit_code 127, and the
// log gets one line "ferry: cannot start: <reason>"), timed out, was
// cancelled or was killed by a signal. The log otherwise holds exactly the
// process's output. Processes the step left in its group are killed when
// the step's process exits, before `done`.
//
// Thread safety: Start and Cancel may be called from any thread, including
// from a `done` callback. `done` is called exactly once per accepted Start,
// on an executor thread, holding no lock of the executor's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pipelines/executor.h"

namespace ferry::pipelines {

class LocalExecutor : public Executor {
 public:
  // Values below 1 mean 1.
  explicit LocalExecutor(int max_parallel);
  // Cancels the queued and the running attempts and returns once every
  // `done` has returned. Starts made meanwhile (from a `done`) are refused.
  ~LocalExecutor() override;
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  // kInvalidArgument for an empty id or argv, a non-positive timeout or no
  // `done`; kAlreadyExists while an attempt with this id is queued or
  // running; kFailedPrecondition once the executor is being destroyed;
  // kInternal when no thread could be made. A program that cannot start is
  // not an error here: its `done` reports it.
  Status Start(const StepLaunch& launch,
               std::function<void(const StepExit&)> done) override;

  // Queued: removed, and its `done` reports cancelled (exit_code 0,
  // duration 0). Running: SIGTERM to its group, SIGKILL 2 s later if still
  // running; `done` reports cancelled with the exit code. No-op for an
  // unknown id, an attempt already cancelled, or one that is already ending
  // (exited or timed out).
  void Cancel(const std::string& id) override;

  static constexpr std::chrono::milliseconds kGrace{2000};

 private:
  struct Queued {
    StepLaunch launch;
    std::function<void(const StepExit&)> done;
  };
  struct Attempt;  // one running attempt; lives on its worker's stack

  Status StartThreadsLocked();
  void WorkerLoop();
  StepExit Run(const StepLaunch& launch, Attempt& attempt);
  void ServiceLoop();
  // SIGKILLs the cancelled attempts whose grace has run out; when the next is due.
  std::optional<std::chrono::steady_clock::time_point> SendDueKillsLocked();
  void CancelLocked(Attempt& attempt);
  void StopLocked(Attempt& attempt);  // SIGTERM now, SIGKILL after kGrace

  const size_t max_parallel_;
  std::mutex mu_;
  std::condition_variable work_cv_;     // workers: queue_ not empty, or shutting_down_
  std::condition_variable service_cv_;  // service: cancelled_, a kill due sooner, or stop
  std::deque<Queued> queue_;            // guarded by mu_
  std::map<std::string, Attempt*>
      running_;                    // guarded by mu_; taken from the queue, not yet done
  std::vector<Queued> cancelled_;  // guarded by mu_; done(cancelled) not yet called
  size_t idle_workers_ = 0;        // guarded by mu_
  bool shutting_down_ = false;     // guarded by mu_
  bool service_stop_ = false;      // guarded by mu_
  std::vector<std::thread> workers_;  // grows under mu_ until shutting_down_; joined by ~
  std::thread service_;               // made under mu_ by the first Start; joined by ~
};

}  // namespace ferry::pipelines
