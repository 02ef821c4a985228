// Alert rules on a deployment's monitoring windows: the rule format, the
// condition grammar, and the inactive → pending → firing state machine.
// Pure: no I/O, no clock, no store. Whoever schedules evaluations reads the
// windows, extracts the metric, and stores the state and transitions.
//
// A rules file (YAML; the API takes one rule as the same JSON object):
//
//   rules:
//     - name: amount-psi         # [A-Za-z0-9_.-]{1,128}, unique in the file
//       deployment: fraud        # required: 1-64 of [A-Za-z0-9_.-], alphanumeric first
//       expr: "psi(feature=amount) > 0.2"
//       for: 2                   # consecutive windows, 1..1000 (default 1)
//       min_rows: 100            # smaller windows are not evaluated (default 50, >= 0)
//       severity: warning        # info | warning | critical (default warning)
//       pipeline: retrain-fraud  # optional: run when the rule fires (name syntax)
//       description: free text   # optional, at most 4096 bytes
//
// Unknown keys, wrong types (`for: 1.5`, `for: "2"`, `name: [a]`) and
// repeated keys are rejected, naming them. In YAML an integer field takes a
// plain decimal integer; a string field takes any scalar as written.
//
// The condition (`expr`, at most 4096 bytes):
//
//   expr   := METRIC [ '(' ARG '=' VALUE { ',' ARG '=' VALUE } ')' ] OP NUMBER
//   METRIC, ARG := [A-Za-z_][A-Za-z0-9_]*
//   VALUE  := [A-Za-z0-9_.\-\[\]]+  |  '"' { any char but " and \ | '\"' | '\\' } '"'
//   OP     := '>' | '>=' | '<' | '<='
//   NUMBER := [+-] digits [ '.' digits ] [ (e|E) [+-] digits ] [ '%' ]   (either side
//             of the '.' may be empty, not both; '%' divides by 100; must be finite)
//
// Whitespace (space, tab, CR, LF) may appear between any two tokens. Errors
// name the 1-based column (in characters) and what was expected there.
//
// Metrics and their arguments (every argument is `feature` or `output`):
//   dataset_drift_share                share of drifted columns
//   dataset_drift                      1 when the dataset drifts, else 0
//   drift_score(feature=X)             the column's test score (p-value or distance)
//   drifted(feature=X)                 1 when the column drifts, else 0
//   ks, chisquare, z, psi, kl_div, jensenshannon, wasserstein, hellinger,
//   anderson, cramer_von_mises (feature=X)   that test's statistic on the column
//   prediction_drift [(output=X)]      drift score of the model output column(s)
//   missing_share(feature=X)           share of missing values in the column
//   rows                               rows in the window
//   accuracy, precision, recall, f1, roc_auc (alias auc), log_loss, ece, mae,
//   rmse, r2                           performance against ground truth
//   label_delay_p50                    median label delay, seconds
//   error_rate                         share of failed requests
//
// Evaluation. The caller passes the metric's values on the rule's most recent
// evaluable windows (rows >= min_rows; filtering is the caller's job), oldest
// first, nullopt where a window has no value for the metric (no labels yet).
// Windows without a value are skipped: they neither confirm nor clear an
// alert, so a firing rule stays firing while its labels are late. A NaN value
// is a value that never holds: it breaks a run. Let `consecutive` be the
// number of newest values that hold in a row:
//   firing   when consecutive >= for
//   pending  when 1 <= consecutive < for
//   inactive otherwise (no values, or the newest value does not hold)
// With for = 1 a rule goes straight from inactive to firing.
//
// Thread safety: every function is pure and reentrant; the types are plain
// values (thread-compatible).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ferry::monitoring {

// A metric with its arguments, e.g. {"psi", {{"feature", "amount"}}}. The
// name is canonical ("auc" is stored as "roc_auc").
struct MetricRef {
  std::string name;
  std::map<std::string, std::string> args;

  bool operator==(const MetricRef&) const = default;
};

enum class Comparison { kGreater, kGreaterEqual, kLess, kLessEqual };
enum class Severity { kInfo, kWarning, kCritical };

std::string_view ComparisonSymbol(Comparison op);  // ">", ">=", "<", "<="
std::string_view SeverityName(Severity severity);  // "info", "warning", "critical"

// A parsed `expr`.
struct Condition {
  MetricRef metric;
  Comparison op = Comparison::kGreater;
  double threshold = 0;  // after '%' scaling

  bool operator==(const Condition&) const = default;
};

struct AlertRule {
  std::string name, deployment;
  std::string expr;  // as written, for display; metric, op, threshold come from it
  MetricRef metric;
  Comparison op = Comparison::kGreater;
  double threshold = 0;
  int for_windows = 1;
  int64_t min_rows = 50;
  Severity severity = Severity::kWarning;
  std::string pipeline;  // empty: none
  std::string description;

  bool operator==(const AlertRule&) const = default;
};

// Parses a condition. Errors (InvalidArgument) name the column and what was
// expected: "expr: column 16: expected a comparison ('>', '>=', '<' or '<='),
// got '=>'". An unknown metric or argument is named with the allowed ones.
Result<Condition> ParseExpression(std::string_view expr);

// One rule from a JSON object with the YAML keys ("for", not "for_windows").
// Errors name the field: "'for': must be an integer from 1 to 1000, got 1.5".
Result<AlertRule> AlertRuleFromJson(const nlohmann::json& j);

// The rule as AlertRuleFromJson takes it; "pipeline" and "description" are
// left out when empty. AlertRuleFromJson(AlertRuleToJson(r)) == r.
nlohmann::json AlertRuleToJson(const AlertRule& rule);

// A rules file: a map whose only key is `rules`, a list (possibly empty) of
// rule maps. Documents over 4 MiB or with more than 10000 rules are refused.
// Errors name the rule's index, its name if it has one, and its YAML line:
// "rules[2] 'amount-psi' (line 14): 'for' (line 17): must be an integer ...".
// Duplicate names are rejected, naming both rules.
Result<std::vector<AlertRule>> ParseAlertRulesYaml(std::string_view yaml);

// `value OP threshold`; false for NaN.
bool ConditionHolds(const AlertRule& rule, double value);

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState state);  // "inactive", "pending", "firing"

struct AlertEvaluation {
  AlertState state = AlertState::kInactive;
  std::optional<double> value;  // the newest value present; nullopt when none
  int consecutive = 0;          // newest values holding in a row (not capped at `for`)
};

// One evaluation (semantics above).
AlertEvaluation Evaluate(const AlertRule& rule,
                         const std::vector<std::optional<double>>& values);

// A state change worth recording. kind: "firing" (entered firing), "resolved"
// (left firing), else the new state's name ("pending", "inactive"). Only
// "firing" and "resolved" notify.
struct AlertTransition {
  AlertState from = AlertState::kInactive;
  AlertState to = AlertState::kInactive;
  bool notify = false;
  std::string_view kind;  // static storage
};

// nullopt when the state did not change.
std::optional<AlertTransition> Transition(AlertState before, AlertState after);

}  // namespace ferry::monitoring
