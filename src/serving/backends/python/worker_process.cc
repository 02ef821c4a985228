#include "serving/backends/python/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace ferry::serving::worker {
namespace {

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

Status WaitFor(int fd, short events, SteadyClock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, RemainingMs(deadline));
    if (n > 0) return Status::Ok();
    if (n == 0) return Unavailable("timed out");
    if (errno != EINTR) return Unavailable(std::string("poll: ") + std::strerror(errno));
  }
}

}  // namespace

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::Spawn(const std::string& python) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Internal(std::string("socketpair: ") + std::strerror(errno));
  }
  if (fds[1] == 3) {  // dup2(3, 3) would keep close-on-exec: move it first
    int moved = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
    ::close(fds[1]);
    fds[1] = moved;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 onto 3 clears close-on-exec there; the parent's end stays closed.
  posix_spawn_file_actions_adddup2(&actions, fds[1], 3);
  // Nothing else is inherited: Asio opens sockets without close-on-exec, and
  // a worker holding a copy of a client connection would keep it open after
  // the server closed it (no FIN: the client's next request on it hangs).
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
  std::vector<std::string> args = {python, "-m", "ferry.worker", "--fd", "3"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return FailedPrecondition("cannot start the Python worker '" + python + "': " +
                              std::strerror(rc));
  }
  return std::unique_ptr<WorkerProcess>(new WorkerProcess(pid, fds[0]));
}

WorkerProcess::~WorkerProcess() {
  Kill();
  if (fd_ >= 0) ::close(fd_);
}

// Records how the worker ended, from its wait status.
void WorkerProcess::Reaped(int status) {
  if (WIFEXITED(status)) {
    exit_ = "exited with code " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    exit_ = "killed by signal " + std::to_string(WTERMSIG(status));
  }
  pid_ = -1;
}

void WorkerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  Reaped(status);
}

Status WorkerProcess::Fail(const std::string& what) {
  // Give a worker that is exiting on its own a moment, so its exit code
  // (rather than our SIGKILL) is what gets reported.
  for (int i = 0; i < 20 && pid_ > 0; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      Reaped(status);
      break;
    }
    ::usleep(5000);
  }
  Kill();
  return Unavailable("the Python worker " + what + " (" + exit_ + ")");
}

Status WorkerProcess::SendAll(std::string_view data, SteadyClock::time_point deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return Unavailable("closed its socket");
  }
  return Status::Ok();
}

Status WorkerProcess::ReadAll(char* out, size_t size, SteadyClock::time_point deadline) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::recv(fd_, out + got, size - got, MSG_DONTWAIT);
    if (n > 0) {
      got += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return Unavailable("closed its socket");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      RETURN_IF_ERROR(WaitFor(fd_, POLLIN, deadline));
      continue;
    }
    if (errno == EINTR) continue;
    return Unavailable(std::string("recv: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Result<std::pair<Kind, std::string>> WorkerProcess::Call(Kind kind, std::string_view body,
                                                         std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return Unavailable("the Python worker is not running (" + exit_ + ")");
  auto deadline = SteadyClock::now() + timeout;
  std::string header = FrameHeader(kind, body.size());
  Status st = SendAll(header, deadline);
  if (st.ok()) st = SendAll(body, deadline);
  if (!st.ok()) return Fail(st.message() == "timed out" ? "did not take the request in time" : "died");
  char head[5];
  st = ReadAll(head, sizeof(head), deadline);
  if (!st.ok()) {
    return Fail(st.message() == "timed out"
                    ? "did not answer within " + std::to_string(timeout.count()) + " ms"
                    : "died");
  }
  uint32_t length;
  std::memcpy(&length, head, 4);
  auto reply_kind = static_cast<Kind>(head[4]);
  if (length > kMaxBody || (reply_kind != Kind::kOk && reply_kind != Kind::kError)) {
    return Fail("answered a malformed frame");
  }
  std::string reply(length, '\0');
  st = ReadAll(reply.data(), length, deadline);
  if (!st.ok()) return Fail("died mid-answer");
  return std::make_pair(reply_kind, std::move(reply));
}

}  // namespace ferry::serving::worker
