// Job manifests for step attempts: every field of a whole manifest, names
// and label values that Kubernetes accepts for any id, no collisions after
// truncation, byte-identical output, resources as quantities, the inputs
// Kubernetes would reject, reading a Job's state and its pod's exit code,
// and YAML that reads back as the same JSON. The Kubernetes schema itself is
// checked in tests/integration/test_kubernetes_manifests.py.
#include "pipelines/kubernetes_job.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <regex>
#include <set>
#include <string>

#include "util/status_assertions.h"

namespace ferry::pipelines {
namespace {

using nlohmann::json;
using testing_util::FailsWith;

const std::regex kDnsLabel("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
const std::regex kLabelValue("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

StepLaunch Launch() {
  StepLaunch launch;
  launch.id = "/ws/.ferry/runs/abc123/train/1";
  launch.argv = {"/bin/sh", "-c", "python train.py --lr 0.1"};
  launch.env = {
      {"FERRY_STEP", "train"}, {"FERRY_PIPELINE", "retrain-fraud"}, {"LR", "0.1"}};
  launch.workdir = "/ws";
  launch.log_path = "/ws/.ferry/runs/abc123/logs/train.log";
  launch.timeout_ms = 90500;
  return launch;
}

KubernetesOptions Options() {
  KubernetesOptions options;
  options.namespace_name = "ml";
  options.image = "registry.example/ferry:1.0";
  return options;
}

json Manifest(const StepLaunch& launch, const Resources& resources = {},
              const KubernetesOptions& options = Options()) {
  Result<json> manifest = JobManifest(launch, resources, options);
  EXPECT_TRUE(manifest.ok()) << manifest.status().message();
  return manifest.ok() ? *manifest : json();
}

TEST(KubernetesJobTest, BuildsTheWholeJob) {
  KubernetesOptions options = Options();
  options.service_account = "ferry-steps";
  options.workspace_pvc = "ferry-workspace";
  options.ttl_seconds_after_finished = 600;
  options.image_pull_policy = "IfNotPresent";
  options.labels = {{"team", "fraud"}};
  std::string name = JobName(Launch().id);
  json labels = {{"app.kubernetes.io/managed-by", "ferry"},
                 {"ferry.dev/attempt-id", name},
                 {"ferry.dev/pipeline", "retrain-fraud"},
                 {"ferry.dev/step", "train"},
                 {"team", "fraud"}};
  json annotations = {{"ferry.dev/attempt-id", "/ws/.ferry/runs/abc123/train/1"},
                      {"ferry.dev/pipeline", "retrain-fraud"},
                      {"ferry.dev/step", "train"}};
  json container = {{"name", "step"},
                    {"image", "registry.example/ferry:1.0"},
                    {"imagePullPolicy", "IfNotPresent"},
                    {"command", {"/bin/sh", "-c", "python train.py --lr 0.1"}},
                    {"env",
                     {{{"name", "FERRY_PIPELINE"}, {"value", "retrain-fraud"}},
                      {{"name", "FERRY_STEP"}, {"value", "train"}},
                      {{"name", "LR"}, {"value", "0.1"}}}},
                    {"workingDir", "/ws"},
                    {"resources",
                     {{"requests", {{"cpu", "500m"}, {"memory", "2Gi"}}},
                      {"limits", {{"memory", "2Gi"}, {"nvidia.com/gpu", "1"}}}}},
                    {"volumeMounts", {{{"name", "workspace"}, {"mountPath", "/ws"}}}}};
  json volume = {{"name", "workspace"},
                 {"persistentVolumeClaim", {{"claimName", "ferry-workspace"}}}};
  json pod = {{"restartPolicy", "Never"},
              {"serviceAccountName", "ferry-steps"},
              {"containers", json::array({container})},
              {"volumes", json::array({volume})}};
  json spec = {{"backoffLimit", 0},
               {"activeDeadlineSeconds", 91},
               {"ttlSecondsAfterFinished", 600},
               {"template",
                {{"metadata", {{"labels", labels}, {"annotations", annotations}}},
                 {"spec", pod}}}};
  json want = {{"apiVersion", "batch/v1"},
               {"kind", "Job"},
               {"metadata",
                {{"name", name},
                 {"namespace", "ml"},
                 {"labels", labels},
                 {"annotations", annotations}}},
               {"spec", spec}};
  EXPECT_EQ(Manifest(Launch(), {0.5, int64_t{2} << 30, 1}, options).dump(2),
            want.dump(2));
}

TEST(KubernetesJobTest, LeavesOutWhatIsNotGiven) {
  StepLaunch launch = Launch();
  launch.env.clear();
  KubernetesOptions options = Options();
  options.namespace_name.clear();
  options.ttl_seconds_after_finished.reset();
  json job = Manifest(launch, {}, options);
  EXPECT_FALSE(job["metadata"].contains("namespace"));
  EXPECT_FALSE(job["spec"].contains("ttlSecondsAfterFinished"));
  EXPECT_EQ(job["metadata"]["labels"],
            json({{"app.kubernetes.io/managed-by", "ferry"},
                  {"ferry.dev/attempt-id", JobName(launch.id)}}));
  const json& pod = job["spec"]["template"]["spec"];
  EXPECT_FALSE(pod.contains("volumes") || pod.contains("serviceAccountName"));
  const json& container = pod["containers"][0];
  EXPECT_FALSE(container.contains("env") || container.contains("volumeMounts") ||
               container.contains("imagePullPolicy"));
  EXPECT_EQ(container["resources"], json::object());
}

TEST(KubernetesJobTest, NamesAreDnsLabelsForAnyId) {
  std::string long_id(500, 'x');
  for (std::string id :
       {"a", "A/B/C", "---", "\xc3\xa9t\xc3\xa9", "run 1/step_two/3", long_id.c_str(),
        "/very/long/workspace/path/that/goes/on/.ferry/runs/"
        "0123456789abcdef0123456789abcdef/a-step-with-a-long-name/12"}) {
    std::string name = JobName(id);
    EXPECT_TRUE(std::regex_match(name, kDnsLabel)) << name;
    EXPECT_LE(name.size(), 63u) << name;
    EXPECT_EQ(name.rfind("ferry-", 0), 0u) << name;
  }
  // The tail is kept: it names the run, the step and the attempt.
  EXPECT_EQ(JobName("/ws/.ferry/runs/abc123/Train/1").substr(0, 34),
            "ferry-ws-ferry-runs-abc123-train-1");
  EXPECT_EQ(JobName("x"), JobName("x"));
}

TEST(KubernetesJobTest, DistinctIdsGetDistinctNames) {
  std::set<std::string> names;
  std::string prefix(200, 'p');
  // Same after sanitizing, or the same in the part truncation keeps.
  for (std::string id :
       {"run/a_b/1", "run/a-b/1", "run/A-B/1", "run/a.b/1", "run/a--b/1"})
    names.insert(JobName(id));
  for (int i = 0; i < 100; ++i)
    names.insert(JobName(std::to_string(i) + prefix + "/step/1"));
  EXPECT_EQ(names.size(), 105u);
}

TEST(KubernetesJobTest, LabelValuesFollowTheGrammar) {
  EXPECT_EQ(LabelValue("retrain-fraud"), "retrain-fraud");
  EXPECT_EQ(LabelValue("a b/c"), "a-b-c");
  EXPECT_EQ(LabelValue("_x_"), "x");
  EXPECT_EQ(LabelValue("--"), "");
  EXPECT_EQ(LabelValue(std::string(64, 's')), std::string(63, 's'));
  EXPECT_EQ(LabelValue("---" + std::string(63, 's')), std::string(63, 's'));
  for (const std::string& text : std::initializer_list<std::string>{
           "\xc3\xa9t\xc3\xa9", std::string(62, 'a') + ".b", "a.", ".a."}) {
    EXPECT_TRUE(std::regex_match(LabelValue(text), kLabelValue)) << LabelValue(text);
  }
}

TEST(KubernetesJobTest, LongStepNamesAreCutInLabelsAndKeptInAnnotations) {
  StepLaunch launch = Launch();
  std::string step(64, 's');
  launch.env["FERRY_STEP"] = step;
  json job = Manifest(launch);
  EXPECT_EQ(job["metadata"]["labels"]["ferry.dev/step"], std::string(63, 's'));
  EXPECT_EQ(job["metadata"]["annotations"]["ferry.dev/step"], step);
}

TEST(KubernetesJobTest, SameInputSameBytes) {
  StepLaunch a = Launch(), b;
  b.id = a.id;
  b.argv = a.argv;
  b.workdir = a.workdir;
  b.timeout_ms = a.timeout_ms;
  for (auto it = a.env.rbegin(); it != a.env.rend(); ++it)
    b.env.insert(*it);  // other insertion order
  std::string first = Manifest(a, {2, 1000, 0}).dump();
  EXPECT_EQ(Manifest(b, {2, 1000, 0}).dump(), first);
  EXPECT_EQ(ManifestYaml(Manifest(a, {2, 1000, 0})), ManifestYaml(json::parse(first)));
}

TEST(KubernetesJobTest, ResourcesAsQuantities) {
  auto resources = [](Resources hints) {
    return Manifest(Launch(),
                    hints)["spec"]["template"]["spec"]["containers"][0]["resources"];
  };
  EXPECT_EQ(resources({2, 0, 0}), json({{"requests", {{"cpu", "2"}}}}));
  EXPECT_EQ(resources({0.25, 0, 0})["requests"]["cpu"], "250m");
  EXPECT_EQ(resources({0.0001, 0, 0})["requests"]["cpu"], "1m");
  EXPECT_EQ(resources({1.5, 0, 0})["requests"]["cpu"], "1500m");
  EXPECT_EQ(resources({0, int64_t{1536} << 20, 0})["requests"]["memory"], "1536Mi");
  EXPECT_EQ(resources({0, int64_t{3} << 40, 0})["limits"]["memory"], "3Ti");
  EXPECT_EQ(resources({0, 1000, 0})["limits"]["memory"], "1000");
  EXPECT_EQ(resources({0, 0, 2}), json({{"limits", {{"nvidia.com/gpu", "2"}}}}));
}

TEST(KubernetesJobTest, DeadlineIsTheTimeoutRoundedUp) {
  StepLaunch launch = Launch();
  for (auto [timeout_ms, seconds] : {std::pair<int64_t, int64_t>{1, 1},
                                     {1000, 1},
                                     {1001, 2},
                                     {3600000, 3600},
                                     {INT64_MAX, INT64_MAX / 1000 + 1}}) {
    launch.timeout_ms = timeout_ms;
    EXPECT_EQ(Manifest(launch)["spec"]["activeDeadlineSeconds"], seconds) << timeout_ms;
  }
}

TEST(KubernetesJobTest, RejectsWhatKubernetesWould) {
  auto with = [](auto change) {
    StepLaunch launch = Launch();
    KubernetesOptions options = Options();
    change(launch, options);
    return JobManifest(launch, {}, options);
  };
  for (std::string bad : {"1X", "A=B", "", "\xc3\x84", "a b"}) {
    EXPECT_TRUE(FailsWith(
        with([&](StepLaunch& l, KubernetesOptions&) { l.env[bad] = "v"; }), {"env name"}))
        << bad;
  }
  for (std::string good : {"-x", ".x", "_x", "a.b-c_9"}) {
    EXPECT_TRUE(with([&](StepLaunch& l, KubernetesOptions&) { l.env[good] = "v"; }).ok())
        << good;
  }
  using L = StepLaunch&;
  using O = KubernetesOptions&;
  EXPECT_TRUE(FailsWith(with([](L l, O) { l.argv.clear(); }), {"argv is empty"}));
  EXPECT_TRUE(FailsWith(with([](L l, O) { l.argv = {""}; }), {"argv is empty"}));
  EXPECT_TRUE(FailsWith(with([](L l, O) { l.id.clear(); }), {"id is empty"}));
  EXPECT_TRUE(
      FailsWith(with([](L l, O) { l.argv.push_back("\xff"); }), {"argv[3]", "UTF-8"}));
  EXPECT_TRUE(FailsWith(with([](L l, O) { l.env["X"] = std::string("a\0b", 3); }),
                        {"env 'X'", "NUL"}));
  EXPECT_TRUE(FailsWith(with([](L l, O) { l.workdir = "ws"; }), {"workdir", "absolute"}));
  EXPECT_TRUE(FailsWith(with([](L l, O) { l.timeout_ms = 0; }), {"timeout_ms"}));
  EXPECT_TRUE(FailsWith(with([](L l, O o) {
                          l.workdir.clear();
                          o.workspace_pvc = "c";
                        }),
                        {"workdir is empty"}));
  EXPECT_TRUE(FailsWith(with([](L, O o) { o.image.clear(); }), {"image is empty"}));
  EXPECT_TRUE(FailsWith(with([](L, O o) { o.namespace_name = "Prod"; }),
                        {"namespace", "'Prod'"}));
  EXPECT_TRUE(FailsWith(with([](L, O o) { o.namespace_name = std::string(64, 'n'); }),
                        {"namespace"}));
  EXPECT_TRUE(
      FailsWith(with([](L, O o) { o.service_account = "a_b"; }), {"service_account"}));
  EXPECT_TRUE(
      FailsWith(with([](L, O o) { o.workspace_pvc = "-claim"; }), {"workspace_pvc"}));
  EXPECT_TRUE(FailsWith(with([](L, O o) { o.ttl_seconds_after_finished = -1; }),
                        {"ttl_seconds_after_finished"}));
  EXPECT_TRUE(FailsWith(with([](L, O o) { o.image_pull_policy = "always"; }),
                        {"image_pull_policy"}));
  EXPECT_TRUE(FailsWith(with([](L, O o) { o.labels["a/b/c"] = "x"; }),
                        {"labels['a/b/c']", "label key"}));
  EXPECT_TRUE(FailsWith(with([](L, O o) { o.labels["team"] = "a b"; }),
                        {"labels['team']", "label value"}));
  EXPECT_TRUE(
      FailsWith(with([](L, O o) { o.labels["ferry.dev/step"] = "x"; }), {"Ferry sets"}));
  EXPECT_TRUE(with([](L, O o) { o.labels["example.com/team"] = ""; }).ok());
  EXPECT_TRUE(with([](L, O o) { o.service_account = "a.b-c"; }).ok());
}

TEST(KubernetesJobTest, ReadsTheJobsState) {
  auto condition = [](std::string type, std::string status, std::string reason = "") {
    return json{{"status",
                 {{"conditions",
                   {{{"type", type},
                     {"status", status},
                     {"reason", reason},
                     {"message", "m"}}}}}}};
  };
  JobState complete = ReadJobState(condition("Complete", "True"));
  EXPECT_TRUE(complete.ended && complete.succeeded);
  JobState deadline = ReadJobState(condition("Failed", "True", "DeadlineExceeded"));
  EXPECT_TRUE(deadline.ended && !deadline.succeeded);
  EXPECT_EQ(deadline.reason, "DeadlineExceeded");
  EXPECT_EQ(deadline.message, "m");
  EXPECT_FALSE(ReadJobState(condition("Failed", "False")).ended);
  EXPECT_FALSE(ReadJobState(condition("FailureTarget", "True")).ended);
  for (const json& odd : {json::parse(R"({"status":{"active":1}})"), json::parse("[1]"),
                          json("x"), json::parse("{", nullptr, false),
                          json::parse(R"({"status":{"conditions":[1,{"type":2}]}})")}) {
    EXPECT_FALSE(ReadJobState(odd).ended) << odd.dump();
  }
}

TEST(KubernetesJobTest, ReadsTheStepContainersExitCode) {
  json pods = json::parse(R"({"items":[{"status":{"containerStatuses":[
      {"name":"sidecar","state":{"terminated":{"exitCode":9}}},
      {"name":"step","state":{"terminated":{"exitCode":3,"reason":"Error"}}}]}}]})");
  EXPECT_EQ(ReadStepExitCode(pods), 3);
  EXPECT_EQ(ReadStepExitCode(json::parse(R"({"items":[{"status":{"containerStatuses":[
      {"name":"step","state":{"running":{}}}]}}]})")),
            std::nullopt);
  EXPECT_EQ(ReadStepExitCode(json::parse(R"({"items":[]})")), std::nullopt);
  EXPECT_EQ(ReadStepExitCode(json::parse(R"({"items":[1,{"status":[]}]})")),
            std::nullopt);
  EXPECT_EQ(ReadStepExitCode(json("nothing")), std::nullopt);
}

TEST(KubernetesJobTest, YamlReadsBackAsTheSameValues) {
  StepLaunch launch = Launch();
  launch.env = {{"N", "1"},
                {"FLAG", "true"},
                {"EMPTY", ""},
                {"TEXT", "a \"quoted\"\nline: #x \xc3\xa9"}};
  KubernetesOptions options = Options();
  options.labels = {{"yes", "no"}, {"9", "null"}};
  json job = Manifest(launch, {1, 1 << 20, 0}, options);
  YAML::Node yaml = YAML::Load(ManifestYaml(job));
  YAML::Node env = yaml["spec"]["template"]["spec"]["containers"][0]["env"];
  ASSERT_EQ(env.size(), 4u);
  for (size_t i = 0; i < env.size(); ++i) {
    EXPECT_EQ(env[i]["value"].Tag(), "!")
        << "not quoted: " << env[i]["value"].as<std::string>();
    EXPECT_EQ(env[i]["value"].as<std::string>(),
              job["spec"]["template"]["spec"]["containers"][0]["env"][i]["value"]);
  }
  EXPECT_EQ(yaml["spec"]["backoffLimit"].as<int>(), 0);
  EXPECT_EQ(yaml["metadata"]["labels"]["yes"].as<std::string>(), "no");
  EXPECT_EQ(yaml["metadata"]["labels"]["9"].as<std::string>(), "null");
  EXPECT_EQ(yaml["metadata"]["labels"]["9"].Tag(), "!");
  EXPECT_NE(ManifestYaml(job).find("\"yes\": \"no\""), std::string::npos);
  EXPECT_NE(ManifestYaml(job).find("apiVersion: \"batch/v1\""), std::string::npos);
}

}  // namespace
}  // namespace ferry::pipelines
