// Subprocess: one child process in a process group of its own, so that
// stopping it stops everything it started (a shell's children, a training
// script's data loaders).
//
// The child gets stdin from /dev/null, stdout and stderr appended to one file
// (or /dev/null), and no other file descriptor of ours. Its exit is observed
// without reaping it: the child stays a zombie, holding its pid and so its
// group id, until Terminate or the destructor reaps it. That is what makes
// signalling the group safe: the id cannot be recycled by an unrelated
// process group while we may still send to it.
//
// Requires SIGCHLD not to be ignored (SIG_IGN reaps children behind our back;
// such a child reads as "exited with code 255"), and nobody else to wait for
// our children (no waitpid(-1, ...) elsewhere in the process).
//
// Thread-compatible: one owner calls its methods; different Subprocess
// objects may be used from different threads at once.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry {

struct SpawnOptions {
  // argv[0] is looked up in PATH: the parent's, or the one in `env` when that
  // sets PATH. A name with a '/' is used as is (relative to `cwd` if set).
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to / overriding the parent's environ
  std::string cwd;                         // empty: the parent's
  std::string output_path;  // stdout+stderr appended (created 0644); empty: /dev/null
};

class Subprocess {
 public:
  // Starts the child. Errors: kInvalidArgument for an empty argv, a malformed
  // env name, a missing or inaccessible cwd, or an output file that cannot be
  // opened (each named); kNotFound when argv[0] is not found or cannot be
  // executed; kInternal otherwise.
  static Result<std::unique_ptr<Subprocess>> Spawn(const SpawnOptions& options);

  // SIGKILLs whatever is left of the group (the child if it still runs, and
  // any process it left behind) and reaps the child: never leaves a zombie.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Waits until the child exits or `deadline` passes: its wait status, or
  // nullopt on timeout. Blocks in poll(2) on a pidfd; where pidfd_open is
  // unavailable, checks with short sleeps. Once known, the status is kept.
  std::optional<int> WaitUntil(std::chrono::steady_clock::time_point deadline);

  // SIGTERM to the group, waits up to `grace` for the child to exit, then
  // SIGKILL to the group (the child if it has not exited, and what remains of
  // the group either way) and reaps the child. Returns its wait status. After
  // an earlier Terminate, returns the same status.
  int Terminate(std::chrono::milliseconds grace);

  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  std::optional<int> Peek();  // the status if the child has exited, without reaping it
  std::optional<int> WaitOnPidfd(std::chrono::steady_clock::time_point deadline);
  std::optional<int> WaitBySleeping(std::chrono::steady_clock::time_point deadline);
  void SignalGroup(int signal);
  void Reap();

  const pid_t pid_;
  const int pidfd_;  // -1 where pidfd_open is unavailable
  std::optional<int> status_;
  bool reaped_ = false;  // once true, the pid (and group id) may belong to someone else
};

// "exited with code 3", "killed by signal 9 (Killed)".
std::string DescribeExit(int wait_status);
// WEXITSTATUS, or 128 + the signal's number when killed by one.
int ExitCode(int wait_status);

namespace subprocess_internal {
// Tests only: makes Spawn act as if pidfd_open were unavailable (ENOSYS), to
// exercise the sleeping fallback. Affects processes spawned afterwards.
void DisablePidfdForTesting(bool disabled);
}  // namespace subprocess_internal

}  // namespace ferry
