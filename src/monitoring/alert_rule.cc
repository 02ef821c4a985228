// Alert rules (alert_rule.h): the rule fields from JSON and YAML, and the
// state machine. The condition grammar is in alert_expression.cc.
#include "monitoring/alert_rule.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <climits>
#include <cmath>
#include <utility>

#include "monitoring/alert_rule_internal.h"

namespace ferry::monitoring {

namespace {

using Json = nlohmann::json;
using alert_internal::IsName;
using alert_internal::IsValidUtf8;
using alert_internal::ParseCondition;
using alert_internal::Shown;

constexpr size_t kMaxDescriptionBytes = 4096;
constexpr size_t kMaxYamlBytes = 4 << 20;
constexpr size_t kMaxRules = 10000;
constexpr int kMaxForWindows = 1000;

// ---- rule fields ----------------------------------------------------------

constexpr std::array<std::string_view, 8> kKeys = {"name",     "deployment", "expr",
                                                   "for",      "min_rows",   "severity",
                                                   "pipeline", "description"};

bool IsIntegerKey(std::string_view key) { return key == "for" || key == "min_rows"; }

std::string KeyList() {
  std::string out;
  for (std::string_view k : kKeys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

// Where each key's value is in the YAML file; null for JSON.
using KeyLines = std::map<std::string, int, std::less<>>;

// Checks one rule's fields; messages start with the key (and its line).
class FieldReader {
 public:
  FieldReader(const Json& j, const KeyLines* lines) : j_(j), lines_(lines) {}

  Status Bad(std::string_view key, const std::string& what) const {
    std::string where = Shown(key);
    if (lines_ != nullptr) {
      auto it = lines_->find(key);
      if (it != lines_->end()) where += " (line " + std::to_string(it->second) + ")";
    }
    return InvalidArgument(where + ": " + what);
  }

  static std::string Describe(const Json& v) {
    if (v.is_object()) return "a map";
    if (v.is_array()) return "a list";
    if (v.is_null()) return "null";
    if (v.is_string()) return "the string " + Shown(v.get_ref<const std::string&>());
    return v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }

  bool Has(const char* key) const { return j_.contains(key); }

  Result<std::string> String(const char* key) const {
    const Json& v = j_.at(key);
    if (!v.is_string()) return Bad(key, "must be a string, got " + Describe(v));
    return v.get<std::string>();
  }

  // [A-Za-z0-9_.-]{1,max_bytes}; deployments also start with a letter or
  // digit (serving's ValidateDeploymentName, which monitoring cannot call).
  Result<std::string> Name(const char* key, size_t max_bytes, bool alnum_first,
                           const char* syntax) const {
    ASSIGN_OR_RETURN(std::string s, String(key));
    bool alnum = !s.empty() && s[0] != '_' && s[0] != '.' && s[0] != '-';
    if (!IsName(s, max_bytes) || (alnum_first && !alnum)) {
      return Bad(key, std::string("must be ") + syntax + ", got " + Shown(s));
    }
    return s;
  }

  Result<int64_t> Integer(const char* key, int64_t lo, int64_t hi,
                          const std::string& range) const {
    const Json& v = j_.at(key);
    bool in_range = v.is_number_integer() &&
                    !(v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX) &&
                    v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
    if (!in_range) {
      return Bad(key, "must be an integer " + range + ", got " + Describe(v));
    }
    return v.get<int64_t>();
  }

 private:
  const Json& j_;
  const KeyLines* lines_;
};

Result<Severity> ParseSeverity(const FieldReader& r) {
  ASSIGN_OR_RETURN(std::string s, r.String("severity"));
  for (Severity v : {Severity::kInfo, Severity::kWarning, Severity::kCritical}) {
    if (s == SeverityName(v)) return v;
  }
  return r.Bad("severity", "must be info, warning or critical, got " + Shown(s));
}

Status ReadExpression(const FieldReader& r, AlertRule* rule) {
  ASSIGN_OR_RETURN(rule->expr, r.String("expr"));
  Result<Condition> c = ParseCondition(rule->expr);
  if (!c.ok()) return r.Bad("expr", c.status().message());
  rule->metric = std::move(c->metric);
  rule->op = c->op;
  rule->threshold = c->threshold;
  return Status::Ok();
}

Status ReadOptional(const FieldReader& r, AlertRule* rule) {
  if (r.Has("for")) {
    ASSIGN_OR_RETURN(int64_t n, r.Integer("for", 1, kMaxForWindows, "from 1 to 1000"));
    rule->for_windows = static_cast<int>(n);
  }
  if (r.Has("min_rows")) {
    ASSIGN_OR_RETURN(rule->min_rows, r.Integer("min_rows", 0, INT64_MAX, ">= 0"));
  }
  if (r.Has("severity")) {
    ASSIGN_OR_RETURN(rule->severity, ParseSeverity(r));
  }
  if (r.Has("pipeline")) {
    ASSIGN_OR_RETURN(rule->pipeline,
                     r.Name("pipeline", 128, false, "1-128 of [A-Za-z0-9_.-]"));
  }
  if (r.Has("description")) {
    ASSIGN_OR_RETURN(rule->description, r.String("description"));
    if (rule->description.size() > kMaxDescriptionBytes) {
      return r.Bad("description", "longer than 4096 bytes");
    }
    if (!IsValidUtf8(rule->description)) return r.Bad("description", "not valid UTF-8");
  }
  return Status::Ok();
}

Result<AlertRule> RuleFromJson(const Json& j, const KeyLines* lines) {
  if (!j.is_object()) {
    return InvalidArgument("must be a map of " + KeyList() + ", got " +
                           FieldReader::Describe(j));
  }
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (std::string_view k : kKeys) known = known || k == key;
    if (!known) {
      return FieldReader(j, lines).Bad(key, "unknown key (known: " + KeyList() + ")");
    }
  }
  for (const char* key : {"name", "deployment", "expr"}) {
    if (!j.contains(key)) {
      return InvalidArgument(std::string("missing required key '") + key + "'");
    }
  }
  FieldReader r(j, lines);
  AlertRule rule;
  ASSIGN_OR_RETURN(rule.name, r.Name("name", 128, false, "1-128 of [A-Za-z0-9_.-]"));
  ASSIGN_OR_RETURN(
      rule.deployment,
      r.Name("deployment", 64, true,
             "a deployment name (1-64 of [A-Za-z0-9_.-], starting alphanumeric)"));
  RETURN_IF_ERROR(ReadExpression(r, &rule));
  RETURN_IF_ERROR(ReadOptional(r, &rule));
  return rule;
}

// ---- YAML -----------------------------------------------------------------

// 1-based; 0 where yaml-cpp has no position (an empty node).
int LineOf(const YAML::Node& node) {
  return node.Mark().is_null() ? 0 : node.Mark().line + 1;
}

// A plain decimal integer as written ("2", "-1"); else nullopt.
std::optional<int64_t> PlainInteger(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// One field's YAML value as the JSON that AlertRuleFromJson checks: string
// fields take any scalar as written, integer fields a plain integer; other
// plain numbers stay numbers so that the error can say "got 1.5".
Json FieldValue(std::string_view key, const YAML::Node& v) {
  if (v.IsMap()) return Json::object();
  if (v.IsSequence()) return Json::array();
  if (!v.IsScalar()) return nullptr;
  const std::string& s = v.Scalar();
  if (!IsIntegerKey(key) || v.Tag() == "!") return s;
  if (std::optional<int64_t> i = PlainInteger(s)) return *i;
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec == std::errc() && end == s.data() + s.size() && std::isfinite(d)) return d;
  return s;
}

Result<Json> RuleYamlToJson(const YAML::Node& node, KeyLines* lines) {
  if (!node.IsMap()) return InvalidArgument("must be a map of " + KeyList());
  Json j = Json::object();
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      return InvalidArgument("line " + std::to_string(LineOf(kv.first)) +
                             ": keys must be names");
    }
    const std::string& key = kv.first.Scalar();
    if (j.contains(key)) {
      return InvalidArgument(Shown(key) + " (line " + std::to_string(LineOf(kv.first)) +
                             "): given twice");
    }
    // An empty value has no position of its own (yaml-cpp gives the next token's).
    (*lines)[key] = LineOf(kv.second.IsNull() ? kv.first : kv.second);
    j[key] = FieldValue(key, kv.second);
  }
  return j;
}

// "rules[2] 'amount-psi' (line 14)"
std::string RulePlace(size_t index, const YAML::Node& node) {
  std::string out = "rules[" + std::to_string(index) + "]";
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (kv.first.IsScalar() && kv.first.Scalar() == "name" && kv.second.IsScalar()) {
        out += " " + Shown(kv.second.Scalar());
        break;
      }
    }
  }
  return out + " (line " + std::to_string(LineOf(node)) + ")";
}

Result<YAML::Node> RulesList(std::string_view yaml) {
  if (yaml.size() > kMaxYamlBytes) {
    return InvalidArgument("rules file: larger than 4 MiB");
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::DeepRecursion& e) {  // its own message is "bad file"
    return InvalidArgument("rules file: line " + std::to_string(e.mark.line + 1) +
                           ": nested too deeply");
  } catch (const YAML::Exception& e) {
    return InvalidArgument("rules file: line " + std::to_string(e.mark.line + 1) + ": " +
                           e.msg);
  }
  if (!root.IsMap()) {
    return InvalidArgument("rules file: expected a map with 'rules:' (a list of rules)");
  }
  YAML::Node rules;
  for (const auto& kv : root) {
    if (kv.first.IsScalar() && kv.first.Scalar() == "rules") {
      rules = kv.second;
    } else {
      std::string key = kv.first.IsScalar() ? Shown(kv.first.Scalar()) : "a non-name key";
      return InvalidArgument("rules file: line " + std::to_string(LineOf(kv.first)) +
                             ": unknown key " + key + " (only 'rules')");
    }
  }
  if (!rules) return InvalidArgument("rules file: missing 'rules:' (a list of rules)");
  if (!rules.IsSequence()) {
    return InvalidArgument("rules file: 'rules' (line " + std::to_string(LineOf(rules)) +
                           ") must be a list of rules");
  }
  if (rules.size() > kMaxRules) {
    return InvalidArgument("rules file: more than 10000 rules");
  }
  return rules;
}

Result<std::vector<AlertRule>> ReadRules(const YAML::Node& list) {
  std::vector<AlertRule> out;
  // name → (index, line)
  std::map<std::string, std::pair<size_t, int>, std::less<>> seen;
  size_t index = 0;
  for (const YAML::Node& node : list) {
    KeyLines lines;
    Result<Json> j = RuleYamlToJson(node, &lines);
    Result<AlertRule> rule =
        j.ok() ? RuleFromJson(*j, &lines) : Result<AlertRule>(j.status());
    if (!rule.ok()) {
      return InvalidArgument(RulePlace(index, node) + ": " + rule.status().message());
    }
    auto [it, inserted] = seen.try_emplace(rule->name, index, LineOf(node));
    if (!inserted) {
      return InvalidArgument(RulePlace(index, node) +
                             ": duplicate name, also used by rules[" +
                             std::to_string(it->second.first) + "] (line " +
                             std::to_string(it->second.second) + ")");
    }
    out.push_back(std::move(rule).value());
    ++index;
  }
  return out;
}

}  // namespace

std::string_view ComparisonSymbol(Comparison op) {
  switch (op) {
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterEqual:
      return ">=";
    case Comparison::kLess:
      return "<";
    case Comparison::kLessEqual:
      return "<=";
  }
  return "?";
}

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "?";
}

Result<AlertRule> AlertRuleFromJson(const nlohmann::json& j) {
  Result<AlertRule> rule = RuleFromJson(j, nullptr);
  if (!rule.ok()) return InvalidArgument("alert rule: " + rule.status().message());
  return rule;
}

nlohmann::json AlertRuleToJson(const AlertRule& rule) {
  Json j = {{"name", rule.name},         {"deployment", rule.deployment},
            {"expr", rule.expr},         {"for", rule.for_windows},
            {"min_rows", rule.min_rows}, {"severity", SeverityName(rule.severity)}};
  if (!rule.pipeline.empty()) j["pipeline"] = rule.pipeline;
  if (!rule.description.empty()) j["description"] = rule.description;
  return j;
}

Result<std::vector<AlertRule>> ParseAlertRulesYaml(std::string_view yaml) {
  ASSIGN_OR_RETURN(YAML::Node list, RulesList(yaml));
  try {
    return ReadRules(list);
  } catch (const YAML::Exception& e) {
    // Not expected: every access above is type-checked.
    return InvalidArgument("rules file: line " + std::to_string(e.mark.line + 1) + ": " +
                           e.msg);
  }
}

bool ConditionHolds(const AlertRule& rule, double value) {
  if (std::isnan(value)) return false;
  switch (rule.op) {
    case Comparison::kGreater:
      return value > rule.threshold;
    case Comparison::kGreaterEqual:
      return value >= rule.threshold;
    case Comparison::kLess:
      return value < rule.threshold;
    case Comparison::kLessEqual:
      return value <= rule.threshold;
  }
  return false;
}

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "?";
}

AlertEvaluation Evaluate(const AlertRule& rule,
                         const std::vector<std::optional<double>>& values) {
  AlertEvaluation e;
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    if (!it->has_value()) continue;  // no value in that window: skipped
    if (!e.value) e.value = **it;
    if (!ConditionHolds(rule, **it) || e.consecutive == INT_MAX) break;
    ++e.consecutive;
  }
  if (e.consecutive > 0 && e.consecutive >= rule.for_windows) {
    e.state = AlertState::kFiring;
  } else if (e.consecutive > 0) {
    e.state = AlertState::kPending;
  }
  return e;
}

std::optional<AlertTransition> Transition(AlertState before, AlertState after) {
  if (before == after) return std::nullopt;
  AlertTransition t{before, after, false, AlertStateName(after)};
  if (after == AlertState::kFiring) {
    t.notify = true;
  } else if (before == AlertState::kFiring) {
    t.notify = true;
    t.kind = "resolved";
  }
  return t;
}

}  // namespace ferry::monitoring
