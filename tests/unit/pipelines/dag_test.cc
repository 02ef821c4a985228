#include "pipelines/dag.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ferry::pipelines {
namespace {

using Indexes = std::vector<size_t>;
using S = StepState;

// A spec of steps (name, needs); step i is on line 10 * (i + 1).
PipelineSpec Spec(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& steps) {
  PipelineSpec spec;
  spec.name = "p";
  for (const auto& [name, needs] : steps) {
    StepSpec s;
    s.name = name;
    s.needs = needs;
    s.line = 10 * static_cast<int>(spec.steps.size() + 1);
    s.shell = "true";
    spec.steps.push_back(std::move(s));
  }
  return spec;
}

Dag Built(const PipelineSpec& spec) {
  Result<Dag> dag = Dag::Build(spec);
  EXPECT_TRUE(dag.ok()) << dag.status().message();
  return dag.ok() ? std::move(dag).value() : Dag::Build(Spec({{"x", {}}})).value();
}

std::string BuildError(const PipelineSpec& spec) {
  Result<Dag> dag = Dag::Build(spec);
  return dag.ok() ? "built" : dag.status().message();
}

// w0..w{n-1} all need `src`; `sink` needs them all.
PipelineSpec FanOutFanIn(int n) {
  std::vector<std::pair<std::string, std::vector<std::string>>> steps = {{"src", {}}};
  std::vector<std::string> all;
  for (int i = 0; i < n; ++i) {
    steps.push_back({"w" + std::to_string(i), {"src"}});
    all.push_back("w" + std::to_string(i));
  }
  steps.push_back({"sink", all});
  return Spec(steps);
}

TEST(DagTest, CycleOfOneIsASelfNeed) {
  EXPECT_EQ(BuildError(Spec({{"a", {}}, {"train", {"a", "train"}}})),
            "steps form a cycle: train → train (line 20)");
}

TEST(DagTest, CycleOfTwoInRunOrder) {
  EXPECT_EQ(BuildError(Spec({{"train", {"evaluate"}}, {"evaluate", {"train"}}})),
            "steps form a cycle: train → evaluate → train (lines 10, 20)");
}

TEST(DagTest, CycleOfFourInRunOrderFromItsFirstStep) {
  // Runs a → b → c → d → a: b needs a, c needs b, d needs c, a needs d. A step
  // outside the cycle comes first and one hangs below it; neither is named.
  PipelineSpec spec = Spec({{"before", {}},
                            {"c", {"b"}},
                            {"below", {"d"}},
                            {"a", {"d", "before"}},
                            {"d", {"c"}},
                            {"b", {"a"}}});
  EXPECT_EQ(BuildError(spec),
            "steps form a cycle: c → d → a → b → c (lines 20, 50, 40, 60)");
}

TEST(DagTest, CycleFoundFromAStepDownstreamOfIt) {
  // x (first in file) needs the cycle but is not on it.
  EXPECT_EQ(BuildError(Spec({{"x", {"b"}}, {"a", {"b"}}, {"b", {"a"}}})),
            "steps form a cycle: a → b → a (lines 20, 30)");
}

TEST(DagTest, UnknownNeedAndDuplicateNames) {
  EXPECT_EQ(BuildError(Spec({{"a", {}}, {"b", {"c"}}})),
            "step 'b' (line 20): needs 'c', which is not a step");
  EXPECT_EQ(BuildError(Spec({{"a", {}}, {"a", {}}})),
            "step 'a' (line 20): name used twice");
}

TEST(DagTest, DiamondOrder) {
  // Written sink first: the order must still put needs first.
  Dag dag = Built(Spec(
      {{"sink", {"left", "right"}}, {"right", {"src"}}, {"left", {"src"}}, {"src", {}}}));
  EXPECT_EQ(dag.Order(), (Indexes{3, 1, 2, 0}));  // right before left: file order
  EXPECT_EQ(dag.Needs(0), (Indexes{1, 2}));
  EXPECT_EQ(dag.Dependents(3), (Indexes{1, 2}));
  EXPECT_EQ(dag.size(), 4u);
}

TEST(DagTest, ChainOrderAndIndependentStepsInFileOrder) {
  Dag chain = Built(Spec({{"c", {"b"}}, {"b", {"a"}}, {"a", {}}}));
  EXPECT_EQ(chain.Order(), (Indexes{2, 1, 0}));
  Dag flat = Built(Spec({{"a", {}}, {"b", {}}, {"c", {}}}));
  EXPECT_EQ(flat.Order(), (Indexes{0, 1, 2}));
  // After x, the lowest ready index goes first, even if it became ready later.
  Dag mixed = Built(Spec({{"late", {"x"}}, {"x", {}}, {"y", {}}}));
  EXPECT_EQ(mixed.Order(), (Indexes{1, 0, 2}));
}

TEST(DagTest, DuplicateNeedIsOneEdge) {
  Dag dag = Built(Spec({{"a", {}}, {"b", {"a", "a"}}}));
  EXPECT_EQ(dag.Needs(1), Indexes{0});
  EXPECT_EQ(dag.Dependents(0), Indexes{1});
  Frontier f(dag);
  EXPECT_EQ(f.TakeReady(), Indexes{0});
  ASSERT_TRUE(f.Finish(0, S::kSucceeded).ok());
  EXPECT_EQ(f.TakeReady(), Indexes{1});
}

TEST(DagTest, ReadyFollowsStates) {
  // 0 src; 1, 2 need src; 3 needs 1 and 2; 4 independent.
  Dag dag = Built(Spec(
      {{"src", {}}, {"l", {"src"}}, {"r", {"src"}}, {"sink", {"l", "r"}}, {"free", {}}}));
  std::vector<S> st(5, S::kPending);
  EXPECT_EQ(dag.Ready(st), (Indexes{0, 4}));
  st[0] = S::kRunning;
  st[4] = S::kRunning;
  EXPECT_EQ(dag.Ready(st), Indexes{});
  st[0] = S::kCached;
  EXPECT_EQ(dag.Ready(st), (Indexes{1, 2}));
  st[1] = S::kSucceeded;
  EXPECT_EQ(dag.Ready(st), (Indexes{2}));
  st[2] = S::kFailed;
  EXPECT_EQ(dag.Ready(st), Indexes{});  // sink has a failed need
  EXPECT_EQ(dag.Downstream(2), Indexes{3});
  st[2] = S::kSucceeded;
  EXPECT_EQ(dag.Ready(st), Indexes{3});
}

TEST(DagTest, DownstreamIsEveryTransitiveDependent) {
  Dag dag = Built(FanOutFanIn(3));  // src=0, w0..w2=1..3, sink=4
  EXPECT_EQ(dag.Downstream(0), (Indexes{1, 2, 3, 4}));
  EXPECT_EQ(dag.Downstream(2), Indexes{4});
  EXPECT_EQ(dag.Downstream(4), Indexes{});
  Dag chain = Built(Spec({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {"c"}}}));
  EXPECT_EQ(chain.Downstream(1), (Indexes{2, 3}));
  EXPECT_EQ(chain.Upstream(3), (Indexes{0, 1, 2}));
  EXPECT_EQ(chain.Upstream(0), Indexes{});
  EXPECT_EQ(dag.Upstream(4), (Indexes{0, 1, 2, 3}));
  EXPECT_EQ(dag.Upstream(2), Indexes{0});
}

TEST(DagTest, FrontierRunsADiamond) {
  Dag dag =
      Built(Spec({{"src", {}}, {"l", {"src"}}, {"r", {"src"}}, {"sink", {"l", "r"}}}));
  Frontier f(dag);
  EXPECT_FALSE(f.Done());
  EXPECT_EQ(f.TakeReady(), Indexes{0});
  EXPECT_EQ(f.TakeReady(), Indexes{});
  EXPECT_EQ(f.states()[0], S::kRunning);
  ASSERT_TRUE(f.Finish(0, S::kCached).ok());
  EXPECT_EQ(f.TakeReady(), (Indexes{1, 2}));
  ASSERT_TRUE(f.Finish(2, S::kSucceeded).ok());
  EXPECT_EQ(f.TakeReady(), Indexes{});
  ASSERT_TRUE(f.Finish(1, S::kSucceeded).ok());
  EXPECT_EQ(f.TakeReady(), Indexes{3});
  EXPECT_FALSE(f.Done());
  ASSERT_TRUE(f.Finish(3, S::kSucceeded).ok());
  EXPECT_TRUE(f.Done());
}

TEST(DagTest, FrontierSkipsDownstreamOfAFailure) {
  // a → b → d, a → c, e independent.
  Dag dag =
      Built(Spec({{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}, {"e", {}}}));
  Frontier f(dag);
  EXPECT_EQ(f.TakeReady(), (Indexes{0, 4}));
  ASSERT_TRUE(f.Finish(0, S::kSucceeded).ok());
  EXPECT_EQ(f.TakeReady(), (Indexes{1, 2}));
  Result<Indexes> skipped = f.Finish(1, S::kFailed);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(*skipped, Indexes{3});
  EXPECT_EQ(f.states()[3], S::kSkipped);
  ASSERT_TRUE(f.Finish(2, S::kSucceeded).ok());
  EXPECT_EQ(f.TakeReady(), Indexes{});  // d stays skipped
  EXPECT_FALSE(f.Done());               // e still running
  Result<Indexes> none = f.Finish(4, S::kCancelled);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(f.Done());
  EXPECT_EQ(f.states(), (std::vector<S>{S::kSucceeded, S::kFailed, S::kSucceeded,
                                        S::kSkipped, S::kCancelled}));
}

TEST(DagTest, FrontierRefusesWhatIsNotRunning) {
  Dag dag = Built(Spec({{"a", {}}, {"b", {"a"}}}));
  Frontier f(dag);
  EXPECT_EQ(f.Finish(0, S::kSucceeded).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.Finish(7, S::kSucceeded).status().code(), StatusCode::kFailedPrecondition);
  f.TakeReady();
  EXPECT_EQ(f.Finish(0, S::kPending).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.Finish(0, S::kRunning).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(f.Finish(0, S::kSucceeded).ok());
  EXPECT_EQ(f.Finish(0, S::kSucceeded).status().code(), StatusCode::kFailedPrecondition);
}

TEST(DagTest, FrontierCancelPending) {
  Dag dag = Built(Spec({{"a", {}}, {"b", {"a"}}, {"c", {}}}));
  Frontier f(dag);
  EXPECT_EQ(f.TakeReady(), (Indexes{0, 2}));
  ASSERT_TRUE(f.Finish(2, S::kSucceeded).ok());
  EXPECT_EQ(f.CancelPending(), Indexes{1});
  EXPECT_FALSE(f.Done());  // a still running
  ASSERT_TRUE(f.Finish(0, S::kSucceeded).ok());
  EXPECT_EQ(f.TakeReady(), Indexes{});  // b was cancelled, not released
  EXPECT_TRUE(f.Done());
}

TEST(DagTest, ThousandStepFanOutFanIn) {
  PipelineSpec spec = FanOutFanIn(998);
  ASSERT_EQ(spec.steps.size(), 1000u);
  Dag dag = Built(spec);
  ASSERT_EQ(dag.Order().size(), 1000u);
  EXPECT_EQ(dag.Order().front(), 0u);
  EXPECT_EQ(dag.Order().back(), 999u);
  EXPECT_EQ(dag.Needs(999).size(), 998u);
  EXPECT_EQ(dag.Dependents(0).size(), 998u);
  EXPECT_EQ(dag.Downstream(0).size(), 999u);

  // Through Ready: every worker at once, then the sink.
  std::vector<S> st(1000, S::kPending);
  EXPECT_EQ(dag.Ready(st), Indexes{0});
  st[0] = S::kSucceeded;
  EXPECT_EQ(dag.Ready(st).size(), 998u);
  for (size_t i = 1; i < 999; ++i) {
    st[i] = S::kSucceeded;
    if (i < 998) {
      ASSERT_EQ(dag.Ready(st).size(), 998u - i);
    }
  }
  EXPECT_EQ(dag.Ready(st), Indexes{999});

  // Through Frontier, one worker failing.
  Frontier f(dag);
  EXPECT_EQ(f.TakeReady(), Indexes{0});
  ASSERT_TRUE(f.Finish(0, S::kSucceeded).ok());
  Indexes workers = f.TakeReady();
  ASSERT_EQ(workers.size(), 998u);
  for (size_t w : workers) {
    Result<Indexes> skipped = f.Finish(w, w == 500 ? S::kFailed : S::kSucceeded);
    ASSERT_TRUE(skipped.ok());
    EXPECT_EQ(*skipped, w == 500 ? Indexes{999} : Indexes{});
  }
  EXPECT_EQ(f.TakeReady(), Indexes{});
  EXPECT_TRUE(f.Done());
}

TEST(DagTest, ThousandStepChainOrders) {
  std::vector<std::pair<std::string, std::vector<std::string>>> steps;
  for (int i = 999; i >= 0; --i) {  // written last step first
    steps.push_back({"s" + std::to_string(i),
                     i ? std::vector<std::string>{"s" + std::to_string(i - 1)}
                       : std::vector<std::string>{}});
  }
  Dag dag = Built(Spec(steps));
  for (size_t k = 0; k < 1000; ++k) ASSERT_EQ(dag.Order()[k], 999 - k);
  // A cycle closing the whole chain is reported with all 1000 steps.
  steps.back().second = {"s999"};
  std::string error = BuildError(Spec(steps));
  EXPECT_EQ(error.rfind("steps form a cycle: s999 → s0 → s1 → ", 0), 0u)
      << error.substr(0, 80);
}

TEST(DagTest, StepStateNames) {
  EXPECT_EQ(StepStateName(S::kPending), "pending");
  EXPECT_EQ(StepStateName(S::kCached), "cached");
  EXPECT_EQ(StepStateName(S::kCancelled), "cancelled");
  EXPECT_TRUE(Completed(S::kCached));
  EXPECT_TRUE(Completed(S::kSucceeded));
  EXPECT_FALSE(Completed(S::kSkipped));
}

}  // namespace
}  // namespace ferry::pipelines
