#include "core/subprocess.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace ferry {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Long enough that only a bug makes a wait run out.
SteadyClock::time_point Soon() { return SteadyClock::now() + 30s; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// Waits for a line (text ending in '\n') in `path`; empty if none came.
std::string WaitForLine(const fs::path& path) {
  for (auto deadline = Soon(); SteadyClock::now() < deadline;) {
    std::string text = ReadFile(path);
    if (!text.empty() && text.back() == '\n') return text;
    std::this_thread::sleep_for(10ms);
  }
  return "";
}

// Gone, or dead and waiting for init to reap it (which some containers' init never does).
bool ProcessGone(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X');
}

bool WaitUntilGone(pid_t pid) {
  for (auto deadline = Soon(); SteadyClock::now() < deadline;) {
    if (ProcessGone(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// Every test runs twice: waiting on a pidfd, and by the sleeping fallback.
class SubprocessTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    subprocess_internal::DisablePidfdForTesting(GetParam());
    char name[] = "/tmp/ferry_subprocess_test_XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override {
    subprocess_internal::DisablePidfdForTesting(false);
    for (pid_t pid : strays_) ::kill(pid, SIGKILL);
    fs::remove_all(dir_);
  }

  std::unique_ptr<Subprocess> Spawn(SpawnOptions options) {
    auto spawned = Subprocess::Spawn(options);
    EXPECT_TRUE(spawned.ok()) << spawned.status().ToString();
    return spawned.ok() ? std::move(spawned).value() : nullptr;
  }

  // Runs to the end with output to `out`; the wait status, -1 on failure.
  int Run(std::vector<std::string> argv, const std::string& out = "") {
    auto process = Spawn({std::move(argv), {}, dir_.string(), out});
    if (process == nullptr) return -1;
    std::optional<int> status = process->WaitUntil(Soon());
    EXPECT_TRUE(status.has_value());
    return status.value_or(-1);
  }

  pid_t ReadPid(const std::string& file) {
    std::string line = WaitForLine(dir_ / file);
    pid_t pid = line.empty() ? 0 : std::stoi(line);
    if (pid > 0) strays_.push_back(pid);
    return pid;
  }

  fs::path dir_;
  std::vector<pid_t> strays_;  // killed in TearDown should a test fail to
};

TEST_P(SubprocessTest, ReportsExitCodes) {
  int status = Run({"sh", "-c", "exit 3"});
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(ExitCode(status), 3);
  EXPECT_EQ(DescribeExit(status), "exited with code 3");
  EXPECT_EQ(ExitCode(Run({"true"})), 0);
  EXPECT_EQ(ExitCode(Run({"false"})), 1);
}

TEST_P(SubprocessTest, ReportsDeathBySignal) {
  int status = Run({"sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(ExitCode(status), 137);
  EXPECT_EQ(DescribeExit(status), "killed by signal 9 (Killed)");
}

TEST_P(SubprocessTest, EnvOverridesAndInheritsTheParents) {
  ASSERT_EQ(::setenv("FERRY_TEST_INHERITED", "from-parent", 1), 0);
  ASSERT_EQ(::setenv("FERRY_TEST_OVERRIDDEN", "from-parent", 1), 0);
  fs::path out = dir_ / "out";
  auto process =
      Spawn({{"sh", "-c",
              "echo \"$FERRY_TEST_INHERITED|$FERRY_TEST_OVERRIDDEN|$FERRY_TEST_NEW\""},
             {{"FERRY_TEST_OVERRIDDEN", "from-options"}, {"FERRY_TEST_NEW", "new"}},
             "",
             out});
  ASSERT_NE(process, nullptr);
  EXPECT_EQ(process->WaitUntil(Soon()), 0);
  ::unsetenv("FERRY_TEST_INHERITED");
  ::unsetenv("FERRY_TEST_OVERRIDDEN");
  EXPECT_EQ(ReadFile(out), "from-parent|from-options|new\n");
}

TEST_P(SubprocessTest, LooksUpTheProgramInAPathFromEnv) {
  fs::create_directory(dir_ / "bin");
  WriteFile(dir_ / "bin" / "ferry-test-hello", "#!/bin/sh\necho hello\n");
  fs::permissions(dir_ / "bin" / "ferry-test-hello", fs::perms::owner_all);
  fs::path out = dir_ / "out";
  std::string path = (dir_ / "bin").string() + ":/usr/bin:/bin";
  auto process = Spawn({{"ferry-test-hello"}, {{"PATH", path}}, "", out});
  ASSERT_NE(process, nullptr);
  EXPECT_EQ(process->WaitUntil(Soon()), 0);
  EXPECT_EQ(ReadFile(out), "hello\n");

  auto without = Subprocess::Spawn({{"ferry-test-hello"}, {}, "", ""});
  EXPECT_EQ(without.status().code(), StatusCode::kNotFound);
}

TEST_P(SubprocessTest, RunsInCwd) {
  fs::create_directory(dir_ / "work");
  fs::path out = dir_ / "out";
  auto process = Spawn({{"pwd"}, {}, (dir_ / "work").string(), out});
  ASSERT_NE(process, nullptr);
  EXPECT_EQ(process->WaitUntil(Soon()), 0);
  EXPECT_EQ(ReadFile(out), fs::canonical(dir_ / "work").string() + "\n");
}

TEST_P(SubprocessTest, AppendsStdoutAndStderrToTheOutput) {
  fs::path out = dir_ / "out";
  WriteFile(out, "zero\n");
  EXPECT_EQ(Run({"sh", "-c", "echo one; echo two >&2"}, out), 0);
  EXPECT_EQ(Run({"echo", "three"}, out), 0);
  EXPECT_EQ(ReadFile(out), "zero\none\ntwo\nthree\n");
}

TEST_P(SubprocessTest, MissingProgramIsNotFound) {
  auto spawned = Subprocess::Spawn({{"ferry-no-such-program"}, {}, "", ""});
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.status().code(), StatusCode::kNotFound);
  EXPECT_NE(spawned.status().message().find("ferry-no-such-program"), std::string::npos);

  auto by_path = Subprocess::Spawn({{(dir_ / "nothing").string()}, {}, "", ""});
  EXPECT_EQ(by_path.status().code(), StatusCode::kNotFound);
}

TEST_P(SubprocessTest, FileWithoutExecutePermissionIsNotFound) {
  WriteFile(dir_ / "script", "#!/bin/sh\necho hi\n");
  fs::permissions(dir_ / "script", fs::perms::owner_read | fs::perms::owner_write);
  auto spawned = Subprocess::Spawn({{(dir_ / "script").string()}, {}, "", ""});
  EXPECT_EQ(spawned.status().code(), StatusCode::kNotFound);
}

TEST_P(SubprocessTest, MissingCwdIsInvalidAndNamed) {
  std::string cwd = (dir_ / "no-such-dir").string();
  auto spawned = Subprocess::Spawn({{"true"}, {}, cwd, ""});
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(spawned.status().message().find(cwd), std::string::npos);
}

TEST_P(SubprocessTest, UnwritableOutputIsInvalidAndNamed) {
  std::string out = (dir_ / "no-such-dir" / "log").string();
  auto spawned = Subprocess::Spawn({{"true"}, {}, "", out});
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(spawned.status().message().find(out), std::string::npos);
}

TEST_P(SubprocessTest, EmptyArgvOrBadEnvNameIsInvalid) {
  EXPECT_EQ(Subprocess::Spawn({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Subprocess::Spawn({{""}, {}, "", ""}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Subprocess::Spawn({{"true"}, {{"A=B", "x"}}, "", ""}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(SubprocessTest, WaitUntilTimesOutThenReportsTheExit) {
  auto process = Spawn({{"sh", "-c", "while [ ! -e go ]; do sleep 0.01; done; exit 5"},
                        {},
                        dir_.string(),
                        ""});
  ASSERT_NE(process, nullptr);
  EXPECT_EQ(process->WaitUntil(SteadyClock::now() + 50ms), std::nullopt);
  EXPECT_EQ(process->WaitUntil(SteadyClock::time_point::min()), std::nullopt);
  WriteFile(dir_ / "go", "");
  std::optional<int> status = process->WaitUntil(SteadyClock::time_point::max());
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(ExitCode(*status), 5);
  EXPECT_EQ(process->WaitUntil(SteadyClock::now()), status);  // kept
}

TEST_P(SubprocessTest, TerminateKillsTheWholeGroup) {
  auto process = Spawn(
      {{"sh", "-c", "sleep 100 & echo $! > grandchild; wait"}, {}, dir_.string(), ""});
  ASSERT_NE(process, nullptr);
  pid_t grandchild = ReadPid("grandchild");
  ASSERT_GT(grandchild, 0);
  ASSERT_FALSE(ProcessGone(grandchild));
  int status = process->Terminate(10s);
  ASSERT_TRUE(WIFSIGNALED(status)) << DescribeExit(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_TRUE(WaitUntilGone(grandchild));
  EXPECT_EQ(process->Terminate(10s), status);  // kept
}

TEST_P(SubprocessTest, TerminateEscalatesToSigkill) {
  auto process = Spawn(
      {{"sh", "-c", "trap '' TERM; echo ready > ready; while :; do sleep 0.05; done"},
       {},
       dir_.string(),
       ""});
  ASSERT_NE(process, nullptr);
  ASSERT_EQ(WaitForLine(dir_ / "ready"), "ready\n");
  int status = process->Terminate(100ms);
  ASSERT_TRUE(WIFSIGNALED(status)) << DescribeExit(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST_P(SubprocessTest, TerminateAfterExitReportsTheExit) {
  auto process = Spawn({{"sh", "-c", "exit 4"}, {}, "", ""});
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(process->WaitUntil(Soon()).has_value());
  EXPECT_EQ(ExitCode(process->Terminate(10s)), 4);
}

TEST_P(SubprocessTest, DestructorKillsAndReapsARunningChild) {
  auto process = Spawn({{"sleep", "100"}, {}, "", ""});
  ASSERT_NE(process, nullptr);
  pid_t pid = process->pid();
  strays_.push_back(pid);
  process.reset();
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_TRUE(ProcessGone(pid));
}

TEST_P(SubprocessTest, DestructorReapsAnExitedChild) {
  auto process = Spawn({{"true"}, {}, "", ""});
  ASSERT_NE(process, nullptr);
  pid_t pid = process->pid();
  ASSERT_EQ(process->WaitUntil(Soon()), 0);
  process.reset();
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST_P(SubprocessTest, DestructorKillsWhatAnExitedChildLeftInItsGroup) {
  auto process =
      Spawn({{"sh", "-c", "sleep 100 & echo $! > grandchild"}, {}, dir_.string(), ""});
  ASSERT_NE(process, nullptr);
  ASSERT_EQ(process->WaitUntil(Soon()), 0);
  pid_t grandchild = ReadPid("grandchild");
  ASSERT_GT(grandchild, 0);
  ASSERT_FALSE(ProcessGone(grandchild));
  process.reset();
  EXPECT_TRUE(WaitUntilGone(grandchild));
}

TEST_P(SubprocessTest, InheritsOnlyStdio) {
  // A descriptor without close-on-exec, as libraries leave them.
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, 100), 100);
  ::close(fd);
  fs::path out = dir_ / "out";
  int status = Run({"ls", "/proc/self/fd"}, out);
  ::close(100);
  EXPECT_EQ(status, 0);
  std::set<std::string> fds;
  std::istringstream lines(ReadFile(out));
  for (std::string line; std::getline(lines, line);) fds.insert(line);
  EXPECT_EQ(fds.count("0") + fds.count("1") + fds.count("2"), 3u);
  EXPECT_EQ(fds.count("100"), 0u);
  for (const std::string& name : fds) {
    EXPECT_TRUE(name == "0" || name == "1" || name == "2" ||
                name == "3")  // 3: ls's own listing
        << "inherited fd " << name;
  }
  fs::path in = dir_ / "in";
  EXPECT_EQ(Run({"readlink", "/proc/self/fd/0"}, in), 0);
  EXPECT_EQ(ReadFile(in), "/dev/null\n");
}

TEST_P(SubprocessTest, ChildGetsDefaultSignalsAndAnEmptyMask) {
  // A server ignores SIGPIPE and its threads may block signals; a step must not inherit
  // that.
  struct sigaction ignore{};
  struct sigaction old_action{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGUSR1, &ignore, &old_action), 0);
  sigset_t usr2;
  sigset_t old_mask;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr2, &old_mask), 0);
  int ignored = Run({"sh", "-c", "kill -USR1 $$; exit 0"});
  int blocked = Run({"sh", "-c", "kill -USR2 $$; exit 0"});
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGUSR1, &old_action, nullptr);
  EXPECT_EQ(DescribeExit(ignored), DescribeExit(SIGUSR1));
  EXPECT_EQ(DescribeExit(blocked), DescribeExit(SIGUSR2));
}

INSTANTIATE_TEST_SUITE_P(Waits, SubprocessTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Sleeping" : "Pidfd";
                         });

TEST(DescribeExitTest, NamesCodesAndSignals) {
  EXPECT_EQ(DescribeExit(3 << 8), "exited with code 3");
  EXPECT_EQ(DescribeExit(0), "exited with code 0");
  EXPECT_EQ(DescribeExit(SIGKILL), "killed by signal 9 (Killed)");
  EXPECT_EQ(DescribeExit(SIGSEGV | 0x80),
            "killed by signal 11 (Segmentation fault), core dumped");
  EXPECT_EQ(ExitCode(3 << 8), 3);
  EXPECT_EQ(ExitCode(SIGTERM), 143);
}

}  // namespace
}  // namespace ferry
