// The condition grammar of alert rules (alert_rule.h) and the text helpers
// its messages share with the rule fields (alert_rule_internal.h).
#include <array>
#include <charconv>
#include <climits>
#include <cmath>
#include <optional>

#include "monitoring/alert_rule.h"
#include "monitoring/alert_rule_internal.h"

namespace ferry::monitoring {

namespace alert_internal {

namespace {
constexpr size_t kMaxExprBytes = 4096;
}  // namespace

// ---- text helpers ---------------------------------------------------------

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

bool IsName(std::string_view s, size_t max_bytes) {
  if (s.empty() || s.size() > max_bytes) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// ---- the condition grammar ------------------------------------------------

struct MetricSpec {
  std::string_view name;
  std::string_view arg;  // empty: takes no arguments
  bool arg_required = false;
};

// clang-format off
constexpr std::string_view kPlainMetrics[] = {
    "dataset_drift_share", "dataset_drift", "rows", "accuracy", "precision", "recall", "f1",
    "roc_auc", "log_loss", "ece", "mae", "rmse", "r2", "label_delay_p50", "error_rate"};
constexpr std::string_view kFeatureMetrics[] = {  // feature=X, required
    "drift_score", "drifted", "missing_share", "ks", "chisquare", "z", "psi", "kl_div",
    "jensenshannon", "wasserstein", "hellinger", "anderson", "cramer_von_mises"};
// clang-format on
constexpr MetricSpec kPredictionDrift = {"prediction_drift", "output", false};

std::optional<MetricSpec> FindMetric(std::string_view name) {
  if (name == "auc") name = "roc_auc";  // the one alias
  for (std::string_view m : kPlainMetrics) {
    if (m == name) return MetricSpec{m, "", false};
  }
  for (std::string_view m : kFeatureMetrics) {
    if (m == name) return MetricSpec{m, "feature", true};
  }
  if (name == kPredictionDrift.name) return kPredictionDrift;
  return std::nullopt;
}

std::string KnownMetrics() {
  std::string out;
  for (std::string_view m : kPlainMetrics) out += std::string(m) + ", ";
  for (std::string_view m : kFeatureMetrics) out += std::string(m) + "(feature=X), ";
  return out + "prediction_drift[(output=X)], auc (= roc_auc)";
}

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsBareValueChar(char c) { return IsNameChar(c) || c == '[' || c == ']'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A recursive-descent parser over one expression; errors name the column.
class ConditionParser {
 public:
  explicit ConditionParser(std::string_view text) : s_(text) {}

  Result<Condition> Parse() {
    SkipSpace();
    if (AtEnd()) return Error("expected a metric name, got an empty expression");
    Condition c;
    size_t metric_at = pos_;
    std::string name = Identifier();
    if (name.empty()) return Expected("a metric name");
    std::optional<MetricSpec> spec = FindMetric(name);
    if (!spec) {
      return ErrorAt(metric_at, "unknown metric " + Shown(name) +
                                    " (known: " + KnownMetrics() + ")");
    }
    c.metric.name = spec->name;
    SkipSpace();
    if (Peek() == '(') RETURN_IF_ERROR(Arguments(*spec, &c.metric));
    if (spec->arg_required && c.metric.args.empty()) {
      return ErrorAt(metric_at, std::string(spec->name) +
                                    " needs an argument: " + std::string(spec->name) +
                                    "(" + std::string(spec->arg) + "=NAME)");
    }
    SkipSpace();
    ASSIGN_OR_RETURN(c.op, Operator());
    SkipSpace();
    ASSIGN_OR_RETURN(c.threshold, Number());
    SkipSpace();
    if (!AtEnd()) return Error("unexpected " + Got() + " after the number");
    return c;
  }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(s_[pos_])) ++pos_;
  }

  // 1-based column of byte offset `at`, counting characters, not bytes.
  size_t Column(size_t at) const {
    size_t col = 1;
    for (size_t i = 0; i < at && i < s_.size(); ++i) {
      if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) ++col;
    }
    return col;
  }

  Status ErrorAt(size_t at, const std::string& what) const {
    return InvalidArgument("column " + std::to_string(Column(at)) + ": " + what);
  }
  Status Error(const std::string& what) const { return ErrorAt(pos_, what); }

  // The text at the cursor, for "got ...": up to the next space.
  std::string Got() const {
    if (AtEnd()) return "the end of the expression";
    size_t end = pos_;
    while (end < s_.size() && !IsSpace(s_[end])) ++end;
    return Shown(s_.substr(pos_, end - pos_));
  }
  Status Expected(const std::string& what) const {
    return Error("expected " + what + ", got " + Got());
  }

  std::string Identifier() {
    if (!IsIdentStart(Peek())) return "";
    size_t start = pos_;
    while (IsIdentChar(Peek())) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  Status Arguments(const MetricSpec& spec, MetricRef* metric) {
    if (spec.arg.empty()) return Error(std::string(spec.name) + " takes no arguments");
    ++pos_;  // '('
    while (true) {
      SkipSpace();
      size_t arg_at = pos_;
      std::string arg = Identifier();
      if (arg.empty()) {
        return Expected("an argument name (" + std::string(spec.arg) + ")");
      }
      if (arg != spec.arg) {
        return ErrorAt(arg_at, "unknown argument " + Shown(arg) + " for " +
                                   std::string(spec.name) +
                                   " (allowed: " + std::string(spec.arg) + ")");
      }
      if (metric->args.count(arg) > 0) {
        return ErrorAt(arg_at, "argument '" + arg + "' given twice");
      }
      SkipSpace();
      if (Peek() != '=') return Expected("'=' after '" + arg + "'");
      ++pos_;
      SkipSpace();
      ASSIGN_OR_RETURN(metric->args[arg], Value());
      SkipSpace();
      if (Peek() == ')') break;
      if (Peek() != ',') return Expected("',' or ')'");
      ++pos_;
    }
    ++pos_;  // ')'
    return Status::Ok();
  }

  Result<std::string> Value() {
    if (Peek() == '"') return Quoted();
    size_t start = pos_;
    while (IsBareValueChar(Peek())) ++pos_;
    if (pos_ == start) return Expected("a value (a name, or a \"quoted string\")");
    return std::string(s_.substr(start, pos_ - start));
  }

  Result<std::string> Quoted() {
    size_t open = pos_++;
    std::string out;
    while (!AtEnd() && s_[pos_] != '"') {
      if (s_[pos_] == '\\') {
        char next = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
        if (next != '"' && next != '\\') {
          return Error("only \\\" and \\\\ are escapes in a quoted value");
        }
        ++pos_;
      }
      out += s_[pos_++];
    }
    if (AtEnd()) return ErrorAt(open, "unterminated quoted value");
    ++pos_;  // closing quote
    if (out.empty()) return ErrorAt(open, "empty value");
    if (!IsValidUtf8(out)) return ErrorAt(open, "the quoted value is not valid UTF-8");
    return out;
  }

  Result<Comparison> Operator() {
    char c = Peek();
    if (c == '>' || c == '<') {
      ++pos_;
      bool or_equal = Peek() == '=';
      if (or_equal) ++pos_;
      if (c == '>') return or_equal ? Comparison::kGreaterEqual : Comparison::kGreater;
      return or_equal ? Comparison::kLessEqual : Comparison::kLess;
    }
    return Expected("a comparison ('>', '>=', '<' or '<=')");
  }

  // NUMBER [ '%' ], read exactly: '%' shifts the decimal exponent by 2 so
  // that "1.1%" is the double nearest 0.011, not 1.1 / 100.
  Result<double> Number() {
    size_t start = pos_;
    std::string mantissa;
    if (Peek() == '-') mantissa += '-';
    if (Peek() == '+' || Peek() == '-') ++pos_;  // from_chars takes no '+'

    size_t digits = 0;
    for (; IsDigit(Peek()); ++pos_, ++digits) mantissa += s_[pos_];
    if (Peek() == '.') {
      mantissa += s_[pos_++];
      for (; IsDigit(Peek()); ++pos_, ++digits) mantissa += s_[pos_];
    }
    if (digits == 0) {
      pos_ = start;
      return Expected("a finite number");
    }
    int64_t exponent = 0;
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      bool negative = Peek() == '-';
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!IsDigit(Peek())) return Expected("the exponent's digits");
      for (; IsDigit(Peek()); ++pos_) {
        exponent = std::min<int64_t>(exponent * 10 + (s_[pos_] - '0'), 1000000);
      }
      if (negative) exponent = -exponent;
    }
    SkipSpace();
    if (Peek() == '%') {
      ++pos_;
      exponent -= 2;
    }
    std::string text = mantissa + "e" + std::to_string(exponent);
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
      return ErrorAt(start, "number out of range (must be a finite double)");
    }
    return value;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Messages without the "expr: " prefix, for ParseExpression and the rule's 'expr'.
Result<Condition> ParseCondition(std::string_view expr) {
  if (expr.size() > kMaxExprBytes) {
    return InvalidArgument("longer than " + std::to_string(kMaxExprBytes) + " bytes (" +
                           std::to_string(expr.size()) + ")");
  }
  return ConditionParser(expr).Parse();
}

}  // namespace alert_internal

Result<Condition> ParseExpression(std::string_view expr) {
  Result<Condition> c = alert_internal::ParseCondition(expr);
  if (!c.ok()) return InvalidArgument("expr: " + c.status().message());
  return c;
}

}  // namespace ferry::monitoring
