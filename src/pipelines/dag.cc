// The step DAG (dag.h): Kahn's algorithm with a min-heap for a stable
// topological order, and the cycle that is left when it stalls.
#include "pipelines/dag.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <string>
#include <unordered_map>

namespace ferry::pipelines {

namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Steps left with unplaced needs each keep a need among them, so walking
// needs from any of them must come back to a step already walked: that loop
// is a cycle. Returned in run order (reverse of the walk), starting at its
// lowest index.
std::vector<size_t> FindCycle(const std::vector<std::vector<size_t>>& needs,
                              const std::vector<size_t>& unplaced) {
  std::vector<size_t> walk;
  std::vector<size_t> position(needs.size(), SIZE_MAX);
  size_t at = SIZE_MAX;
  for (size_t i = 0; i < needs.size() && at == SIZE_MAX; ++i) {
    if (unplaced[i] > 0) at = i;
  }
  while (position[at] == SIZE_MAX) {
    position[at] = walk.size();
    walk.push_back(at);
    for (size_t need : needs[at]) {
      if (unplaced[need] > 0) {
        at = need;
        break;
      }
    }
  }
  std::vector<size_t> cycle(walk.begin() + static_cast<std::ptrdiff_t>(position[at]),
                            walk.end());
  std::reverse(cycle.begin(), cycle.end());
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  return cycle;
}

Status CycleError(const PipelineSpec& spec, const std::vector<size_t>& cycle) {
  std::string names, lines;
  for (size_t i : cycle) {
    names += spec.steps[i].name + " → ";
    lines += (lines.empty() ? "" : ", ") + std::to_string(spec.steps[i].line);
  }
  names += spec.steps[cycle.front()].name;
  return InvalidArgument("steps form a cycle: " + names + " (line" +
                         (cycle.size() > 1 ? "s " : " ") + lines + ")");
}

// needs as indexes, sorted and unique; errors name the step and its line.
Result<std::vector<std::vector<size_t>>> IndexNeeds(const PipelineSpec& spec) {
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(spec.steps.size());
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const StepSpec& s = spec.steps[i];
    if (!index.emplace(s.name, i).second) {
      return InvalidArgument("step " + Quoted(s.name) + " (line " +
                             std::to_string(s.line) + "): name used twice");
    }
  }
  std::vector<std::vector<size_t>> needs(spec.steps.size());
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const StepSpec& s = spec.steps[i];
    for (const std::string& name : s.needs) {
      auto it = index.find(name);
      if (it == index.end()) {
        return InvalidArgument("step " + Quoted(s.name) + " (line " +
                               std::to_string(s.line) + "): needs " + Quoted(name) +
                               ", which is not a step");
      }
      needs[i].push_back(it->second);
    }
    std::sort(needs[i].begin(), needs[i].end());
    needs[i].erase(std::unique(needs[i].begin(), needs[i].end()), needs[i].end());
  }
  return needs;
}

// Every step reachable from `step` along `edges`, ascending, without `step`
// (unless on a cycle, which Build rules out).
std::vector<size_t> Reach(const std::vector<std::vector<size_t>>& edges, size_t step) {
  std::vector<bool> seen(edges.size(), false);
  std::vector<size_t> out;
  std::vector<size_t> todo = {step};
  while (!todo.empty()) {
    size_t at = todo.back();
    todo.pop_back();
    for (size_t next : edges[at]) {
      if (seen[next]) continue;
      seen[next] = true;
      out.push_back(next);
      todo.push_back(next);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string_view StepStateName(StepState state) {
  switch (state) {
    case StepState::kPending:
      return "pending";
    case StepState::kRunning:
      return "running";
    case StepState::kSucceeded:
      return "succeeded";
    case StepState::kCached:
      return "cached";
    case StepState::kFailed:
      return "failed";
    case StepState::kSkipped:
      return "skipped";
    case StepState::kCancelled:
      return "cancelled";
  }
  return "?";
}

Result<Dag> Dag::Build(const PipelineSpec& spec) {
  Dag dag;
  ASSIGN_OR_RETURN(dag.needs_, IndexNeeds(spec));
  const size_t n = dag.needs_.size();
  dag.dependents_.resize(n);
  std::vector<size_t> unplaced(n);
  for (size_t i = 0; i < n; ++i) {
    unplaced[i] = dag.needs_[i].size();
    for (size_t need : dag.needs_[i]) dag.dependents_[need].push_back(i);  // ascending i
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (unplaced[i] == 0) ready.push(i);
  }
  dag.order_.reserve(n);
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    dag.order_.push_back(i);
    for (size_t d : dag.dependents_[i]) {
      if (--unplaced[d] == 0) ready.push(d);
    }
  }
  if (dag.order_.size() < n) return CycleError(spec, FindCycle(dag.needs_, unplaced));
  return dag;
}

std::vector<size_t> Dag::Ready(const std::vector<StepState>& states) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < size() && i < states.size(); ++i) {
    if (states[i] != StepState::kPending) continue;
    bool ready = std::all_of(needs_[i].begin(), needs_[i].end(), [&](size_t need) {
      return need < states.size() && Completed(states[need]);
    });
    if (ready) out.push_back(i);
  }
  return out;
}

std::vector<size_t> Dag::Downstream(size_t step) const {
  return Reach(dependents_, step);
}

std::vector<size_t> Dag::Upstream(size_t step) const { return Reach(needs_, step); }

// ---- Frontier -------------------------------------------------------------

Frontier::Frontier(const Dag& dag)
    : dag_(dag),
      states_(dag.size(), StepState::kPending),
      unmet_(dag.size()),
      open_(dag.size()) {
  for (size_t i = 0; i < dag.size(); ++i) {
    unmet_[i] = dag.Needs(i).size();
    if (unmet_[i] == 0) ready_.push_back(i);
  }
}

std::vector<size_t> Frontier::TakeReady() {
  std::vector<size_t> out;
  out.swap(ready_);
  std::sort(out.begin(), out.end());
  for (size_t i : out) states_[i] = StepState::kRunning;
  return out;
}

Result<std::vector<size_t>> Frontier::Finish(size_t step, StepState state) {
  if (step >= states_.size() || states_[step] != StepState::kRunning) {
    return FailedPrecondition("step " + std::to_string(step) + " is not running");
  }
  if (state == StepState::kPending || state == StepState::kRunning) {
    return FailedPrecondition("Finish needs an end state, got " +
                              std::string(StepStateName(state)));
  }
  states_[step] = state;
  --open_;
  std::vector<size_t> skipped;
  if (Completed(state)) {
    for (size_t d : dag_.Dependents(step)) {
      if (--unmet_[d] == 0 && states_[d] == StepState::kPending) ready_.push_back(d);
    }
    return skipped;
  }
  // Every transitive dependent is still pending (each waits on `step`);
  // marking them skipped as they are reached keeps each visited once.
  std::vector<size_t> todo = {step};
  while (!todo.empty()) {
    size_t at = todo.back();
    todo.pop_back();
    for (size_t d : dag_.Dependents(at)) {
      if (states_[d] != StepState::kPending) continue;
      states_[d] = StepState::kSkipped;
      --open_;
      skipped.push_back(d);
      todo.push_back(d);
    }
  }
  std::sort(skipped.begin(), skipped.end());
  return skipped;
}

std::vector<size_t> Frontier::CancelPending() {
  std::vector<size_t> out;
  for (size_t i = 0; i < states_.size(); ++i) {
    if (states_[i] != StepState::kPending) continue;
    states_[i] = StepState::kCancelled;
    --open_;
    out.push_back(i);
  }
  ready_.clear();
  return out;
}

}  // namespace ferry::pipelines
