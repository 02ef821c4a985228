#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>

extern char** environ;

namespace ferry {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::atomic<bool> pidfd_disabled{false};

// Reported when the child was reaped by someone else: its real status is lost.
constexpr int kLostStatus = 255 << 8;

std::string Errno(int err) { return std::strerror(err); }

bool HasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
 public:
  SpawnAttributes() { posix_spawnattr_init(&attr_); }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

Status CheckArguments(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return InvalidArgument("argv is empty: there is no program to run");
  }
  for (const std::string& arg : options.argv) {
    if (HasNul(arg)) {
      return InvalidArgument("an argument of '" + options.argv[0] + "' has a NUL");
    }
  }
  for (const auto& [name, value] : options.env) {
    if (name.empty() || name.find('=') != std::string::npos || HasNul(name) ||
        HasNul(value)) {
      return InvalidArgument("environment variable name '" + name + "' is not valid");
    }
  }
  if (HasNul(options.cwd) || HasNul(options.output_path)) {
    return InvalidArgument("cwd and output_path must not contain NUL");
  }
  return Status::Ok();
}

Status CheckCwd(const std::string& cwd) {
  if (cwd.empty()) return Status::Ok();
  struct stat st;
  if (::stat(cwd.c_str(), &st) != 0) {
    return InvalidArgument("working directory '" + cwd + "': " + Errno(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return InvalidArgument("working directory '" + cwd + "' is not a directory");
  }
  if (::access(cwd.c_str(), X_OK) != 0) {
    return InvalidArgument("working directory '" + cwd + "': " + Errno(errno));
  }
  return Status::Ok();
}

// posix_spawnp searches the parent's PATH; when the child gets a PATH of its
// own, search that one here and hand posix_spawnp a path (which it then
// executes without searching).
Result<std::string> ProgramPath(const SpawnOptions& options) {
  const std::string& name = options.argv[0];
  auto path = options.env.find("PATH");
  if (path == options.env.end() || name.find('/') != std::string::npos) return name;
  size_t begin = 0;
  for (;;) {
    size_t end = std::min(path->second.find(':', begin), path->second.size());
    std::string dir = path->second.substr(begin, end - begin);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (end == path->second.size()) break;
    begin = end + 1;
  }
  return NotFound("cannot run '" + name + "': not found in PATH '" + path->second + "'");
}

// The output file, opened here so that its errors can be told apart from the
// program's. -1 for /dev/null. Never 0, 1 or 2: dup2 onto itself would be a
// no-op that the later opens could clobber.
Result<Fd> OpenOutput(const std::string& path) {
  if (path.empty()) return Fd(-1);
  int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) {
    return InvalidArgument("cannot open the output file '" + path + "': " + Errno(errno));
  }
  if (fd > 2) return Fd(fd);
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int err = errno;
  ::close(fd);
  if (moved < 0) {
    return Internal("cannot move the output file's descriptor: " + Errno(err));
  }
  return Fd(moved);
}

// "NAME=value" for the parent's environment with `overrides` applied.
std::vector<std::string> ChildEnvironment(
    const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    if (overrides.count(name) == 0) env.push_back(std::move(entry));
  }
  for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int SetUpFiles(FileActions& actions, const SpawnOptions& options, int output_fd) {
  posix_spawn_file_actions_t* a = actions.get();
  if (!options.cwd.empty()) {
    if (int rc = posix_spawn_file_actions_addchdir_np(a, options.cwd.c_str())) return rc;
  }
  if (int rc = posix_spawn_file_actions_addopen(a, 0, "/dev/null", O_RDONLY, 0)) {
    return rc;
  }
  int rc = output_fd >= 0
               ? posix_spawn_file_actions_adddup2(a, output_fd, 1)
               : posix_spawn_file_actions_addopen(a, 1, "/dev/null", O_WRONLY, 0);
  if (rc != 0) return rc;
  if (int rc2 = posix_spawn_file_actions_adddup2(a, 1, 2)) return rc2;
  // Nothing else: a step holding a copy of a server socket or of another
  // step's log would keep them open after we closed them.
  return posix_spawn_file_actions_addclosefrom_np(a, 3);
}

// Own process group; signals as a fresh process has them, whatever the
// spawning thread blocks or the server ignores (SIGPIPE, typically).
int SetUpAttributes(SpawnAttributes& attributes) {
  posix_spawnattr_t* a = attributes.get();
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (int rc = posix_spawnattr_setflags(a, flags)) return rc;
  if (int rc = posix_spawnattr_setpgroup(a, 0)) return rc;
  if (int rc = posix_spawnattr_setsigmask(a, &none)) return rc;
  return posix_spawnattr_setsigdefault(a, &all);
}

Status SpawnError(int err, const SpawnOptions& options) {
  // The child's chdir fails with the same errors as a missing program: the
  // directory was checked before, but may have gone since.
  Status cwd = CheckCwd(options.cwd);
  if (!cwd.ok()) return cwd;
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case EACCES:
    case ENOEXEC:
    case ELOOP:
    case ENAMETOOLONG:
      return NotFound("cannot run '" + options.argv[0] + "': " + Errno(err));
    default:
      return Internal("cannot start '" + options.argv[0] + "': " + Errno(err));
  }
}

int OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  if (!pidfd_disabled.load()) return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
#endif
  return -1;
}

// A wait status (as waitpid reports it) from waitid's siginfo.
int WaitStatusOf(const siginfo_t& info) {
  switch (info.si_code) {
    case CLD_EXITED:
      return (info.si_status & 0xff) << 8;
    case CLD_KILLED:
      return info.si_status & 0x7f;
    case CLD_DUMPED:
      return (info.si_status & 0x7f) | 0x80;
    default:
      return kLostStatus;
  }
}

// Milliseconds to `deadline`, rounded up so that a sub-millisecond rest does
// not turn into a busy loop of zero-timeout polls.
int RemainingMs(SteadyClock::time_point deadline) {
  auto now = SteadyClock::now();
  if (deadline <= now) return 0;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
  return static_cast<int>(std::min<int64_t>(left, INT_MAX));
}

}  // namespace

namespace subprocess_internal {
void DisablePidfdForTesting(bool disabled) { pidfd_disabled.store(disabled); }
}  // namespace subprocess_internal

Result<std::unique_ptr<Subprocess>> Subprocess::Spawn(const SpawnOptions& options) {
  RETURN_IF_ERROR(CheckArguments(options));
  RETURN_IF_ERROR(CheckCwd(options.cwd));
  ASSIGN_OR_RETURN(std::string program, ProgramPath(options));
  ASSIGN_OR_RETURN(Fd output, OpenOutput(options.output_path));
  FileActions actions;
  SpawnAttributes attributes;
  int rc = SetUpFiles(actions, options, output.get());
  if (rc == 0) rc = SetUpAttributes(attributes);
  if (rc != 0) {
    return Internal("cannot prepare to start '" + options.argv[0] + "': " + Errno(rc));
  }
  std::vector<std::string> args = options.argv;
  std::vector<std::string> env = ChildEnvironment(options.env);
  pid_t pid = 0;
  rc = posix_spawnp(&pid, program.c_str(), actions.get(), attributes.get(),
                    CStrings(args).data(), CStrings(env).data());
  if (rc != 0) return SpawnError(rc, options);
  return std::unique_ptr<Subprocess>(new Subprocess(pid, OpenPidfd(pid)));
}

Subprocess::~Subprocess() {
  if (!reaped_) {
    SignalGroup(SIGKILL);
    Reap();
  }
  if (pidfd_ >= 0) ::close(pidfd_);
}

std::optional<int> Subprocess::Peek() {
  if (status_) return status_;
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  for (;;) {
    int flags = WEXITED | WNOHANG | WNOWAIT;
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, flags) == 0) break;
    if (errno == EINTR) continue;
    // ECHILD: reaped by someone else. Its pid may already be another's.
    status_ = kLostStatus;
    reaped_ = true;
    return status_;
  }
  if (info.si_pid == pid_) status_ = WaitStatusOf(info);
  return status_;
}

std::optional<int> Subprocess::WaitUntil(SteadyClock::time_point deadline) {
  return pidfd_ >= 0 ? WaitOnPidfd(deadline) : WaitBySleeping(deadline);
}

std::optional<int> Subprocess::WaitOnPidfd(SteadyClock::time_point deadline) {
  for (;;) {
    if (auto status = Peek()) return status;
    int timeout_ms = RemainingMs(deadline);
    pollfd p{pidfd_, POLLIN, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n == 0 && timeout_ms == 0) return Peek();
    if (n < 0 && errno != EINTR) return WaitBySleeping(deadline);  // should not happen
  }
}

std::optional<int> Subprocess::WaitBySleeping(SteadyClock::time_point deadline) {
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (auto status = Peek()) return status;
    auto now = SteadyClock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

int Subprocess::Terminate(std::chrono::milliseconds grace) {
  if (!reaped_) {
    if (!Peek()) {
      SignalGroup(SIGTERM);
      WaitUntil(SteadyClock::now() + grace);
    }
    SignalGroup(SIGKILL);
    Reap();
  }
  return *status_;
}

void Subprocess::SignalGroup(int signal) {
  // Safe only while our child is unreaped: it holds the group id.
  if (!reaped_) ::kill(-pid_, signal);
}

void Subprocess::Reap() {
  int status = 0;
  for (;;) {
    if (::waitpid(pid_, &status, 0) == pid_) {
      status_ = status;
      break;
    }
    if (errno == EINTR) continue;
    if (!status_) status_ = kLostStatus;  // ECHILD: reaped by someone else
    break;
  }
  reaped_ = true;
}

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    int signal = WTERMSIG(wait_status);
    const char* name = sigdescr_np(signal);  // thread-safe, unlike strsignal
    std::string text = "killed by signal " + std::to_string(signal);
    if (name != nullptr) text += std::string(" (") + name + ")";
    if (WCOREDUMP(wait_status)) text += ", core dumped";
    return text;
  }
  return "ended with wait status " + std::to_string(wait_status);
}

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace ferry
