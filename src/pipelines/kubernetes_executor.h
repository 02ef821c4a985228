// KubernetesExecutor: runs each step attempt as a Kubernetes Job
// (kubernetes_job.h), driving the cluster with `kubectl` through
// core/subprocess.h. No client library: kubectl brings authentication
// (kubeconfig, in-cluster service accounts, exec plugins) for free.
//
// Per attempt, one watcher thread:
//   1. `kubectl create -f FILE` of the manifest (a file in the scratch dir;
//      create, not apply: an existing Job of that name is an error);
//   2. `kubectl get job NAME -o json` every poll interval until a condition
//      Complete or Failed; Failed with reason DeadlineExceeded (the Job's
//      activeDeadlineSeconds, from the launch's timeout) reports timed_out;
//   3. on Failed, the step container's exit code from
//      `kubectl get pods -l job-name=NAME -o json` (terminated.exitCode);
//   4. `kubectl logs job/NAME --all-containers=true`, appended to the
//      launch's log_path; then `done`.
// Every call gets --namespace (when the options name one), --context and
// --kubeconfig (when given), and --request-timeout (except logs, which may be
// long). kubectl's stderr is kept apart from its stdout, so a warning never
// spoils the JSON, and it is quoted in errors.
//
// Exits: exit_code is the container's (0 after Complete). A Job that could
// not be created reports exit_code 127 and `error` (the log gets one line
// "ferry: cannot create the Kubernetes Job ..."). A Job that failed without
// a container exit code (evicted, never scheduled) reports exit_code 1 and
// the condition's reason and message in `error`. A Job that vanished (deleted
// by someone else, or its TTL) reports an error. When the Job has not ended
// by its deadline plus `deadline_slack` (say the API server stopped
// answering), the executor deletes it and reports timed_out itself.
//
// Cancel runs `kubectl delete job NAME --cascade=foreground --wait=false`
// (on the watcher thread) and `done` reports cancelled. The destructor
// cancels every attempt still running, and returns once every `done` has
// returned (a watcher in the middle of a kubectl call finishes that call
// first): Jobs do not outlive the executor that made them.
//
// Thread safety: Start and Cancel may be called from any thread, including
// from a `done` callback; neither waits for kubectl. `done` is called
// exactly once per accepted Start, on the attempt's watcher thread, holding
// no lock of the executor's.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pipelines/executor.h"
#include "pipelines/kubernetes_job.h"
#include "pipelines/pipeline_spec.h"

namespace ferry::pipelines {

struct KubernetesExecutorOptions {
  KubernetesOptions job;  // the Jobs; job.namespace_name is also kubectl's --namespace
  std::string kubectl = "kubectl";  // looked up in PATH unless it holds a '/'
  std::string context;              // --context; empty: the kubeconfig's current one
  std::string kubeconfig;           // --kubeconfig; empty: kubectl's default
  std::chrono::milliseconds poll_interval{2000};
  std::chrono::milliseconds request_timeout{30000};  // each call but logs
  std::chrono::milliseconds logs_timeout{600000};    // `kubectl logs`
  std::chrono::milliseconds deadline_slack{120000};  // past the timeout, before giving up
  // Overrides the step's resource hints (StepLaunch::resources, which the
  // runner fills from the spec). Null: the launch's. Called on the thread
  // calling Start.
  std::function<Resources(const StepLaunch&)> resources;
  // Where manifests and kubectl's output go; empty: the system's temp dir.
  std::string scratch_dir;
};

class KubernetesExecutor : public Executor {
 public:
  // InvalidArgument for bad Job options (CheckKubernetesOptions), an empty
  // kubectl or a non-positive interval or timeout; Internal when the scratch
  // folder cannot be made. Runs nothing yet: a kubectl that is missing or
  // cannot reach the cluster shows in the first attempt's exit.
  static Result<std::unique_ptr<KubernetesExecutor>> Create(
      KubernetesExecutorOptions options);
  ~KubernetesExecutor() override;
  KubernetesExecutor(const KubernetesExecutor&) = delete;
  KubernetesExecutor& operator=(const KubernetesExecutor&) = delete;

  // InvalidArgument for what JobManifest rejects or no `done`;
  // kAlreadyExists while an attempt with this id runs; kFailedPrecondition
  // once the executor is being destroyed; kInternal when no thread could be
  // made. A Job that cannot be created is not an error here: `done` says so.
  Status Start(const StepLaunch& launch,
               std::function<void(const StepExit&)> done) override;

  // Marks the attempt cancelled and wakes its watcher, which deletes the Job.
  // No-op for an unknown id, or an attempt already cancelled or ending.
  void Cancel(const std::string& id) override;

 private:
  struct Attempt;

  KubernetesExecutor(KubernetesExecutorOptions options, std::string scratch);
  void Watch(Attempt& attempt);  // the attempt's thread: Follow, then `done`
  StepExit Follow(Attempt& attempt);
  StepExit CreateJob(Attempt& attempt);  // error set when not created
  StepExit Poll(Attempt& attempt);       // until the Job ends, is cancelled, or vanishes
  StepExit Ended(Attempt& attempt, const JobState& state);
  StepExit Stop(Attempt& attempt, bool timed_out);  // deletes the Job
  void AppendLogs(const Attempt& attempt);
  bool Wait(Attempt& attempt);  // one poll interval; true when cancelled
  // Runs kubectl with `args`; its stdout, or an error quoting its stderr
  // (NotFound when the API server said so).
  Result<std::string> Kubectl(const std::vector<std::string>& args,
                              bool with_request_timeout = true,
                              const std::string& out_path = "");
  std::vector<std::string> BaseArgs(bool with_request_timeout) const;
  std::string ScratchFile(const std::string& what);

  const KubernetesExecutorOptions options_;
  const std::string scratch_;  // made by Create, removed by ~
  std::atomic<uint64_t> next_file_{0};

  std::mutex mu_;
  std::condition_variable cv_;  // watchers: cancelled; ~: attempts_ emptied
  // Guarded by mu_: each attempt until its `done` has returned, by serial.
  std::map<uint64_t, std::unique_ptr<Attempt>> attempts_;
  uint64_t next_attempt_ = 0;  // guarded by mu_
  // Guarded by mu_: watchers that returned or are returning, joined by the
  // next Start or by ~.
  std::vector<std::thread> finished_;
  bool shutting_down_ = false;  // guarded by mu_
};

}  // namespace ferry::pipelines
