// Executor: where a pipeline step's command runs. The runner (runner.h)
// decides what runs when; an executor only starts one attempt of one step
// and reports how it ended. Implementations: LocalExecutor (a process on
// this machine, local_executor.h); a Kubernetes executor (a Job per step)
// comes later behind the same interface.
//
// Thread safety: Start and Cancel may be called from any thread; `done` is
// called exactly once per started attempt, on an executor thread (never
// from inside Start or Cancel), after the process (or Job) has ended and
// its log is complete.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "pipelines/pipeline_spec.h"

namespace ferry::pipelines {

struct StepLaunch {
  std::string id;                          // unique per attempt, e.g. "<run>/<step>/<attempt>"
  std::vector<std::string> argv;           // argv[0] is looked up in PATH
  std::map<std::string, std::string> env;  // added to (and overriding) the server's environment
  std::string workdir;                     // the command's working directory
  std::string log_path;                    // stdout and stderr, appended
  int64_t timeout_ms = 3600 * 1000;
  Resources resources;  // the step's hints (Kubernetes requests and limits); 0: none
};

struct StepExit {
  int exit_code = 0;  // the process's code; 128 + signal when killed by one
  bool timed_out = false;
  bool cancelled = false;
  std::string error;  // why it did not start or end normally; empty after a normal exit
  int64_t duration_ms = 0;

  bool ok() const { return exit_code == 0 && !timed_out && !cancelled && error.empty(); }
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Starts one attempt. An error means it did not start (`done` is not called).
  virtual Status Start(const StepLaunch& launch, std::function<void(const StepExit&)> done) = 0;
  // Stops the attempt with this id if it is running (its `done` reports cancelled).
  virtual void Cancel(const std::string& id) = 0;
};

}  // namespace ferry::pipelines
