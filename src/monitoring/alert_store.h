// AlertStore: alert rules, each rule's current state, and the history of
// its transitions, in the metadata store (migration 8).
//
// Record writes a rule's new state and its transition in one transaction;
// a transition that notifies stays `notified = 0` until the notifier has
// taken it, so a crash between the two sends it late, never not at all.
// Thread-safe (the Database is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "monitoring/alert_rule.h"
#include "store/database.h"

namespace ferry::monitoring {

struct AlertStatus {
  std::string rule;
  AlertState state = AlertState::kInactive;
  int64_t since_ms = 0;  // when it entered `state`
  std::optional<double> value;
  std::optional<int64_t> window_start;  // of the newest evaluated window
  std::string model;
  int64_t version = 0;
  std::string error;  // why the rule could not be evaluated; empty when it was
  int64_t evaluated_ms = 0;
};

struct AlertEvent {
  int64_t id = 0;
  std::string rule, deployment, model;
  int64_t version = 0;
  AlertState from = AlertState::kInactive, to = AlertState::kInactive;
  std::string kind;  // "firing", "resolved", "pending", "inactive"
  std::optional<double> value;
  double threshold = 0;
  std::optional<int64_t> window_start;
  int64_t time_ms = 0;
  bool notified = false;
};

class AlertStore {
 public:
  AlertStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Creates or replaces each rule, all in one transaction. A replaced rule
  // keeps its state.
  Status PutRules(const std::vector<AlertRule>& rules);
  Result<std::vector<AlertRule>> Rules();
  Result<AlertRule> Rule(const std::string& name);  // NotFound naming it
  Status DeleteRule(const std::string& name);       // and its state; history stays

  Result<std::vector<AlertStatus>> States();
  // Every rule with its state (inactive and never evaluated when it has none).
  Result<std::vector<std::pair<AlertRule, AlertStatus>>> RulesWithStates();
  // Stores `status`; with `event`, appends the transition (notified = 0 when
  // it notifies, 1 otherwise).
  Status Record(const AlertStatus& status, const AlertEvent* event);
  // Newest first. `rule` empty: every rule.
  Result<std::vector<AlertEvent>> History(const std::string& rule, int64_t limit);
  // Transitions still to notify, oldest first.
  Result<std::vector<AlertEvent>> Unnotified(int64_t limit);
  Status MarkNotified(int64_t event_id);

 private:
  Result<std::vector<AlertEvent>> Events(const std::string& where, const store::SqlParams& params,
                                         const std::string& order, int64_t limit);

  store::Database& db_;
  const Clock& clock_;
};

}  // namespace ferry::monitoring
