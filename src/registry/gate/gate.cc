#include "registry/gate/gate.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace ferry::registry {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxPolicyBytes = 64 * 1024;
constexpr int kMaxFlowDepth = 32;

// "line L, column C: " for a node (1-based).
std::string At(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1) + ": ";
}

Status Bad(const YAML::Node& node, const std::string& what) {
  return InvalidArgument("invalid gate policy at " + At(node.Mark()) + what);
}

// yaml-cpp parses flow collections recursively; a hostile "[[[[…" must not
// reach it. Counts [ and { depth outside quoted scalars.
Status CheckFlowDepth(std::string_view text) {
  int depth = 0;
  char quote = 0;
  size_t line = 1, column = 0;
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
    }
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (depth > kMaxFlowDepth) {
      return InvalidArgument("invalid gate policy at line " + std::to_string(line) +
                             ", column " + std::to_string(column) + ": nested deeper than " +
                             std::to_string(kMaxFlowDepth) + " levels");
    }
  }
  return Status::Ok();
}

Status CheckKeys(const YAML::Node& map, std::initializer_list<const char*> allowed,
                 const std::string& where) {
  if (!map.IsMap()) return Bad(map, where + " must be a mapping");
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    bool known = std::any_of(allowed.begin(), allowed.end(),
                             [&](const char* k) { return key == k; });
    if (!known) {
      std::string list;
      for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      return Bad(kv.first, "unknown key '" + key + "' in " + where + " (expected " + list + ")");
    }
  }
  return Status::Ok();
}

Result<std::string> ScalarText(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) return Bad(node, "'" + field + "' must be a string");
  return node.Scalar();
}

Result<double> Number(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) return Bad(node, "'" + field + "' must be a number");
  double value = 0;
  try {
    value = node.as<double>();
  } catch (const YAML::Exception&) {
    return Bad(node, "'" + field + "' must be a number, got '" + node.Scalar().substr(0, 64) + "'");
  }
  if (!std::isfinite(value)) return Bad(node, "'" + field + "' must be finite");
  return value;
}

Result<bool> Boolean(const YAML::Node& node, const std::string& field) {
  try {
    if (node.IsScalar()) return node.as<bool>();
  } catch (const YAML::Exception&) {
  }
  return Bad(node, "'" + field + "' must be true or false");
}

Result<std::string> MetricName(const YAML::Node& rule, const std::string& where) {
  if (!rule["metric"]) return Bad(rule, where + " needs 'metric'");
  ASSIGN_OR_RETURN(std::string metric, ScalarText(rule["metric"], "metric"));
  if (metric.empty()) return Bad(rule["metric"], "'metric' must not be empty");
  return metric;
}

Result<CompareRule> ParseCompare(const YAML::Node& node) {
  RETURN_IF_ERROR(CheckKeys(
      node, {"metric", "direction", "min_delta", "min_relative", "allow_equal", "slice"},
      "a compare rule"));
  CompareRule rule;
  ASSIGN_OR_RETURN(rule.metric, MetricName(node, "a compare rule"));
  if (node["slice"]) {
    ASSIGN_OR_RETURN(rule.slice, ScalarText(node["slice"], "slice"));
  }
  if (node["direction"]) {
    ASSIGN_OR_RETURN(std::string dir, ScalarText(node["direction"], "direction"));
    if (dir == "higher") {
      rule.direction = Direction::kHigher;
    } else if (dir == "lower") {
      rule.direction = Direction::kLower;
    } else {
      return Bad(node["direction"], "'direction' must be higher or lower, got '" + dir + "'");
    }
  }
  for (auto [field, out] : {std::pair{"min_delta", &rule.min_delta},
                            std::pair{"min_relative", &rule.min_relative}}) {
    if (!node[field]) continue;
    ASSIGN_OR_RETURN(*out, Number(node[field], field));
    if (*out < 0) return Bad(node[field], std::string("'") + field + "' must not be negative");
  }
  if (node["allow_equal"]) {
    ASSIGN_OR_RETURN(rule.allow_equal, Boolean(node["allow_equal"], "allow_equal"));
  }
  return rule;
}

constexpr std::pair<const char*, ThresholdOp> kOps[] = {
    {"<", ThresholdOp::kLt},  {"<=", ThresholdOp::kLe}, {">", ThresholdOp::kGt},
    {">=", ThresholdOp::kGe}, {"==", ThresholdOp::kEq}, {"!=", ThresholdOp::kNe},
};

const char* OpText(ThresholdOp op) {
  for (const auto& [text, o] : kOps) {
    if (o == op) return text;
  }
  return "?";
}

Result<ThresholdRule> ParseThreshold(const YAML::Node& node) {
  RETURN_IF_ERROR(CheckKeys(node, {"metric", "op", "value", "slice"}, "a threshold"));
  ThresholdRule rule;
  ASSIGN_OR_RETURN(rule.metric, MetricName(node, "a threshold"));
  if (node["slice"]) {
    ASSIGN_OR_RETURN(rule.slice, ScalarText(node["slice"], "slice"));
  }
  if (!node["op"]) return Bad(node, "a threshold needs 'op'");
  ASSIGN_OR_RETURN(std::string op, ScalarText(node["op"], "op"));
  auto it = std::find_if(std::begin(kOps), std::end(kOps),
                         [&](const auto& entry) { return op == entry.first; });
  if (it == std::end(kOps)) {
    return Bad(node["op"], "'op' must be one of < <= > >= == !=, got '" + op + "'");
  }
  rule.op = it->second;
  if (!node["value"]) return Bad(node, "a threshold needs 'value'");
  ASSIGN_OR_RETURN(rule.value, Number(node["value"], "value"));
  return rule;
}

template <typename Rule>
Status ParseList(const YAML::Node& list, const char* field, Result<Rule> (*parse)(const YAML::Node&),
                 std::vector<Rule>& out) {
  if (!list) return Status::Ok();
  if (!list.IsSequence()) return Bad(list, std::string("'") + field + "' must be a list");
  for (const auto& item : list) {
    ASSIGN_OR_RETURN(Rule rule, parse(item));
    out.push_back(std::move(rule));
  }
  return Status::Ok();
}

Result<GatePolicy> FromYaml(const YAML::Node& root) {
  RETURN_IF_ERROR(CheckKeys(root, {"compare", "thresholds", "approval"}, "the policy"));
  GatePolicy policy;
  RETURN_IF_ERROR(ParseList(root["compare"], "compare", ParseCompare, policy.compare));
  RETURN_IF_ERROR(ParseList(root["thresholds"], "thresholds", ParseThreshold, policy.thresholds));
  if (root["approval"]) {
    ASSIGN_OR_RETURN(std::string approval, ScalarText(root["approval"], "approval"));
    if (approval == "automatic") {
      policy.approval = Approval::kAutomatic;
    } else if (approval == "manual") {
      policy.approval = Approval::kManual;
    } else {
      return Bad(root["approval"], "'approval' must be automatic or manual, got '" + approval + "'");
    }
  }
  if (policy.compare.empty() && policy.thresholds.empty()) {
    return Bad(root, "a policy needs at least one compare rule or threshold");
  }
  return policy;
}

std::string Num(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

Json OptionalNumber(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? Json(*v) : Json(nullptr);
}

std::optional<double> Lookup(const MetricValues& values, const std::string& key) {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::string CompareRequirement(const CompareRule& r) {
  std::string text = r.direction == Direction::kHigher ? "higher than champion" : "lower than champion";
  if (r.allow_equal) text = (r.direction == Direction::kHigher ? "at least" : "at most") +
                            std::string(" champion");
  if (r.min_delta > 0) text += " by >= " + Num(r.min_delta) + " (abs)";
  if (r.min_relative > 0) {
    text += (r.min_delta > 0 ? " and >= " : " by >= ") + Num(r.min_relative * 100) + "% (rel)";
  }
  return text;
}

GateRow EvaluateCompare(const CompareRule& rule, const std::optional<MetricValues>& champion,
                        const MetricValues& challenger) {
  GateRow row;
  row.rule = "compare";
  row.metric = MetricKey(rule.metric, rule.slice);
  row.requirement = CompareRequirement(rule);
  row.challenger = Lookup(challenger, row.metric);
  if (!row.challenger) {
    row.note = "challenger has no value";
    return row;
  }
  if (std::isnan(*row.challenger)) {
    row.note = "challenger value is NaN";
    return row;
  }
  if (!champion) {
    row.passed = true;
    row.note = "no champion";
    return row;
  }
  row.champion = Lookup(*champion, row.metric);
  if (!row.champion || std::isnan(*row.champion)) {
    row.note = "champion has no value";
    return row;
  }
  double gain = rule.direction == Direction::kHigher ? *row.challenger - *row.champion
                                                     : *row.champion - *row.challenger;
  bool better = gain > 0 || (rule.allow_equal && gain == 0);
  row.passed = better && gain >= rule.min_delta &&
               gain >= rule.min_relative * std::fabs(*row.champion);
  if (!row.passed) row.note = gain > 0 ? "improvement below the margin" : "not better";
  return row;
}

bool Holds(double value, ThresholdOp op, double bound) {
  switch (op) {
    case ThresholdOp::kLt: return value < bound;
    case ThresholdOp::kLe: return value <= bound;
    case ThresholdOp::kGt: return value > bound;
    case ThresholdOp::kGe: return value >= bound;
    case ThresholdOp::kEq: return value == bound;
    case ThresholdOp::kNe: return value != bound;
  }
  return false;
}

GateRow EvaluateThreshold(const ThresholdRule& rule, const MetricValues& challenger) {
  GateRow row;
  row.rule = "threshold";
  row.metric = MetricKey(rule.metric, rule.slice);
  row.requirement = std::string(OpText(rule.op)) + " " + Num(rule.value);
  row.challenger = Lookup(challenger, row.metric);
  if (!row.challenger) {
    row.note = "challenger has no value";
  } else if (std::isnan(*row.challenger)) {
    row.note = "challenger value is NaN";
  } else {
    row.passed = Holds(*row.challenger, rule.op, rule.value);
  }
  return row;
}

}  // namespace

Result<GatePolicy> ParseGatePolicy(std::string_view text) {
  if (text.size() > kMaxPolicyBytes) {
    return InvalidArgument("invalid gate policy: larger than " + std::to_string(kMaxPolicyBytes) +
                           " bytes");
  }
  RETURN_IF_ERROR(CheckFlowDepth(text));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("invalid gate policy at " + At(e.mark) + e.msg);
  }
  try {
    return FromYaml(root);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("invalid gate policy at " + At(e.mark) + e.msg);
  }
}

std::string MetricKey(const std::string& metric, const std::string& slice) {
  return slice.empty() ? metric : metric + "/" + slice;
}

std::string GatePolicyToJson(const GatePolicy& policy) {
  Json compare = Json::array();
  for (const CompareRule& r : policy.compare) {
    Json rule = {{"metric", r.metric},
                 {"direction", r.direction == Direction::kHigher ? "higher" : "lower"},
                 {"min_delta", r.min_delta},
                 {"min_relative", r.min_relative},
                 {"allow_equal", r.allow_equal}};
    if (!r.slice.empty()) rule["slice"] = r.slice;
    compare.push_back(std::move(rule));
  }
  Json thresholds = Json::array();
  for (const ThresholdRule& r : policy.thresholds) {
    Json rule = {{"metric", r.metric}, {"op", OpText(r.op)}, {"value", r.value}};
    if (!r.slice.empty()) rule["slice"] = r.slice;
    thresholds.push_back(std::move(rule));
  }
  return Json{{"compare", compare},
              {"thresholds", thresholds},
              {"approval", policy.approval == Approval::kManual ? "manual" : "automatic"}}
      .dump();
}

std::vector<std::string> ReferencedMetrics(const GatePolicy& policy) {
  std::set<std::string> keys;
  for (const auto& r : policy.compare) keys.insert(MetricKey(r.metric, r.slice));
  for (const auto& r : policy.thresholds) keys.insert(MetricKey(r.metric, r.slice));
  return {keys.begin(), keys.end()};
}

GateDecision EvaluateGate(const GatePolicy& policy, const std::optional<MetricValues>& champion,
                          const MetricValues& challenger) {
  GateDecision decision;
  decision.needs_approval = policy.approval == Approval::kManual;
  for (const auto& rule : policy.compare) {
    decision.rows.push_back(EvaluateCompare(rule, champion, challenger));
  }
  for (const auto& rule : policy.thresholds) {
    decision.rows.push_back(EvaluateThreshold(rule, challenger));
  }
  decision.passed = std::all_of(decision.rows.begin(), decision.rows.end(),
                                [](const GateRow& row) { return row.passed; });
  return decision;
}

std::string GateDecisionToJson(const GateDecision& decision) {
  Json rows = Json::array();
  for (const GateRow& row : decision.rows) {
    rows.push_back({{"rule", row.rule},
                    {"metric", row.metric},
                    {"champion", OptionalNumber(row.champion)},
                    {"challenger", OptionalNumber(row.challenger)},
                    {"requirement", row.requirement},
                    {"passed", row.passed},
                    {"note", row.note}});
  }
  return Json{{"passed", decision.passed},
              {"needs_approval", decision.needs_approval},
              {"rows", rows}}
      .dump();
}

}  // namespace ferry::registry
