#include "registry/gate/gate.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/text.h"

namespace ferry::registry {
namespace {

using Json = nlohmann::json;

// A real policy is a few dozen lines; the cap bounds parse time and memory.
constexpr size_t kMaxPolicyBytes = 64 * 1024;
// A valid policy nests three levels (policy, rule list, rule). yaml-cpp
// parses nesting by recursion, so hostile depth is stopped well before it.
constexpr int kMaxNesting = 8;
// User text echoed in an error message is cut to this many bytes.
constexpr size_t kMaxEcho = 64;

const char kEmptyPolicy[] =
    "a policy needs at least one rule under 'compare' or 'thresholds'";

// ---------------------------------------------------------------------------
// Error positions

// yaml-cpp marks are 0-based and may be null; every error still names a
// position so a user can find it (a null mark reads as the start).
std::string Position(const YAML::Mark& mark) {
  int line = mark.is_null() ? 0 : mark.line;
  int column = mark.is_null() ? 0 : mark.column;
  return "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1);
}

Status BadAt(const YAML::Mark& mark, const std::string& what) {
  return InvalidArgument("invalid gate policy at " + Position(mark) + ": " + what);
}

Status Bad(const YAML::Node& node, const std::string& what) {
  return BadAt(node.Mark(), what);
}

std::string Echo(const std::string& text) {
  return "'" + (text.size() > kMaxEcho ? text.substr(0, kMaxEcho) + "..." : text) + "'";
}

std::string Quoted(const std::string& field) { return "'" + field + "'"; }

// ---------------------------------------------------------------------------
// Shape check: runs on the parser's events before any tree is built.

// Refuses what no policy needs and a hostile document would use: anchors
// and aliases (a "billion laughs" document grows exponentially for whoever
// walks its tree), nesting deep enough to exhaust yaml-cpp's recursive
// parser, text that is not UTF-8 (it could not be stored as JSON), and a
// second document (it would be silently ignored).
class ShapeCheck : public YAML::EventHandler {
 public:
  int documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      Refuse(mark, "a policy is a single YAML document; found a second");
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    NoAnchor(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    Refuse(mark, "YAML aliases (*name) are not allowed in a gate policy");
  }
  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    Refuse(mark, "YAML anchors (&" + name.substr(0, kMaxEcho) +
                     ") are not allowed in a gate policy");
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    NoAnchor(mark, anchor);
    if (!IsValidUtf8(value)) Refuse(mark, "text is not valid UTF-8");
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Enter(mark, anchor);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Enter(mark, anchor);
  }
  void OnMapEnd() override { --depth_; }

 private:
  // Throwing is the only way to stop yaml-cpp's parser midway;
  // ParseGatePolicy catches it like any other parse error.
  [[noreturn]] static void Refuse(const YAML::Mark& mark, const std::string& what) {
    throw YAML::ParserException(mark, what);
  }
  static void NoAnchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) {
      Refuse(mark, "YAML anchors are not allowed in a gate policy");
    }
  }
  void Enter(const YAML::Mark& mark, YAML::anchor_t anchor) {
    NoAnchor(mark, anchor);
    if (++depth_ > kMaxNesting) {
      Refuse(mark, "nested deeper than " + std::to_string(kMaxNesting) + " levels");
    }
  }

  int documents_ = 0;
  int depth_ = 0;
};

// Throws YAML::Exception on a syntax error or a refused shape.
Status CheckShape(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  ShapeCheck check;
  while (parser.HandleNextDocument(check)) {
  }
  if (check.documents() == 0) return BadAt(YAML::Mark(), kEmptyPolicy);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Field readers

Status CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                 const std::string& where) {
  if (!map.IsMap()) return Bad(map, where + " must be a mapping");
  std::set<std::string> seen;
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) return Bad(key, "keys in " + where + " must be names");
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (std::string_view k : allowed) {
        list += (list.empty() ? "" : ", ") + std::string(k);
      }
      return Bad(
          key, "unknown key " + Echo(name) + " in " + where + " (expected " + list + ")");
    }
    if (!seen.insert(name).second) {
      return Bad(key, "duplicate key " + Echo(name) + " in " + where);
    }
  }
  return Status::Ok();
}

Result<std::string> Text(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) return Bad(node, Quoted(field) + " must be a string");
  return node.Scalar();
}

// Numbers and booleans must be plain scalars: a quoted "5" is a string in
// YAML as in JSON, and accepting it would hide a type error.
bool IsPlain(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

bool IsYamlNonFinite(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text == ".inf" || text == "+.inf" || text == "-.inf" || text == ".nan";
}

Result<double> Number(const YAML::Node& node, const std::string& field) {
  if (!IsPlain(node)) return Bad(node, Quoted(field) + " must be a number");
  const std::string& text = node.Scalar();
  if (IsYamlNonFinite(text)) {
    return Bad(node, Quoted(field) + " must be a finite number, got " + Echo(text));
  }
  // YAML allows a leading '+'; from_chars does not.
  size_t start = text.size() > 1 && text[0] == '+' && text[1] != '-' ? 1 : 0;
  double value = 0;
  const char* last = text.data() + text.size();
  auto [end, error] = std::from_chars(text.data() + start, last, value);
  if (error == std::errc::result_out_of_range) {
    return Bad(node, Quoted(field) + " is out of range: " + Echo(text));
  }
  if (error != std::errc() || end != last) {
    return Bad(node, Quoted(field) + " must be a number, got " + Echo(text));
  }
  if (!std::isfinite(value)) {
    return Bad(node, Quoted(field) + " must be a finite number, got " + Echo(text));
  }
  return value;
}

Result<bool> Boolean(const YAML::Node& node, const std::string& field) {
  // YAML 1.2's spellings only: yaml-cpp would also take yes/no/on/off.
  if (IsPlain(node)) {
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  return Bad(node, Quoted(field) + " must be true or false");
}

Result<double> Margin(const YAML::Node& rule, const std::string& field) {
  if (!rule[field]) return 0.0;
  ASSIGN_OR_RETURN(double value, Number(rule[field], field));
  if (value < 0) {
    return Bad(rule[field],
               Quoted(field) + " must be >= 0, got " + Echo(rule[field].Scalar()));
  }
  return value;
}

Result<std::string> MetricName(const YAML::Node& rule, const std::string& where) {
  if (!rule["metric"]) return Bad(rule, where + " needs 'metric'");
  ASSIGN_OR_RETURN(std::string metric, Text(rule["metric"], "metric"));
  if (metric.empty()) return Bad(rule["metric"], "'metric' must not be empty");
  return metric;
}

Result<std::string> Slice(const YAML::Node& rule) {
  if (!rule["slice"]) return std::string();
  return Text(rule["slice"], "slice");
}

// ---------------------------------------------------------------------------
// Enum words: one table per enum serves parsing and printing.

template <typename E>
struct Word {
  const char* text;
  E value;
};

constexpr Word<Direction> kDirections[] = {{"higher", Direction::kHigher},
                                           {"lower", Direction::kLower}};
constexpr Word<ThresholdOp> kOps[] = {{"<", ThresholdOp::kLt},  {"<=", ThresholdOp::kLe},
                                      {">", ThresholdOp::kGt},  {">=", ThresholdOp::kGe},
                                      {"==", ThresholdOp::kEq}, {"!=", ThresholdOp::kNe}};
constexpr Word<Approval> kApprovals[] = {{"automatic", Approval::kAutomatic},
                                         {"manual", Approval::kManual}};

template <typename E, size_t N>
Result<E> ParseWord(const YAML::Node& node, const std::string& field,
                    const Word<E> (&words)[N]) {
  ASSIGN_OR_RETURN(std::string text, Text(node, field));
  std::string expected;
  for (const Word<E>& word : words) {
    if (text == word.text) return word.value;
    expected += (expected.empty() ? "" : " | ") + std::string(word.text);
  }
  return Bad(node, Quoted(field) + " must be one of " + expected + ", got " + Echo(text));
}

template <typename E, size_t N>
const char* WordFor(E value, const Word<E> (&words)[N]) {
  for (const Word<E>& word : words) {
    if (word.value == value) return word.text;
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Rules and the policy

Result<CompareRule> ParseCompare(const YAML::Node& node) {
  RETURN_IF_ERROR(CheckKeys(
      node, {"metric", "slice", "direction", "min_delta", "min_relative", "allow_equal"},
      "a compare rule"));
  CompareRule rule;
  ASSIGN_OR_RETURN(rule.metric, MetricName(node, "a compare rule"));
  ASSIGN_OR_RETURN(rule.slice, Slice(node));
  if (node["direction"]) {
    ASSIGN_OR_RETURN(rule.direction,
                     ParseWord(node["direction"], "direction", kDirections));
  }
  ASSIGN_OR_RETURN(rule.min_delta, Margin(node, "min_delta"));
  ASSIGN_OR_RETURN(rule.min_relative, Margin(node, "min_relative"));
  if (node["allow_equal"]) {
    ASSIGN_OR_RETURN(rule.allow_equal, Boolean(node["allow_equal"], "allow_equal"));
  }
  return rule;
}

Result<ThresholdRule> ParseThreshold(const YAML::Node& node) {
  RETURN_IF_ERROR(CheckKeys(node, {"metric", "slice", "op", "value"}, "a threshold"));
  ThresholdRule rule;
  ASSIGN_OR_RETURN(rule.metric, MetricName(node, "a threshold"));
  ASSIGN_OR_RETURN(rule.slice, Slice(node));
  if (!node["op"]) return Bad(node, "a threshold needs 'op'");
  ASSIGN_OR_RETURN(rule.op, ParseWord(node["op"], "op", kOps));
  if (!node["value"]) return Bad(node, "a threshold needs 'value'");
  ASSIGN_OR_RETURN(rule.value, Number(node["value"], "value"));
  return rule;
}

template <typename Rule>
Status ParseList(const YAML::Node& list, const std::string& field,
                 Result<Rule> (*parse)(const YAML::Node&), std::vector<Rule>& out) {
  if (!list) return Status::Ok();
  if (!list.IsSequence()) return Bad(list, Quoted(field) + " must be a list");
  for (const auto& item : list) {
    ASSIGN_OR_RETURN(Rule rule, parse(item));
    out.push_back(std::move(rule));
  }
  return Status::Ok();
}

Result<GatePolicy> FromYaml(const YAML::Node& root) {
  if (root.IsNull()) return Bad(root, kEmptyPolicy);
  RETURN_IF_ERROR(CheckKeys(root, {"compare", "thresholds", "approval"}, "the policy"));
  GatePolicy policy;
  RETURN_IF_ERROR(ParseList(root["compare"], "compare", ParseCompare, policy.compare));
  RETURN_IF_ERROR(
      ParseList(root["thresholds"], "thresholds", ParseThreshold, policy.thresholds));
  if (root["approval"]) {
    ASSIGN_OR_RETURN(policy.approval,
                     ParseWord(root["approval"], "approval", kApprovals));
  }
  if (policy.compare.empty() && policy.thresholds.empty()) return Bad(root, kEmptyPolicy);
  return policy;
}

// ---------------------------------------------------------------------------
// Evaluation

// Twelve significant digits: exact for margins people write, and hides
// binary noise such as 0.07 * 100 = 7.000000000000001.
std::string Readable(double value) {
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value,
                                    std::chars_format::general, 12);
  return error == std::errc() ? std::string(buffer, end) : "?";
}

std::string CompareRequirement(const CompareRule& rule) {
  std::string text = rule.direction == Direction::kHigher ? "higher than" : "lower than";
  if (rule.allow_equal) text += " or equal to";
  text += " champion";
  std::string margins;
  if (rule.min_delta > 0) margins = ">= " + Readable(rule.min_delta) + " (abs)";
  if (rule.min_relative > 0) {
    margins += (margins.empty() ? "" : " and ") +
               (">= " + Readable(rule.min_relative * 100) + "% (rel)");
  }
  return margins.empty() ? text : text + " by " + margins;
}

std::optional<double> Lookup(const MetricValues& values, const std::string& key) {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

// How far the challenger is ahead of the champion, positive when better.
double Gain(Direction direction, double champion, double challenger) {
  return direction == Direction::kHigher ? challenger - champion : champion - challenger;
}

bool IsBetter(const CompareRule& rule, double gain) {
  return gain > 0 || (rule.allow_equal && gain == 0);
}

bool ClearsMargins(const CompareRule& rule, double gain, double champion) {
  // A zero relative margin is skipped so an infinite champion does not make
  // 0 * inf = NaN, which would fail every comparison.
  bool relative =
      rule.min_relative == 0 || gain >= rule.min_relative * std::fabs(champion);
  return gain >= rule.min_delta && relative;
}

// Fills passed/note from two present, non-NaN values.
void Judge(const CompareRule& rule, double champion, double challenger, GateRow& row) {
  double gain = Gain(rule.direction, champion, challenger);
  row.passed = IsBetter(rule, gain) && ClearsMargins(rule, gain, champion);
  if (row.passed) return;
  if (gain == 0) {
    row.note = "equal to champion";
  } else {
    row.note = gain > 0 ? "improvement below the margin" : "not better than champion";
  }
}

// The challenger's value, or a failing row's note when it has none.
bool ReadChallenger(const MetricValues& challenger, GateRow& row) {
  row.challenger = Lookup(challenger, row.metric);
  if (!row.challenger) {
    row.note = "challenger has no value";
  } else if (std::isnan(*row.challenger)) {
    row.note = "challenger value is NaN";
  }
  return row.note.empty();
}

GateRow EvaluateCompare(const CompareRule& rule,
                        const std::optional<MetricValues>& champion,
                        const MetricValues& challenger) {
  GateRow row;
  row.rule = "compare";
  row.metric = MetricKey(rule.metric, rule.slice);
  row.requirement = CompareRequirement(rule);
  if (!ReadChallenger(challenger, row)) return row;
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
  Judge(rule, *row.champion, *row.challenger, row);
  return row;
}

bool Holds(double value, ThresholdOp op, double bound) {
  switch (op) {
    case ThresholdOp::kLt:
      return value < bound;
    case ThresholdOp::kLe:
      return value <= bound;
    case ThresholdOp::kGt:
      return value > bound;
    case ThresholdOp::kGe:
      return value >= bound;
    case ThresholdOp::kEq:
      return value == bound;
    case ThresholdOp::kNe:
      return value != bound;
  }
  return false;
}

GateRow EvaluateThreshold(const ThresholdRule& rule, const MetricValues& challenger) {
  GateRow row;
  row.rule = "threshold";
  row.metric = MetricKey(rule.metric, rule.slice);
  row.requirement = std::string(WordFor(rule.op, kOps)) + " " + Readable(rule.value);
  if (!ReadChallenger(challenger, row)) return row;
  row.passed = Holds(*row.challenger, rule.op, rule.value);
  return row;
}

// ---------------------------------------------------------------------------
// JSON

Json NumberOrNull(const std::optional<double>& value) {
  return value && std::isfinite(*value) ? Json(*value) : Json(nullptr);
}

// A policy built in code (not parsed) may hold bytes that are not UTF-8;
// replacing them beats the exception nlohmann would throw.
std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json CompareToJson(const CompareRule& rule) {
  Json json = {{"metric", rule.metric},
               {"direction", WordFor(rule.direction, kDirections)},
               {"min_delta", rule.min_delta},
               {"min_relative", rule.min_relative},
               {"allow_equal", rule.allow_equal}};
  if (!rule.slice.empty()) json["slice"] = rule.slice;
  return json;
}

Json ThresholdToJson(const ThresholdRule& rule) {
  Json json = {
      {"metric", rule.metric}, {"op", WordFor(rule.op, kOps)}, {"value", rule.value}};
  if (!rule.slice.empty()) json["slice"] = rule.slice;
  return json;
}

}  // namespace

Result<GatePolicy> ParseGatePolicy(std::string_view text) {
  if (text.size() > kMaxPolicyBytes) {
    return InvalidArgument(
        "invalid gate policy at line 1, column 1: " + std::to_string(text.size()) +
        " bytes, more than the " + std::to_string(kMaxPolicyBytes) + " allowed");
  }
  // yaml-cpp reports errors by throwing; none may leave this function.
  try {
    std::string owned(text);
    RETURN_IF_ERROR(CheckShape(owned));
    return FromYaml(YAML::Load(owned));
  } catch (const YAML::Exception& e) {
    return BadAt(e.mark, e.msg);
  } catch (const std::exception& e) {
    return Internal(std::string("gate policy parser failed: ") + e.what());
  }
}

std::string MetricKey(const std::string& metric, const std::string& slice) {
  return slice.empty() ? metric : metric + "/" + slice;
}

std::string GatePolicyToJson(const GatePolicy& policy) {
  Json compare = Json::array();
  for (const CompareRule& rule : policy.compare) compare.push_back(CompareToJson(rule));
  Json thresholds = Json::array();
  for (const ThresholdRule& rule : policy.thresholds) {
    thresholds.push_back(ThresholdToJson(rule));
  }
  return Dump({{"compare", compare},
               {"thresholds", thresholds},
               {"approval", WordFor(policy.approval, kApprovals)}});
}

std::vector<std::string> ReferencedMetrics(const GatePolicy& policy) {
  std::set<std::string> keys;
  for (const CompareRule& rule : policy.compare) {
    keys.insert(MetricKey(rule.metric, rule.slice));
  }
  for (const ThresholdRule& rule : policy.thresholds) {
    keys.insert(MetricKey(rule.metric, rule.slice));
  }
  return {keys.begin(), keys.end()};
}

GateDecision EvaluateGate(const GatePolicy& policy,
                          const std::optional<MetricValues>& champion,
                          const MetricValues& challenger) {
  GateDecision decision;
  decision.needs_approval = policy.approval == Approval::kManual;
  for (const CompareRule& rule : policy.compare) {
    decision.rows.push_back(EvaluateCompare(rule, champion, challenger));
  }
  for (const ThresholdRule& rule : policy.thresholds) {
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
                    {"champion", NumberOrNull(row.champion)},
                    {"challenger", NumberOrNull(row.challenger)},
                    {"requirement", row.requirement},
                    {"passed", row.passed},
                    {"note", row.note}});
  }
  return Dump({{"passed", decision.passed},
               {"needs_approval", decision.needs_approval},
               {"rows", rows}});
}

}  // namespace ferry::registry
