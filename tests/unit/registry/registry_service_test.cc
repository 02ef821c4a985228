// RegistryService over real stores (SQLite, and PostgreSQL when
// FERRY_TEST_POSTGRES_URL is set): versions, the alias and stage state
// machine, the audit trail and its immutability, concurrent alias moves,
// lineage, gates, and bad input.
#include "registry/registry_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "util/scratch_db.h"

namespace ferry::registry {
namespace {

using tracking::TrackingService;
using tracking::TrackingStore;

class FakeClock final : public Clock {
 public:
  int64_t NowMillis() const override { return now.fetch_add(1); }
  mutable std::atomic<int64_t> now{1'700'000'000'000};
};

class RegistryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Status st = scratch_.Open(GetParam());
    if (st.code() == StatusCode::kFailedPrecondition) GTEST_SKIP() << st.message();
    ASSERT_TRUE(st.ok()) << st.ToString();
    tracking_store_ = std::make_unique<TrackingStore>(scratch_.db());
    tracking_ = std::make_unique<TrackingService>(*tracking_store_, clock_);
    logged_models_ = std::make_unique<tracking::LoggedModels>(scratch_.db(), *tracking_, clock_);
    store_ = std::make_unique<RegistryStore>(scratch_.db());
    registry_ = std::make_unique<RegistryService>(*store_, *tracking_, *logged_models_, clock_);
  }

  // A finished run with these metrics.
  std::string RunWith(const std::map<std::string, double>& metrics) {
    auto run = tracking_->CreateRun({"0", "", "", std::nullopt, {}});
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    std::vector<tracking::Metric> list;
    for (const auto& [k, v] : metrics) list.push_back({k, v, 1, 0});
    EXPECT_TRUE(tracking_->LogBatch(run->info.run_id, list, {{"lr", "0.1"}}, {}).ok());
    return run->info.run_id;
  }

  ModelVersion NewVersion(const std::string& name, const std::string& run_id) {
    auto v = registry_->CreateVersion({name, "runs:/" + run_id + "/model", "", "", "", {}},
                                      actor_);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : ModelVersion{};
  }

  std::vector<RegistryEvent> Events(const std::string& name) {
    auto page = registry_->ListEvents(name, 1000, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<RegistryEvent>{};
  }

  testing_util::ScratchDb scratch_;
  FakeClock clock_;
  Actor actor_{"alice", ""};
  std::unique_ptr<TrackingStore> tracking_store_;
  std::unique_ptr<TrackingService> tracking_;
  std::unique_ptr<tracking::LoggedModels> logged_models_;
  std::unique_ptr<RegistryStore> store_;
  std::unique_ptr<RegistryService> registry_;
};

TEST_P(RegistryTest, ModelsAndVersions) {
  ASSERT_TRUE(registry_->CreateModel("fraud", "detects fraud", {{"team", "risk"}}, actor_).ok());
  EXPECT_EQ(registry_->CreateModel("fraud", "", {}, actor_).status().code(),
            StatusCode::kAlreadyExists);
  std::string run = RunWith({{"auc", 0.8}});
  EXPECT_EQ(NewVersion("fraud", run).version, 1);
  EXPECT_EQ(NewVersion("fraud", run).version, 2);
  ASSERT_TRUE(registry_->DeleteVersion("fraud", "2", false, actor_).ok());
  EXPECT_EQ(NewVersion("fraud", run).version, 3);  // numbers are never reused
  auto v = registry_->GetVersion("fraud", "1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->run_id, run);
  EXPECT_EQ(v->source, "runs:/" + run + "/model");
  EXPECT_NE(v->storage_location.find(run), std::string::npos) << v->storage_location;
  EXPECT_EQ(v->user_id, "alice");
  EXPECT_EQ(registry_->GetVersion("fraud", "2").status().code(), StatusCode::kNotFound);

  auto renamed = registry_->RenameModel("fraud", "fraud-v2", actor_);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(registry_->GetModel("fraud").status().code(), StatusCode::kNotFound);
  auto again = registry_->GetVersion("fraud-v2", "3");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->name, "fraud-v2");
  // Events recorded under the old name stay with the model.
  auto events = Events("fraud-v2");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().action, "create_model");
  EXPECT_EQ(events.front().model, "fraud");
  EXPECT_EQ(events.back().action, "rename_model");
}

TEST_P(RegistryTest, AliasesMoveAtomicallyAndGuardDeletes) {
  ASSERT_TRUE(registry_->CreateModel("m", "", {}, actor_).ok());
  std::string run = RunWith({});
  NewVersion("m", run);
  NewVersion("m", run);
  ASSERT_TRUE(registry_->SetAlias("m", "champion", "1", actor_).ok());
  ASSERT_TRUE(registry_->SetAlias("m", "champion", "2", actor_).ok());
  auto champion = registry_->GetVersionByAlias("m", "champion");
  ASSERT_TRUE(champion.ok());
  EXPECT_EQ(champion->version, 2);
  EXPECT_EQ(champion->aliases, std::vector<std::string>{"champion"});
  auto events = Events("m");
  ASSERT_EQ(events.back().action, "set_alias");
  EXPECT_EQ(nlohmann::json::parse(events.back().before)["version"], 1);
  EXPECT_EQ(nlohmann::json::parse(events.back().after)["version"], 2);

  EXPECT_EQ(registry_->DeleteVersion("m", "2", false, actor_).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(registry_->DeleteVersion("m", "2", true, actor_).ok());
  EXPECT_EQ(registry_->GetVersionByAlias("m", "champion").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(registry_->SetAlias("m", "champion", "7", actor_).code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->DeleteAlias("m", "nope", actor_).code(), StatusCode::kNotFound);
}

TEST_P(RegistryTest, StagesArchiveExistingVersions) {
  ASSERT_TRUE(registry_->CreateModel("s", "", {}, actor_).ok());
  std::string run = RunWith({});
  for (int i = 0; i < 3; ++i) NewVersion("s", run);
  ASSERT_TRUE(registry_->TransitionStage("s", "1", "production", false, actor_).ok());
  ASSERT_TRUE(registry_->TransitionStage("s", "2", "Production", false, actor_).ok());
  auto v3 = registry_->TransitionStage("s", "3", "PRODUCTION", true, actor_);
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  EXPECT_EQ(v3->current_stage, "Production");
  EXPECT_EQ(registry_->GetVersion("s", "1")->current_stage, "Archived");
  EXPECT_EQ(registry_->GetVersion("s", "2")->current_stage, "Archived");
  auto latest = registry_->LatestVersions("s", {"Production"});
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ((*latest)[0].version, 3);
  EXPECT_EQ(registry_->TransitionStage("s", "1", "Prod", false, actor_).status().code(),
            StatusCode::kInvalidArgument);
}

// Audit events are append-only in the database itself, not just by API.
TEST_P(RegistryTest, AuditEventsCannotBeRewritten) {
  ASSERT_TRUE(registry_->CreateModel("a", "", {}, actor_).ok());
  for (const char* sql : {"UPDATE registry_events SET actor = 'mallory'",
                          "DELETE FROM registry_events"}) {
    Status st = scratch_.db().Write(
        [&](store::SqlConnection& c) { return c.Execute(sql, {}).status(); });
    EXPECT_FALSE(st.ok()) << sql;
  }
  auto events = Events("a");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].actor, "alice");
  // Deleting the model keeps its history in the table.
  ASSERT_TRUE(registry_->DeleteModel("a", actor_).ok());
  auto n = scratch_.db().Read([&](store::SqlConnection& c) -> Status {
    ASSIGN_OR_RETURN(int64_t count,
                     store::QueryInt(c, "SELECT COUNT(*) FROM registry_events", {}));
    EXPECT_EQ(count, 2);
    return Status::Ok();
  });
  EXPECT_TRUE(n.ok()) << n.ToString();
}

// Many movers at once: every move is recorded, each event's "before" is
// the previous event's "after" (no lost update), and the alias ends where
// the last event says.
TEST_P(RegistryTest, ConcurrentAliasMovesAreSerialised) {
  ASSERT_TRUE(registry_->CreateModel("c", "", {}, actor_).ok());
  std::string run = RunWith({});
  for (int i = 0; i < 4; ++i) NewVersion("c", run);
  constexpr int kThreads = 8, kMoves = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kMoves; ++i) {
        std::string version = std::to_string(1 + (t + i) % 4);
        if (!registry_->SetAlias("c", "champion", version, actor_).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<RegistryEvent> moves;
  for (auto& e : Events("c")) {
    if (e.action == "set_alias") moves.push_back(e);
  }
  ASSERT_EQ(moves.size(), static_cast<size_t>(kThreads * kMoves));
  EXPECT_TRUE(moves.front().before.empty());
  for (size_t i = 1; i < moves.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(moves[i].before)["version"],
              nlohmann::json::parse(moves[i - 1].after)["version"])
        << i;
  }
  auto final_version = registry_->GetVersionByAlias("c", "champion");
  ASSERT_TRUE(final_version.ok());
  EXPECT_EQ(final_version->version, nlohmann::json::parse(moves.back().after)["version"]);
}

TEST_P(RegistryTest, LineageFollowsTheRun) {
  ASSERT_TRUE(registry_->CreateModel("l", "", {}, actor_).ok());
  std::string run = RunWith({{"auc", 0.9}});
  ASSERT_TRUE(tracking_->LogBatch(run, {}, {}, {{"mlflow.source.git.commit", "abc123"}}).ok());
  ASSERT_TRUE(tracking_->LogInputs(run, {{{"train", "d1g3st", "local", "/data", "", ""}, {}}}).ok());
  NewVersion("l", run);
  ASSERT_TRUE(registry_->SetAlias("l", "champion", "1", actor_).ok());
  auto lineage = registry_->GetLineage("models:/l@champion");
  ASSERT_TRUE(lineage.ok()) << lineage.status().ToString();
  ASSERT_TRUE(lineage->run.has_value());
  EXPECT_EQ(lineage->run->info.run_id, run);
  EXPECT_EQ(lineage->code_version, "abc123");
  ASSERT_EQ(lineage->run->inputs.size(), 1u);
  EXPECT_EQ(lineage->run->inputs[0].dataset.digest, "d1g3st");
  EXPECT_EQ(lineage->run->params.size(), 1u);
  EXPECT_EQ(registry_->GetLineage("l/1")->version.version, 1);
  EXPECT_EQ(registry_->GetLineage("l").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->GetLineage("l@nobody").status().code(), StatusCode::kNotFound);
}

// An MLflow 3 logged model as the source: the version reads its files
// from the logged model's own folder and keeps its run.
TEST_P(RegistryTest, VersionFromALoggedModel) {
  ASSERT_TRUE(registry_->CreateModel("lm", "", {}, actor_).ok());
  std::string run = RunWith({{"auc", 0.7}});
  auto logged = logged_models_->Create({"0", "model", "sklearn", run, {}, {{"depth", "3"}}});
  ASSERT_TRUE(logged.ok()) << logged.status().ToString();
  EXPECT_EQ(logged->status, tracking::kLoggedModelPending);
  EXPECT_NE(logged->artifact_uri.find("/models/" + logged->model_id + "/artifacts"),
            std::string::npos);
  ASSERT_TRUE(logged_models_->Finalize(logged->model_id, tracking::kLoggedModelReady).ok());
  auto v = registry_->CreateVersion({"lm", "models:/" + logged->model_id, "", "", "", {}}, actor_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->logged_model_id, logged->model_id);
  EXPECT_EQ(v->run_id, run);
  EXPECT_EQ(v->storage_location, logged->artifact_uri);
  EXPECT_EQ(registry_->CreateVersion({"lm", "models:/m-0123456789abcdef0123456789abcdef", "",
                                      "", "", {}},
                                     actor_)
                .status()
                .code(),
            StatusCode::kNotFound);
  auto found = logged_models_->Search({{"0"}, "name = 'model'", {}, 10, ""});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->first.size(), 1u);
  EXPECT_EQ(found->first[0].params.size(), 1u);
  EXPECT_EQ(logged_models_->Finalize(logged->model_id, "DONE").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(logged_models_->Get("../../etc").status().code(), StatusCode::kNotFound);
}

TEST_P(RegistryTest, GatePromotesOnlyABetterChallenger) {
  ASSERT_TRUE(registry_->CreateModel("g", "", {}, actor_).ok());
  NewVersion("g", RunWith({{"auc", 0.85}, {"latency_ms", 3}}));
  NewVersion("g", RunWith({{"auc", 0.84}, {"latency_ms", 2}}));
  NewVersion("g", RunWith({{"auc", 0.90}, {"latency_ms", 4}}));
  const std::string policy =
      "compare:\n  - metric: auc\n    direction: higher\n    min_delta: 0.01\n"
      "thresholds:\n  - metric: latency_ms\n    op: \"<=\"\n    value: 5\n";
  EXPECT_EQ(registry_->SetGatePolicy("g", "compare:\n  - metric: f1\n", actor_).code(),
            StatusCode::kInvalidArgument);  // no version logged f1
  ASSERT_TRUE(registry_->SetGatePolicy("g", policy, actor_).ok());

  // No champion yet: version 1 passes on its thresholds.
  auto first = registry_->Promote("g", "1", "champion", false, actor_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->promoted);
  // Worse challenger: refused, alias unchanged, decision recorded.
  auto worse = registry_->Promote("g", "2", "champion", false, actor_);
  ASSERT_TRUE(worse.ok());
  EXPECT_FALSE(worse->promoted);
  EXPECT_EQ(worse->champion, 1);
  EXPECT_EQ(registry_->GetVersionByAlias("g", "champion")->version, 1);
  // Better challenger: promoted.
  auto better = registry_->Promote("g", "3", "champion", false, actor_);
  ASSERT_TRUE(better.ok());
  EXPECT_TRUE(better->promoted);
  EXPECT_EQ(registry_->GetVersionByAlias("g", "champion")->version, 3);
  // An approval overrides a failed gate, but only with a reason.
  EXPECT_EQ(registry_->Promote("g", "2", "champion", true, actor_).status().code(),
            StatusCode::kInvalidArgument);
  Actor approver{"bob", "rollback after incident 42"};
  auto forced = registry_->Promote("g", "2", "champion", true, approver);
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->promoted);
  int decisions = 0;
  for (const auto& e : Events("g")) {
    if (e.action == "gate_decision") ++decisions;
    if (e.action == "set_alias" && e.actor == "bob") {
      EXPECT_EQ(e.reason, "rollback after incident 42");
    }
  }
  EXPECT_EQ(decisions, 4);
}

TEST_P(RegistryTest, BadInputIsRejectedWithTheField) {
  ASSERT_TRUE(registry_->CreateModel("b", "", {}, actor_).ok());
  std::string run = RunWith({});
  NewVersion("b", run);
  EXPECT_EQ(registry_->CreateModel("", "", {}, actor_).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->CreateModel("a/b", "", {}, actor_).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->CreateModel(std::string(300, 'x'), "", {}, actor_).status().code(),
            StatusCode::kInvalidArgument);
  for (const char* alias : {"", "latest", "v3", "V12", "has space", "semi;colon", "a@b"}) {
    EXPECT_EQ(registry_->SetAlias("b", alias, "1", actor_).code(), StatusCode::kInvalidArgument)
        << alias;
  }
  for (const char* version : {"", "0", "-1", "abc", "1.5", "99999999999999999999"}) {
    auto st = registry_->GetVersion("b", version).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << version;
    EXPECT_NE(st.message().find("version"), std::string::npos) << st.message();
  }
  for (const char* source : {"/etc/passwd", "file:///etc/passwd", "../../x", "runs:/",
                             "mlflow-artifacts:/0/../../etc", "relative/path"}) {
    auto st = registry_->CreateVersion({"b", source, "", "", "", {}}, actor_).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << source << ": " << st.ToString();
  }
  EXPECT_EQ(registry_->CreateVersion({"b", "runs:/nope/model", "", "", "", {}}, actor_)
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(registry_->CreateVersion({"missing", "runs:/" + run + "/m", "", "", "", {}}, actor_)
                .status()
                .code(),
            StatusCode::kNotFound);
  // Injection in names and filters stays data.
  EXPECT_TRUE(registry_->CreateModel("x'; DROP TABLE model_versions; --", "", {}, actor_).ok());
  auto found = registry_->SearchModels({"name LIKE '%DROP%'", {}, 10, ""});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->items.size(), 1u);
  EXPECT_TRUE(registry_->GetVersion("b", "1").ok());
  EXPECT_EQ(registry_->SearchModels({"metrics.auc > 1", {}, 10, ""}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->SearchModels({"", {}, 1001, ""}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(RegistryTest, SearchFiltersOrdersAndPages) {
  std::string run = RunWith({});
  for (const char* name : {"alpha", "beta", "gamma"}) {
    ASSERT_TRUE(registry_->CreateModel(name, "", {{"team", name[0] == 'a' ? "x" : "y"}}, actor_)
                    .ok());
    NewVersion(name, run);
    NewVersion(name, run);
  }
  auto page1 = registry_->SearchModels({"", {}, 2, ""});
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->items.size(), 2u);
  EXPECT_EQ(page1->items[0].name, "alpha");
  auto page2 = registry_->SearchModels({"", {}, 2, page1->next_page_token});
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->items.size(), 1u);
  EXPECT_EQ(page2->items[0].name, "gamma");
  EXPECT_TRUE(page2->next_page_token.empty());
  auto tagged = registry_->SearchModels({"tags.team = 'y'", {"name DESC"}, 10, ""});
  ASSERT_TRUE(tagged.ok());
  ASSERT_EQ(tagged->items.size(), 2u);
  EXPECT_EQ(tagged->items[0].name, "gamma");
  // != on a registry tag keeps entities without it (the mlflow client adds
  // this very clause to every search).
  ASSERT_TRUE(registry_->SetModelTag("beta", {"mlflow.prompt.is_prompt", "true"}, actor_).ok());
  auto not_prompts =
      registry_->SearchModels({"tags.`mlflow.prompt.is_prompt` != 'true'", {}, 10, ""});
  ASSERT_TRUE(not_prompts.ok()) << not_prompts.status().ToString();
  ASSERT_EQ(not_prompts->items.size(), 2u);
  EXPECT_EQ(not_prompts->items[1].name, "gamma");
  auto versions = registry_->SearchVersions(
      {"name = 'beta' AND run_id = '" + run + "'", {"version_number DESC"}, 10, ""});
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->items.size(), 2u);
  EXPECT_EQ(versions->items[0].version, 2);
  auto by_number = registry_->SearchVersions({"version_number > 1", {}, 10, ""});
  ASSERT_TRUE(by_number.ok());
  EXPECT_EQ(by_number->items.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Engines, RegistryTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ferry::registry
