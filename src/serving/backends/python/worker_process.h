// WorkerProcess: one Python model worker (`python3 -m ferry.worker --fd 3`)
// spawned with one end of a Unix socket pair as fd 3. Call sends a frame
// and waits for the reply until a deadline; any I/O failure or timeout
// kills the worker (it is then dead for good: make a new one). The worker
// also exits by itself when the socket closes (the server went away).
// Thread-compatible: one caller at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "core/status.h"
#include "serving/backends/python/worker_protocol.h"

namespace ferry::serving::worker {

class WorkerProcess {
 public:
  // `python` is the interpreter; ferry's SDK (ferry.worker) must be importable.
  static Result<std::unique_ptr<WorkerProcess>> Spawn(const std::string& python);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // kUnavailable when the worker died, timed out or answered garbage (it
  // is killed); otherwise the reply's kind and body.
  Result<std::pair<Kind, std::string>> Call(Kind kind, std::string_view body,
                                            std::chrono::milliseconds timeout);
  bool alive() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // "exited with code 3", "killed by signal 9", … after the worker died.
  const std::string& exit_description() const { return exit_; }

 private:
  WorkerProcess(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  Status SendAll(std::string_view data, std::chrono::steady_clock::time_point deadline);
  Status ReadAll(char* out, size_t n, std::chrono::steady_clock::time_point deadline);
  Status Fail(const std::string& what);
  void Kill();  // SIGKILL and wait (no-op once reaped)
  void Reaped(int wait_status);

  pid_t pid_;
  int fd_;
  std::string exit_;
};

}  // namespace ferry::serving::worker
