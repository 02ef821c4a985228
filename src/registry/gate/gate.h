// Evaluation gate: a declarative policy that decides whether a challenger
// model version may replace the champion, from their logged metrics.
//
// Policy (YAML or JSON; the format is documented in docs/registry-gates.md):
//
//   compare:                      # the challenger must beat the champion
//     - metric: auc               # a metric key of the version's source run
//       direction: higher         # higher | lower: which way is better
//       min_delta: 0.01           # optional, absolute margin (default 0)
//       min_relative: 0.02        # optional, relative margin (fraction of
//                                 # |champion|); both given: both must hold
//       allow_equal: false        # optional: a tie passes (default false)
//       slice: "country=DE"       # optional: compares metric key
//                                 # "auc/country=DE" instead of "auc"
//   thresholds:                   # hard limits on the challenger alone
//     - metric: latency_p95_ms
//       op: "<="                  # < <= > >= == !=
//       value: 5
//       slice: ...                # optional, as above
//   approval: automatic           # automatic | manual (default automatic)
//
// Evaluation: every rule yields one row of the evidence table; the decision
// passes when every row passes. A missing or NaN challenger metric fails
// its row. A compare rule whose champion value is missing or NaN fails
// (note "champion has no value") unless there is no champion at all, in
// which case compare rows pass with note "no champion".
//
// A compare row with both values, where d = challenger - champion for
// direction higher and d = champion - challenger for lower, passes when
//   d >= min_delta  AND  d >= min_relative * |champion|
//   AND (d > 0  OR  (allow_equal AND d == 0)).
// So a tie passes only with allow_equal and margins that allow 0, and the
// relative margin uses |champion|, which keeps it meaningful for negative
// metrics (a log-likelihood of -2 needs -1 to clear a 50% margin). A zero
// min_relative is not applied at all (0 * |inf| would be NaN). Threshold
// rows compare the challenger value with `value` under `op`.
//
// Thread-safe (pure functions, no shared state).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ferry::registry {

enum class Direction { kHigher, kLower };
enum class ThresholdOp { kLt, kLe, kGt, kGe, kEq, kNe };
enum class Approval { kAutomatic, kManual };

struct CompareRule {
  std::string metric;
  std::string slice;  // empty: none
  Direction direction = Direction::kHigher;
  double min_delta = 0;
  double min_relative = 0;
  bool allow_equal = false;

  friend bool operator==(const CompareRule&, const CompareRule&) = default;
};

struct ThresholdRule {
  std::string metric;
  std::string slice;
  ThresholdOp op = ThresholdOp::kGe;
  double value = 0;

  friend bool operator==(const ThresholdRule&, const ThresholdRule&) = default;
};

struct GatePolicy {
  std::vector<CompareRule> compare;
  std::vector<ThresholdRule> thresholds;
  Approval approval = Approval::kAutomatic;

  friend bool operator==(const GatePolicy&, const GatePolicy&) = default;
};

// Parses YAML (JSON is YAML). kInvalidArgument with "line L, column C: ..."
// (1-based) naming the field for malformed text, unknown or duplicate
// keys, wrong types, unknown enum words, non-finite numbers, negative
// margins, empty metric names, and a policy with no rule at all (also an
// empty text). Numbers and booleans must be unquoted; booleans are
// true/false only. Hostile input is refused the same way: text over 64 KiB,
// nesting deeper than 8 levels, YAML anchors or aliases, a second YAML
// document, and text that is not UTF-8. Never throws.
Result<GatePolicy> ParseGatePolicy(std::string_view text);

// Canonical JSON text of a policy (stored with the model): keys sorted,
// every compare field written, slice only when set. For a parsed policy,
// ParseGatePolicy(GatePolicyToJson(p)) == p.
std::string GatePolicyToJson(const GatePolicy& policy);

// The metric keys the policy reads ("auc", "auc/country=DE"), sorted,
// without duplicates: checked at write time against known metrics.
std::vector<std::string> ReferencedMetrics(const GatePolicy& policy);

// The metric key a rule reads: metric, or metric + "/" + slice.
std::string MetricKey(const std::string& metric, const std::string& slice);

using MetricValues = std::map<std::string, double>;  // key -> value (NaN allowed)

struct GateRow {
  std::string rule;                  // "compare" or "threshold"
  std::string metric;                // the metric key read
  std::optional<double> champion;    // compare rows with a champion value
  std::optional<double> challenger;  // absent when missing
  // Human-readable, e.g. "higher than champion by >= 0.01 (abs) and >= 2%
  // (rel)", "lower than or equal to champion", "<= 5".
  std::string requirement;
  bool passed = false;
  std::string note;  // why it failed or passed vacuously; empty otherwise
};

struct GateDecision {
  bool passed = false;
  bool needs_approval = false;  // policy says manual (even when passed)
  std::vector<GateRow> rows;    // compare rows in policy order, then thresholds
};

// `champion` is nullopt when the model has no champion yet. Notes on
// failing rows: "challenger has no value", "challenger value is NaN",
// "champion has no value", "not better than champion", "equal to champion",
// "improvement below the margin"; on a vacuous pass: "no champion".
GateDecision EvaluateGate(const GatePolicy& policy,
                          const std::optional<MetricValues>& champion,
                          const MetricValues& challenger);

// The decision as JSON: {"passed":..,"needs_approval":..,"rows":[{"rule",
// "metric","champion","challenger","requirement","passed","note"}]}, with
// missing and non-finite values as null.
std::string GateDecisionToJson(const GateDecision& decision);

}  // namespace ferry::registry
