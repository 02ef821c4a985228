// KubernetesExecutor against a FAKE kubectl: no Kubernetes cluster (and no
// Docker) can run where these tests run, so a small shell script stands in
// for kubectl and the API server behind it. It records every argv it gets
// (one line per call, in calls), saves the manifest it is asked to create,
// and answers canned JSON from a scenario file the test writes: the Job ends
// (Complete or Failed, with a reason) after N polls or never, the pod's
// container exited with some code, the Job is gone, the server cannot be
// reached, creating is forbidden. What this checks is the executor's side
// of the conversation: the commands and flags it sends, how it reads the
// answers, and its threads (done once, never inside Start or Cancel,
// cancel, destruction). The manifests themselves are checked against the
// real Job schema in tests/integration/test_kubernetes_manifests.py.
//
// No timed assertions: short poll intervals, and waits on conditions.
#include "pipelines/kubernetes_executor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "util/status_assertions.h"

namespace ferry::pipelines {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kFakeKubectl = R"(#!/bin/sh
# Fake kubectl: a stand-in for the API server (no cluster can run in tests).
dir=$(dirname "$0")
printf '%s\n' "$*" >> "$dir/calls"
POLLS=1 END=Complete REASON= EXIT_CODE= CREATE_FAILS= WARN=
. "$dir/scenario"
while [ $# -gt 0 ]; do case "$1" in --*) shift;; *) break;; esac; done
verb=$1; shift
case "$verb" in
create)
  if [ -n "$CREATE_FAILS" ]; then
    echo 'Error from server (Forbidden): jobs.batch is forbidden: cannot create' >&2; exit 1
  fi
  cp "$2" "$dir/created.json"; echo "job.batch/created";;
get)
  if [ "$1" = pods ]; then
    if [ -z "$EXIT_CODE" ]; then echo '{"items":[]}'; exit 0; fi
    printf '{"items":[{"status":{"containerStatuses":[{"name":"step","state":{"terminated":{"exitCode":%s}}}]}}]}\n' "$EXIT_CODE"
    exit 0
  fi
  name=$2
  n=$(cat "$dir/polls-$name" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$dir/polls-$name"
  if [ -n "$WARN" ]; then echo 'Warning: batch/v1 Job is fine, this is a warning' >&2; fi
  case "$END" in
  gone) echo "Error from server (NotFound): jobs.batch \"$name\" not found" >&2; exit 1;;
  unreachable) echo 'The connection to the server was refused' >&2; exit 1;;
  esac
  if [ "$END" != never ] && [ "$n" -ge "$POLLS" ]; then
    printf '{"status":{"conditions":[{"type":"%s","status":"True","reason":"%s","message":"fake"}]}}\n' "$END" "$REASON"
  else
    echo '{"status":{"active":1}}'
  fi;;
logs) echo "hello from the pod";;
delete) echo "job.batch \"$2\" deleted";;
esac
)";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The exits `done` reported, with the thread each came on.
class Exits {
 public:
  std::function<void(const StepExit&)> For(const std::string& id) {
    return [this, id](const StepExit& exit) {
      std::lock_guard<std::mutex> lock(mu_);
      exits_.push_back({id, exit, std::this_thread::get_id()});
      cv_.notify_all();
    };
  }
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 60s, [&] { return exits_.size() >= n; });
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return exits_.size();
  }
  StepExit Of(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Entry& entry : exits_) {
      if (entry.id == id) return entry.exit;
    }
    ADD_FAILURE() << "no exit for " << id;
    return {};
  }
  bool AllOffThread(std::thread::id caller) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Entry& entry : exits_) {
      if (entry.thread == caller) return false;
    }
    return true;
  }

 private:
  struct Entry {
    std::string id;
    StepExit exit;
    std::thread::id thread;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> exits_;
};

class KubernetesExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/ferry_kubernetes_test_XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    dir_ = name;
    std::ofstream(dir_ / "kubectl") << kFakeKubectl;
    fs::permissions(dir_ / "kubectl", fs::perms::owner_all);
    Scenario("");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Shell assignments the fake reads on every call: POLLS, END, REASON, ...
  void Scenario(const std::string& lines) {
    std::ofstream(dir_ / "scenario") << lines << "\n";
  }

  KubernetesExecutorOptions Options() {
    KubernetesExecutorOptions options;
    options.job.namespace_name = "ml";
    options.job.image = "ferry:test";
    options.kubectl = (dir_ / "kubectl").string();
    options.context = "test-cluster";
    options.kubeconfig = (dir_ / "kubeconfig").string();
    options.poll_interval = 10ms;
    options.scratch_dir = dir_.string();
    return options;
  }
  std::unique_ptr<KubernetesExecutor> Make(const KubernetesExecutorOptions& options) {
    auto made = KubernetesExecutor::Create(options);
    EXPECT_TRUE(made.ok()) << made.status().message();
    return made.ok() ? std::move(made).value() : nullptr;
  }
  StepLaunch Launch(const std::string& id) {
    StepLaunch launch;
    launch.id = id;
    launch.argv = {"python", "train.py"};
    launch.env = {{"FERRY_STEP", "train"}};
    launch.workdir = dir_.string();
    launch.log_path = (dir_ / (id + ".log")).string();
    launch.timeout_ms = 60000;
    return launch;
  }
  std::vector<std::string> Calls() { return Lines(ReadFile(dir_ / "calls")); }
  // The kubectl calls whose verb and arguments (after the global flags) start with
  // `prefix`.
  std::vector<std::string> CallsOf(const std::string& prefix) {
    std::vector<std::string> found;
    for (const std::string& call : Calls()) {
      size_t at = call.find(" " + prefix);
      if (at != std::string::npos) found.push_back(call.substr(at + 1));
    }
    return found;
  }
  bool WaitForPoll(const std::string& id) {
    for (int i = 0; i < 6000; ++i) {
      if (fs::exists(dir_ / ("polls-" + JobName(id)))) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  fs::path dir_;
  Exits exits_;  // outlives every executor a test makes
};

TEST_F(KubernetesExecutorTest, CreatesPollsAndCollectsTheLogsOfACompleteJob) {
  Scenario("POLLS=3 END=Complete");
  auto executor = Make(Options());
  StepLaunch launch = Launch("a");
  ASSERT_TRUE(executor->Start(launch, exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_TRUE(exit.ok()) << exit.error;
  EXPECT_TRUE(exits_.AllOffThread(std::this_thread::get_id()));
  EXPECT_EQ(ReadFile(launch.log_path), "hello from the pod\n");
  std::string job = JobName("a");
  std::string flags = "--namespace=ml --context=test-cluster --kubeconfig=" +
                      (dir_ / "kubeconfig").string();
  std::vector<std::string> calls = Calls();
  ASSERT_EQ(calls.size(), 5u);  // create, 3 polls, logs
  EXPECT_EQ(calls[0].rfind(flags + " --request-timeout=30000ms create -f ", 0), 0u)
      << calls[0];
  EXPECT_EQ(CallsOf("get job").size(), 3u);
  EXPECT_EQ(calls[1], flags + " --request-timeout=30000ms get job " + job + " -o json");
  EXPECT_EQ(calls[4], flags + " logs job/" + job + " --all-containers=true");
  // What was created is the manifest, byte for byte.
  Result<nlohmann::json> manifest = JobManifest(launch, {}, Options().job);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(ReadFile(dir_ / "created.json"), manifest->dump());
}

TEST_F(KubernetesExecutorTest, ReportsTheContainersExitCodeOfAFailedJob) {
  Scenario("POLLS=2 END=Failed REASON=BackoffLimitExceeded EXIT_CODE=3");
  auto executor = Make(Options());
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_FALSE(exit.ok());
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_EQ(exit.error, "");  // a plain exit code, as from a local process
  EXPECT_FALSE(exit.timed_out || exit.cancelled);
  EXPECT_EQ(
      CallsOf("get pods"),
      std::vector<std::string>{"get pods -l job-name=" + JobName("a") + " -o json"});
  EXPECT_EQ(CallsOf("logs").size(), 1u);
}

TEST_F(KubernetesExecutorTest, DeadlineExceededIsATimeout) {
  Scenario("END=Failed REASON=DeadlineExceeded EXIT_CODE=137");
  auto executor = Make(Options());
  StepLaunch launch = Launch("a");
  launch.timeout_ms = 1500;
  ASSERT_TRUE(executor->Start(launch, exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_TRUE(exit.timed_out);
  EXPECT_FALSE(exit.cancelled);
  EXPECT_EQ(exit.exit_code, 137);
  EXPECT_EQ(
      exit.error,
      "timed out after 1500 ms (the Kubernetes Job passed its activeDeadlineSeconds)");
}

TEST_F(KubernetesExecutorTest, AFailureWithoutAnExitCodeSaysWhy) {
  Scenario("END=Failed REASON=PodEvicted");
  auto executor = Make(Options());
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_EQ(exit.exit_code, 1);
  EXPECT_EQ(exit.error, "the Kubernetes Job failed: PodEvicted: fake");
}

TEST_F(KubernetesExecutorTest, WarningsOnStderrDoNotSpoilTheJson) {
  Scenario("END=Complete WARN=1");
  auto executor = Make(Options());
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  EXPECT_TRUE(exits_.Of("a").ok()) << exits_.Of("a").error;
}

TEST_F(KubernetesExecutorTest, AJobThatCannotBeCreatedSaysWhy) {
  Scenario("CREATE_FAILS=1");
  auto executor = Make(Options());
  StepLaunch launch = Launch("a");
  ASSERT_TRUE(executor->Start(launch, exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_EQ(exit.exit_code, 127);
  EXPECT_NE(exit.error.find("cannot create the Kubernetes Job"), std::string::npos)
      << exit.error;
  EXPECT_NE(exit.error.find("(Forbidden)"), std::string::npos) << exit.error;
  EXPECT_EQ(ReadFile(launch.log_path).rfind("ferry: cannot create the Kubernetes Job", 0),
            0u);
  EXPECT_EQ(Calls().size(), 1u);
}

TEST_F(KubernetesExecutorTest, AMissingKubectlIsReportedThroughDone) {
  KubernetesExecutorOptions options = Options();
  options.kubectl = (dir_ / "no-such-kubectl").string();
  auto executor = Make(options);
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_EQ(exit.exit_code, 127);
  EXPECT_NE(exit.error.find("no-such-kubectl"), std::string::npos) << exit.error;
}

TEST_F(KubernetesExecutorTest, AJobThatVanishesIsAnError) {
  Scenario("END=gone");
  auto executor = Make(Options());
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_FALSE(exit.ok());
  EXPECT_EQ(exit.error,
            "the Kubernetes Job " + JobName("a") + " is gone (deleted, or past its TTL)");
}

TEST_F(KubernetesExecutorTest, AnUnreachableServerTimesOutAfterTheDeadline) {
  Scenario("END=unreachable");
  KubernetesExecutorOptions options = Options();
  options.deadline_slack = 0ms;
  auto executor = Make(options);
  StepLaunch launch = Launch("a");
  launch.timeout_ms = 1;
  ASSERT_TRUE(executor->Start(launch, exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_TRUE(exit.timed_out);
  EXPECT_NE(exit.error.find("had not ended by its deadline"), std::string::npos)
      << exit.error;
  EXPECT_EQ(CallsOf("delete").size(), 1u);
}

TEST_F(KubernetesExecutorTest, CancelDeletesTheJob) {
  Scenario("END=never");
  auto executor = Make(Options());
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  ASSERT_TRUE(WaitForPoll("a"));
  executor->Cancel("a");
  executor->Cancel("a");     // no-op
  executor->Cancel("nope");  // no-op
  ASSERT_TRUE(exits_.WaitFor(1));
  StepExit exit = exits_.Of("a");
  EXPECT_TRUE(exit.cancelled);
  EXPECT_FALSE(exit.timed_out);
  EXPECT_EQ(exit.error,
            "cancelled (the Kubernetes Job " + JobName("a") + " was deleted)");
  EXPECT_EQ(CallsOf("delete"),
            std::vector<std::string>{"delete job " + JobName("a") +
                                     " --cascade=foreground --wait=false"});
  EXPECT_TRUE(exits_.AllOffThread(std::this_thread::get_id()));
}

TEST_F(KubernetesExecutorTest, CancelRightAfterStartReportsCancelled) {
  Scenario("END=never");
  auto executor = Make(Options());
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  executor->Cancel("a");  // before or after the create: either way, cancelled
  ASSERT_TRUE(exits_.WaitFor(1));
  EXPECT_TRUE(exits_.Of("a").cancelled);
}

TEST_F(KubernetesExecutorTest, DestroyingCancelsWhatRuns) {
  Scenario("END=never");
  auto executor = Make(Options());
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  ASSERT_TRUE(executor->Start(Launch("b"), exits_.For("b")).ok());
  ASSERT_TRUE(WaitForPoll("a") && WaitForPoll("b"));
  executor.reset();
  ASSERT_EQ(exits_.size(), 2u);  // the destructor returned after both
  EXPECT_TRUE(exits_.Of("a").cancelled && exits_.Of("b").cancelled);
  EXPECT_EQ(CallsOf("delete").size(), 2u);
}

TEST_F(KubernetesExecutorTest, RunsAttemptsInParallelAndAcceptsStartsFromDone) {
  Scenario("POLLS=2 END=Complete");
  auto executor = Make(Options());
  for (std::string id : {"a", "b", "c", "d"})
    ASSERT_TRUE(executor->Start(Launch(id), exits_.For(id)).ok());
  std::function<void(const StepExit&)> then = exits_.For("e");
  ASSERT_TRUE(executor
                  ->Start(Launch("e"),
                          [&, then](const StepExit& exit) {
                            then(exit);
                            EXPECT_TRUE(
                                executor->Start(Launch("f"), exits_.For("f")).ok());
                          })
                  .ok());
  ASSERT_TRUE(exits_.WaitFor(6));
  for (std::string id : {"a", "b", "c", "d", "e", "f"})
    EXPECT_TRUE(exits_.Of(id).ok()) << id;
}

TEST_F(KubernetesExecutorTest, RefusesBadStarts) {
  Scenario("END=never");
  auto executor = Make(Options());
  StepLaunch bad = Launch("bad");
  bad.env["1BAD"] = "x";
  EXPECT_TRUE(testing_util::FailsWith(
      Result<int>(executor->Start(bad, exits_.For("bad"))), {"env name", "'1BAD'"}));
  EXPECT_TRUE(testing_util::FailsWith(Result<int>(executor->Start(Launch("x"), nullptr)),
                                      {"no done"}));
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  EXPECT_EQ(executor->Start(Launch("a"), exits_.For("a")).code(),
            StatusCode::kAlreadyExists);
  executor->Cancel("a");
  ASSERT_TRUE(exits_.WaitFor(1));
  EXPECT_EQ(exits_.size(), 1u);  // no done for the refused starts
}

TEST_F(KubernetesExecutorTest, PassesTheStepsResourceHints) {
  KubernetesExecutorOptions options = Options();
  options.resources = [](const StepLaunch& launch) {
    return launch.env.at("FERRY_STEP") == "train" ? Resources{2, int64_t{1} << 30, 1}
                                                  : Resources{};
  };
  auto executor = Make(options);
  ASSERT_TRUE(executor->Start(Launch("a"), exits_.For("a")).ok());
  ASSERT_TRUE(exits_.WaitFor(1));
  nlohmann::json created = nlohmann::json::parse(ReadFile(dir_ / "created.json"));
  EXPECT_EQ(created["spec"]["template"]["spec"]["containers"][0]["resources"],
            nlohmann::json::parse(R"({"limits":{"memory":"1Gi","nvidia.com/gpu":"1"},
                                      "requests":{"cpu":"2","memory":"1Gi"}})"));
}

TEST_F(KubernetesExecutorTest, CreateChecksItsOptions) {
  KubernetesExecutorOptions options = Options();
  options.job.namespace_name = "Not_A_Label";
  EXPECT_TRUE(
      testing_util::FailsWith(KubernetesExecutor::Create(options), {"namespace"}));
  options = Options();
  options.poll_interval = 0ms;
  EXPECT_TRUE(
      testing_util::FailsWith(KubernetesExecutor::Create(options), {"poll_interval"}));
  options = Options();
  options.job.image.clear();
  EXPECT_TRUE(testing_util::FailsWith(KubernetesExecutor::Create(options), {"image"}));
  options = Options();
  options.scratch_dir = (dir_ / "missing" / "deeper").string();
  EXPECT_EQ(KubernetesExecutor::Create(options).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace ferry::pipelines
