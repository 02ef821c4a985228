#include "pipelines/local_executor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

namespace ferry::pipelines {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool WaitForFile(const fs::path& path) {
  for (auto deadline = SteadyClock::now() + 30s; SteadyClock::now() < deadline;) {
    if (fs::exists(path)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Collects the exits that `done` callbacks report, in order.
class Exits {
 public:
  std::function<void(const StepExit&)> For(const std::string& id) {
    return [this, id](const StepExit& exit) { Add(id, exit); };
  }
  void Add(const std::string& id, const StepExit& exit) {
    std::lock_guard<std::mutex> lock(mu_);
    exits_.emplace_back(id, exit);
    cv_.notify_all();
  }
  // False when fewer than `n` came within `limit` (only a bug makes that happen).
  bool WaitFor(size_t n, std::chrono::seconds limit = 60s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return exits_.size() >= n; });
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return exits_.size();
  }
  StepExit Of(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, exit] : exits_) {
      if (key == id) return exit;
    }
    ADD_FAILURE() << "no exit for " << id;
    return {};
  }
  std::vector<std::string> Order() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> ids;
    for (const auto& entry : exits_) ids.push_back(entry.first);
    return ids;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, StepExit>> exits_;
};

class LocalExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/ferry_executor_test_XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A step running `script` in the test's directory, logging to <id>.log.
  StepLaunch Shell(const std::string& id, const std::string& script,
                   int64_t timeout_ms = 60000) {
    StepLaunch launch;
    launch.id = id;
    launch.argv = {"sh", "-c", script};
    launch.workdir = dir_.string();
    launch.log_path = Log(id);
    launch.timeout_ms = timeout_ms;
    return launch;
  }
  std::string Log(const std::string& id) { return (dir_ / (id + ".log")).string(); }

  fs::path dir_;
  Exits exits_;  // outlives every executor a test makes
};

TEST_F(LocalExecutorTest, ReportsSuccessAndKeepsTheOutput) {
  LocalExecutor executor(2);
  ASSERT_TRUE(
      executor.Start(Shell("a", "echo hello; echo oops >&2"), exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_TRUE(exit.ok());
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_EQ(exit.error, "");
  EXPECT_GE(exit.duration_ms, 0);
  EXPECT_EQ(ReadFile(Log("a")), "hello\noops\n");
}

TEST_F(LocalExecutorTest, ReportsFailureCodesAndSignals) {
  LocalExecutor executor(2);
  ASSERT_TRUE(executor.Start(Shell("code", "exit 7"), exits_.For("code")).ok());
  ASSERT_TRUE(executor.Start(Shell("signal", "kill -9 $$"), exits_.For("signal")).ok());
  ASSERT_TRUE(exits_.WaitFor(2));
  StepExit code = exits_.Of("code");
  EXPECT_FALSE(code.ok());
  EXPECT_EQ(code.exit_code, 7);
  EXPECT_EQ(code.error, "");
  EXPECT_FALSE(code.timed_out || code.cancelled);
  StepExit killed = exits_.Of("signal");
  EXPECT_FALSE(killed.ok());
  EXPECT_EQ(killed.exit_code, 137);
  EXPECT_EQ(killed.error, "killed by signal 9 (Killed)");
}

TEST_F(LocalExecutorTest, PassesEnvAndWorkdir) {
  fs::create_directory(dir_ / "work");
  StepLaunch launch = Shell("a", "echo \"$FERRY_STEP\"; pwd");
  launch.env = {{"FERRY_STEP", "train"}};
  launch.workdir = (dir_ / "work").string();
  LocalExecutor executor(1);
  ASSERT_TRUE(executor.Start(launch, exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  EXPECT_TRUE(exits_.Of("a").ok());
  EXPECT_EQ(ReadFile(Log("a")), "train\n" + fs::canonical(dir_ / "work").string() + "\n");
}

TEST_F(LocalExecutorTest, StopsAStepAtItsTimeout) {
  LocalExecutor executor(1);
  StepLaunch launch = Shell("slow", "sleep 30", 200);
  launch.argv = {"sleep", "30"};
  ASSERT_TRUE(executor.Start(launch, exits_.For("slow")).ok());
  ASSERT_TRUE(exits_.WaitFor(1, 20s)) << "the timeout did not stop `sleep 30`";
  StepExit exit = exits_.Of("slow");
  EXPECT_TRUE(exit.timed_out);
  EXPECT_FALSE(exit.cancelled);
  EXPECT_EQ(exit.exit_code, 128 + SIGTERM);
  EXPECT_EQ(exit.error, "timed out after 200 ms (killed by signal 15 (Terminated))");
}

TEST_F(LocalExecutorTest, CancelStopsARunningStep) {
  LocalExecutor executor(1);
  ASSERT_TRUE(
      executor.Start(Shell("a", "echo started > started; sleep 30"), exits_.For("a"))
          .ok());
  ASSERT_TRUE(WaitForFile(dir_ / "started"));
  executor.Cancel("a");
  executor.Cancel("a");  // no-op
  ASSERT_TRUE(exits_.WaitFor(1, 20s));
  StepExit exit = exits_.Of("a");
  EXPECT_TRUE(exit.cancelled);
  EXPECT_FALSE(exit.timed_out);
  EXPECT_EQ(exit.exit_code, 128 + SIGTERM);
  EXPECT_EQ(exit.error, "cancelled (killed by signal 15 (Terminated))");
}

TEST_F(LocalExecutorTest, CancelKillsAStepThatIgnoresSigterm) {
  LocalExecutor executor(1);
  std::string script =
      "trap '' TERM; echo started > started; while :; do sleep 0.05; done";
  ASSERT_TRUE(executor.Start(Shell("a", script), exits_.For("a")).ok());
  ASSERT_TRUE(WaitForFile(dir_ / "started"));
  executor.Cancel("a");
  ASSERT_TRUE(exits_.WaitFor(1, 20s)) << "no SIGKILL after the grace";
  StepExit exit = exits_.Of("a");
  EXPECT_TRUE(exit.cancelled);
  EXPECT_EQ(exit.exit_code, 128 + SIGKILL);
}

TEST_F(LocalExecutorTest, CancelRemovesAQueuedStep) {
  LocalExecutor executor(1);
  ASSERT_TRUE(executor
                  .Start(Shell("first", "while [ ! -e go ]; do sleep 0.01; done"),
                         exits_.For("first"))
                  .ok());
  ASSERT_TRUE(
      executor.Start(Shell("queued", "echo ran > queued_ran"), exits_.For("queued"))
          .ok());
  executor.Cancel("queued");
  executor.Cancel("no-such-step");  // no-op
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit queued = exits_.Of("queued");
  EXPECT_TRUE(queued.cancelled);
  EXPECT_EQ(queued.duration_ms, 0);
  EXPECT_EQ(queued.error, "cancelled before it started");
  std::ofstream(dir_ / "go").close();
  ASSERT_TRUE(exits_.WaitFor(2));
  EXPECT_TRUE(exits_.Of("first").ok());
  EXPECT_EQ(exits_.Order(), (std::vector<std::string>{"queued", "first"}));
  EXPECT_FALSE(fs::exists(dir_ / "queued_ran"));
}

// Each step appends "start i" and "end i" to one file; replaying the file
// counts how many ran at once.
TEST_F(LocalExecutorTest, RunsAtMostMaxParallelInFifoOrder) {
  for (int max_parallel : {1, 2}) {
    SCOPED_TRACE("max_parallel " + std::to_string(max_parallel));
    fs::path markers = dir_ / ("markers" + std::to_string(max_parallel));
    size_t before = exits_.size();
    LocalExecutor executor(max_parallel);
    const int kSteps = 6;
    for (int i = 0; i < kSteps; ++i) {
      std::string id = std::to_string(max_parallel) + "-" + std::to_string(i);
      std::string script = "echo start " + std::to_string(i) + " >> " + markers.string() +
                           "; sleep 0.2; echo end " + std::to_string(i) + " >> " +
                           markers.string();
      ASSERT_TRUE(executor.Start(Shell(id, script), exits_.For(id)).ok());
    }
    ASSERT_TRUE(exits_.WaitFor(before + kSteps));
    std::vector<std::string> lines = Lines(ReadFile(markers));
    ASSERT_EQ(lines.size(), 2u * kSteps);
    int running = 0;
    int most = 0;
    std::vector<std::string> starts;
    for (const std::string& line : lines) {
      bool start = line.rfind("start ", 0) == 0;
      running += start ? 1 : -1;
      most = std::max(most, running);
      if (start) starts.push_back(line.substr(6));
    }
    EXPECT_LE(most, max_parallel);
    if (max_parallel == 1) {
      EXPECT_EQ(starts, (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
    }
  }
}

TEST_F(LocalExecutorTest, DoneMayStartTheNextStep) {
  LocalExecutor executor(1);
  std::mutex mu;
  std::vector<Status> starts;
  std::function<void(int)> start = [&](int i) {
    std::string id = "step" + std::to_string(i);
    Status status = executor.Start(Shell(id, "echo " + std::to_string(i) + " >> chain"),
                                   [&, i, id](const StepExit& exit) {
                                     if (i < 2) start(i + 1);
                                     exits_.Add(id, exit);
                                   });
    std::lock_guard<std::mutex> lock(mu);
    starts.push_back(status);
  };
  start(0);
  ASSERT_TRUE(exits_.WaitFor(3));
  EXPECT_EQ(ReadFile(dir_ / "chain"), "0\n1\n2\n");
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(starts.size(), 3u);
  for (const Status& status : starts) EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_F(LocalExecutorTest, DestructorCancelsEverythingAndWaitsForEveryDone) {
  auto executor = std::make_unique<LocalExecutor>(2);
  LocalExecutor* raw = executor.get();  // reset() nulls `executor` before destroying it
  Status start_during_shutdown;
  ASSERT_TRUE(
      executor->Start(Shell("a", "echo > a_started; sleep 30"), exits_.For("a")).ok());
  ASSERT_TRUE(
      executor->Start(Shell("b", "echo > b_started; sleep 30"), exits_.For("b")).ok());
  ASSERT_TRUE(executor
                  ->Start(Shell("queued", "echo ran > queued_ran"),
                          [&](const StepExit& exit) {
                            start_during_shutdown =
                                raw->Start(Shell("late", "true"), exits_.For("late"));
                            exits_.Add("queued", exit);
                          })
                  .ok());
  ASSERT_TRUE(WaitForFile(dir_ / "a_started"));
  ASSERT_TRUE(WaitForFile(dir_ / "b_started"));
  executor.reset();
  ASSERT_EQ(exits_.size(), 3u);
  EXPECT_TRUE(exits_.Of("a").cancelled);
  EXPECT_EQ(exits_.Of("a").exit_code, 128 + SIGTERM);
  EXPECT_TRUE(exits_.Of("b").cancelled);
  EXPECT_TRUE(exits_.Of("queued").cancelled);
  EXPECT_EQ(start_during_shutdown.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(dir_ / "queued_ran"));
}

TEST_F(LocalExecutorTest, SpawnFailureIsReportedAndLogged) {
  LocalExecutor executor(1);
  StepLaunch missing = Shell("missing", "");
  missing.argv = {"ferry-no-such-program"};
  StepLaunch no_dir = Shell("no_dir", "true");
  no_dir.workdir = (dir_ / "no-such-dir").string();
  ASSERT_TRUE(executor.Start(missing, exits_.For("missing")).ok());
  ASSERT_TRUE(executor.Start(no_dir, exits_.For("no_dir")).ok());
  ASSERT_TRUE(exits_.WaitFor(2));

  StepExit exit = exits_.Of("missing");
  EXPECT_FALSE(exit.ok());
  EXPECT_EQ(exit.exit_code, 127);
  EXPECT_NE(exit.error.find("ferry-no-such-program"), std::string::npos) << exit.error;
  std::vector<std::string> log = Lines(ReadFile(Log("missing")));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].rfind("ferry: cannot start: ", 0), 0u) << log[0];
  EXPECT_NE(log[0].find("ferry-no-such-program"), std::string::npos) << log[0];

  exit = exits_.Of("no_dir");
  EXPECT_FALSE(exit.ok());
  EXPECT_NE(exit.error.find(no_dir.workdir), std::string::npos) << exit.error;
  log = Lines(ReadFile(Log("no_dir")));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].rfind("ferry: cannot start: ", 0), 0u) << log[0];
}

TEST_F(LocalExecutorTest, RejectsMalformedAndDuplicateLaunches) {
  {
    LocalExecutor executor(1);
    StepLaunch no_id = Shell("", "true");
    EXPECT_EQ(executor.Start(no_id, exits_.For("x")).code(),
              StatusCode::kInvalidArgument);
    StepLaunch no_argv = Shell("x", "true");
    no_argv.argv.clear();
    EXPECT_EQ(executor.Start(no_argv, exits_.For("x")).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(executor.Start(Shell("x", "true", 0), exits_.For("x")).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(executor.Start(Shell("x", "true"), nullptr).code(),
              StatusCode::kInvalidArgument);

    StepLaunch wait = Shell("a", "while [ ! -e go ]; do sleep 0.01; done");
    ASSERT_TRUE(executor.Start(wait, exits_.For("a")).ok());
    ASSERT_TRUE(executor.Start(Shell("b", "true"), exits_.For("b")).ok());
    EXPECT_EQ(executor.Start(wait, exits_.For("a")).code(), StatusCode::kAlreadyExists);
    EXPECT_EQ(executor.Start(Shell("b", "true"), exits_.For("b")).code(),
              StatusCode::kAlreadyExists);
    std::ofstream(dir_ / "go").close();
    ASSERT_TRUE(exits_.WaitFor(2));
    // An id may be used again once its attempt is done.
    ASSERT_TRUE(executor.Start(Shell("a", "true"), exits_.For("a")).ok());
  }
  EXPECT_EQ(exits_.Order(), (std::vector<std::string>{"a", "b", "a"}));
}

}  // namespace
}  // namespace ferry::pipelines
