// The parser half of the search grammar (filter.h): a hand-written scanner
// over the text. Every error is kInvalidArgument and names the 0-based byte
// position where the offending token starts. User text quoted back in an
// error is capped and stripped of control bytes, so messages stay valid
// UTF-8 for the JSON error body.
#include "tracking/search/filter.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

namespace ferry::tracking {
namespace {

// Keeps IN lists well below SQLite's (32,766) and PostgreSQL's (65,535)
// bound-parameter limits, with room for the rest of the query.
constexpr size_t kMaxListItems = 10'000;
constexpr size_t kMaxEchoChars = 40;  // characters of user text in a message

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// Characters of an unquoted key: [A-Za-z0-9_./-] and any non-ASCII letter.
bool IsKeyChar(char c) {
  return IsAlnum(c) || c == '_' || c == '.' || c == '-' || c == '/' ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Well-formed UTF-8 lead bytes (RFC 3629): the sequence length and the
// range allowed for the second byte, which rules out overlong forms and
// surrogates. Later bytes are always 0x80-0xBF.
struct Utf8Lead {
  unsigned char first, last;
  size_t length;
  unsigned char lo, hi;
};
constexpr Utf8Lead kUtf8Leads[] = {
    {0xC2, 0xDF, 2, 0x80, 0xBF}, {0xE0, 0xE0, 3, 0xA0, 0xBF}, {0xE1, 0xEC, 3, 0x80, 0xBF},
    {0xED, 0xED, 3, 0x80, 0x9F}, {0xEE, 0xEF, 3, 0x80, 0xBF}, {0xF0, 0xF0, 4, 0x90, 0xBF},
    {0xF1, 0xF3, 4, 0x80, 0xBF}, {0xF4, 0xF4, 4, 0x80, 0x8F},
};

// Length of the well-formed UTF-8 sequence at s[i], or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  for (const Utf8Lead& lead : kUtf8Leads) {
    if (c < lead.first || c > lead.last) continue;
    if (i + lead.length > s.size()) return 0;
    for (size_t k = 1; k < lead.length; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lead.lo : 0x80) || b > (k == 1 ? lead.hi : 0xBF)) return 0;
    }
    return lead.length;
  }
  return 0;
}

// User text to quote in a message: at most kMaxEchoChars characters, control
// and malformed bytes written as \xNN.
std::string Echo(std::string_view s) {
  std::string out;
  size_t i = 0;
  for (size_t chars = 0; i < s.size() && chars < kMaxEchoChars; ++chars) {
    size_t n = Utf8Length(s, i);
    auto c = static_cast<unsigned char>(s[i]);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  if (i < s.size()) out += "...";
  return "'" + out + "'";
}

std::optional<Entity> EntityByName(std::string_view prefix) {
  std::string p = Lower(prefix);
  if (p == "metric" || p == "metrics") return Entity::kMetric;
  if (p == "param" || p == "params" || p == "parameter" || p == "parameters") {
    return Entity::kParam;
  }
  if (p == "tag" || p == "tags") return Entity::kTag;
  if (p == "attribute" || p == "attributes" || p == "attr" || p == "run") {
    return Entity::kAttribute;
  }
  if (p == "dataset" || p == "datasets") return Entity::kDataset;
  return std::nullopt;
}

const char* OpName(Comparator op) {
  switch (op) {
    case Comparator::kEq:
      return "=";
    case Comparator::kNe:
      return "!=";
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
    case Comparator::kLike:
      return "LIKE";
    case Comparator::kILike:
      return "ILIKE";
    case Comparator::kIn:
      return "IN";
    case Comparator::kNotIn:
      return "NOT IN";
    case Comparator::kIsNull:
      return "IS NULL";
    case Comparator::kIsNotNull:
      return "IS NOT NULL";
  }
  return "?";
}

// A cursor over the text that knows its position for errors.
class Scanner {
 public:
  Scanner(std::string_view text, std::string_view what) : text_(text), what_(what) {}

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  size_t pos() const { return pos_; }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  std::string_view Slice(size_t from) const { return text_.substr(from, pos_ - from); }

  Status ErrorAt(size_t at, const std::string& what) const {
    return InvalidArgument("invalid " + std::string(what_) + " at position " +
                           std::to_string(at) + ": " + what);
  }
  Status Error(const std::string& what) const { return ErrorAt(pos_, what); }

  // NUL bytes (which libpq would silently truncate at) and malformed UTF-8
  // are refused before anything else looks at the text.
  Status CheckEncoding() const {
    for (size_t i = 0; i < text_.size();) {
      if (text_[i] == '\0') return ErrorAt(i, "NUL character is not allowed");
      size_t n = Utf8Length(text_, i);
      if (n == 0) return ErrorAt(i, "text is not valid UTF-8");
      i += n;
    }
    return Status::Ok();
  }

  // The token at the cursor, quoted for a message ("found ...").
  std::string NextToken() const {
    size_t start = pos_;
    while (start < text_.size() && IsSpace(text_[start])) ++start;
    if (start >= text_.size()) return "end of input";
    size_t end = start;
    char c = text_[start];
    if (c == '\'' || c == '"' || c == '`') {
      end = text_.find(c, start + 1);
      end = end == std::string_view::npos ? text_.size() : end + 1;
    } else if (IsKeyChar(c)) {
      while (end < text_.size() && IsKeyChar(text_[end])) ++end;
    } else {
      while (end < text_.size() &&
             std::string_view("<>=!").find(text_[end]) != std::string_view::npos) {
        ++end;
      }
      if (end == start) end = start + std::max<size_t>(1, Utf8Length(text_, start));
    }
    return Echo(text_.substr(start, end - start));
  }

  std::string_view KeyWord() {
    size_t start = pos_;
    while (pos_ < text_.size() && IsKeyChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // A case-insensitive keyword not followed by a key character.
  bool Keyword(std::string_view kw) {
    SkipSpace();
    if (text_.size() - pos_ < kw.size()) return false;
    if (Lower(text_.substr(pos_, kw.size())) != kw) return false;
    size_t end = pos_ + kw.size();
    if (end < text_.size() && IsKeyChar(text_[end])) return false;
    pos_ = end;
    return true;
  }

  bool Symbol(std::string_view sym) {
    SkipSpace();
    if (text_.substr(pos_, sym.size()) != sym) return false;
    pos_ += sym.size();
    return true;
  }

  // Text between ', " or ` quotes. The quote doubled, or preceded by a
  // backslash, stands for itself; so does a doubled backslash. Any other
  // backslash is literal ('C:\temp' stays C:\temp, 'a\_b' stays a\_b).
  Result<std::string> Quoted() {
    char quote = Peek();
    size_t start = pos_++;
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      char next = Peek();
      if (c == '\\' && (next == quote || next == '\\')) {
        out += next;
        ++pos_;
      } else if (c == quote && next == quote) {
        out += quote;
        ++pos_;
      } else if (c == quote) {
        return out;
      } else {
        out += c;
      }
    }
    return ErrorAt(start, "unterminated quoted text starting here");
  }

  // [+-] digits [. digits] [e [+-] digits], or [+-] . digits [...]; no inf/nan.
  Result<double> Number() {
    size_t start = pos_;
    if (Peek() == '-' || Peek() == '+') ++pos_;
    size_t digits = SkipDigits();
    if (Peek() == '.') {
      ++pos_;
      digits += SkipDigits();
    }
    bool ok = digits > 0;
    if (ok && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (Peek() == '-' || Peek() == '+') ++pos_;
      ok = SkipDigits() > 0;
    }
    if (!ok || IsKeyChar(Peek())) {
      while (IsKeyChar(Peek())) ++pos_;
      return ErrorAt(start, "invalid number " + Echo(Slice(start)));
    }
    std::string_view num = Slice(start);
    if (num.front() == '+') num.remove_prefix(1);
    double value = 0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
    if (ec != std::errc() || end != num.data() + num.size()) {
      return ErrorAt(start, "number " + Echo(Slice(start)) + " is out of range");
    }
    return value;
  }

 private:
  size_t SkipDigits() {
    size_t start = pos_;
    while (IsDigit(Peek())) ++pos_;
    return pos_ - start;
  }

  std::string_view text_;
  std::string_view what_;
  size_t pos_ = 0;
};

struct Identifier {
  Entity entity;
  std::string key;
  size_t pos;          // where it starts
  std::string source;  // as written, for messages
};

// After a quoted key the identifier must end.
Status EndOfQuotedKey(Scanner& s) {
  if (IsKeyChar(s.Peek()) || s.Peek() == '`' || s.Peek() == '"') {
    return s.Error("unexpected " + s.NextToken() + " after a quoted key");
  }
  return Status::Ok();
}

// entity.key, entity.`quoted key`, entity."quoted key", key or `key`.
Result<Identifier> ParseIdentifier(Scanner& s) {
  s.SkipSpace();
  size_t start = s.pos();
  if (s.Peek() == '`' || s.Peek() == '"') {
    ASSIGN_OR_RETURN(std::string key, s.Quoted());
    RETURN_IF_ERROR(EndOfQuotedKey(s));
    return Identifier{Entity::kAttribute, key, start, std::string(s.Slice(start))};
  }
  std::string_view word = s.KeyWord();
  if (word.empty()) {
    return s.Error(
        "expected an identifier such as metrics.<key>, params.<key>, "
        "tags.<key> or an attribute, found " +
        s.NextToken());
  }
  size_t dot = word.find('.');
  if (dot == std::string_view::npos) {
    return Identifier{Entity::kAttribute, std::string(word), start, std::string(word)};
  }
  std::optional<Entity> entity = EntityByName(word.substr(0, dot));
  if (!entity) {
    return s.ErrorAt(start,
                     "invalid entity type " + Echo(word.substr(0, dot)) +
                         ": expected metrics, params, tags, attributes or datasets");
  }
  std::string key(word.substr(dot + 1));
  if (key.empty()) {
    if (s.Peek() != '`' && s.Peek() != '"') {
      return s.Error("expected a key after " + Echo(word) + ", found " + s.NextToken());
    }
    size_t quote_at = s.pos();
    ASSIGN_OR_RETURN(key, s.Quoted());
    if (key.empty()) return s.ErrorAt(quote_at, "empty key");
    RETURN_IF_ERROR(EndOfQuotedKey(s));
  }
  return Identifier{*entity, std::move(key), start, std::string(s.Slice(start))};
}

Result<Comparator> ParseComparator(Scanner& s, const Identifier& id) {
  s.SkipSpace();
  size_t at = s.pos();
  if (s.Symbol("!=")) return Comparator::kNe;
  if (s.Symbol("<=")) return Comparator::kLe;
  if (s.Symbol(">=")) return Comparator::kGe;
  if (s.Symbol("=")) return Comparator::kEq;
  if (s.Symbol("<")) return Comparator::kLt;
  if (s.Symbol(">")) return Comparator::kGt;
  if (s.Keyword("like")) return Comparator::kLike;
  if (s.Keyword("ilike")) return Comparator::kILike;
  if (s.Keyword("in")) return Comparator::kIn;
  if (s.Keyword("not")) {
    if (s.Keyword("in")) return Comparator::kNotIn;
    s.SkipSpace();
    return s.Error("expected IN after NOT, found " + s.NextToken());
  }
  if (s.Keyword("is")) {
    bool negated = s.Keyword("not");
    if (s.Keyword("null")) return negated ? Comparator::kIsNotNull : Comparator::kIsNull;
    s.SkipSpace();
    return s.Error(std::string("expected ") + (negated ? "NULL" : "NULL or NOT NULL") +
                   " after IS, found " + s.NextToken());
  }
  return s.ErrorAt(at,
                   "expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, "
                   "NOT IN, IS NULL, IS NOT NULL) after " +
                       Echo(id.source) + ", found " + s.NextToken());
}

Result<FilterValue> ParseList(Scanner& s) {
  if (!s.Symbol("(")) {
    return s.Error("expected '(' to start a list of quoted strings, found " +
                   s.NextToken());
  }
  std::vector<std::string> items;
  do {
    s.SkipSpace();
    if (s.Peek() != '\'' && s.Peek() != '"') {
      return s.Error("expected a quoted string in the list, found " + s.NextToken());
    }
    if (items.size() == kMaxListItems) {
      return s.Error("a list may hold at most " + std::to_string(kMaxListItems) +
                     " values");
    }
    ASSIGN_OR_RETURN(std::string item, s.Quoted());
    items.push_back(std::move(item));
  } while (s.Symbol(","));
  if (!s.Symbol(")")) {
    return s.Error("expected ',' or ')' in the list, found " + s.NextToken());
  }
  return FilterValue{std::move(items)};
}

Result<FilterValue> ParseValue(Scanner& s, Comparator op) {
  if (op == Comparator::kIsNull || op == Comparator::kIsNotNull) return FilterValue{};
  s.SkipSpace();
  if (op == Comparator::kIn || op == Comparator::kNotIn) return ParseList(s);
  char c = s.Peek();
  if (c == '\'' || c == '"') {
    ASSIGN_OR_RETURN(std::string text, s.Quoted());
    return FilterValue{std::move(text)};
  }
  if (IsDigit(c) || c == '-' || c == '+' || c == '.') {
    ASSIGN_OR_RETURN(double number, s.Number());
    return FilterValue{number};
  }
  return s.Error(std::string("expected a value after ") + OpName(op) +
                 " (a number or a quoted string), found " + s.NextToken());
}

bool IsNumericOp(Comparator op) {
  return op == Comparator::kEq || op == Comparator::kNe || op == Comparator::kLt ||
         op == Comparator::kLe || op == Comparator::kGt || op == Comparator::kGe;
}
bool IsStringOp(Comparator op) {
  return op == Comparator::kEq || op == Comparator::kNe || op == Comparator::kLike ||
         op == Comparator::kILike || op == Comparator::kIn || op == Comparator::kNotIn;
}
bool IsNullOp(Comparator op) {
  return op == Comparator::kIsNull || op == Comparator::kIsNotNull;
}

// An attribute's canonical key and whether it holds numbers.
struct Attribute {
  const char* key;
  bool numeric;
};

std::optional<Attribute> RunAttribute(std::string_view key) {
  std::string k = Lower(key);
  if (k == "run_id" || k == "run_uuid") return Attribute{"run_id", false};
  if (k == "run_name" || k == "run name" || k == "name") {
    return Attribute{"run_name", false};
  }
  if (k == "status") return Attribute{"status", false};
  if (k == "user_id") return Attribute{"user_id", false};
  if (k == "artifact_uri") return Attribute{"artifact_uri", false};
  if (k == "lifecycle_stage") return Attribute{"lifecycle_stage", false};
  if (k == "start_time" || k == "created") return Attribute{"start_time", true};
  if (k == "end_time") return Attribute{"end_time", true};
  return std::nullopt;
}
constexpr const char* kRunAttributeList =
    "run_id, run_name, status, user_id, artifact_uri, lifecycle_stage, start_time, "
    "end_time";

std::optional<Attribute> ExperimentAttribute(std::string_view key) {
  std::string k = Lower(key);
  if (k == "name") return Attribute{"name", false};
  if (k == "experiment_id") return Attribute{"experiment_id", false};
  if (k == "creation_time") return Attribute{"creation_time", true};
  if (k == "last_update_time") return Attribute{"last_update_time", true};
  return std::nullopt;
}
constexpr const char* kExperimentAttributeList =
    "name, experiment_id, creation_time, last_update_time";

// MLflow's registry search keys ("timestamp" is last_updated_timestamp).
std::optional<Attribute> RegistryTimeAttribute(const std::string& k) {
  if (k == "creation_timestamp") return Attribute{"creation_timestamp", true};
  if (k == "last_updated_timestamp" || k == "timestamp") {
    return Attribute{"last_updated_timestamp", true};
  }
  return std::nullopt;
}

std::optional<Attribute> RegisteredModelAttribute(std::string_view key) {
  std::string k = Lower(key);
  if (k == "name") return Attribute{"name", false};
  return RegistryTimeAttribute(k);
}
constexpr const char* kRegisteredModelAttributeList =
    "name, creation_timestamp, last_updated_timestamp";

std::optional<Attribute> ModelVersionAttribute(std::string_view key) {
  std::string k = Lower(key);
  if (k == "name") return Attribute{"name", false};
  if (k == "version_number" || k == "version") return Attribute{"version_number", true};
  if (k == "run_id") return Attribute{"run_id", false};
  if (k == "source_path" || k == "source") return Attribute{"source_path", false};
  return RegistryTimeAttribute(k);
}
constexpr const char* kModelVersionAttributeList =
    "name, version_number, run_id, source_path, creation_timestamp, "
    "last_updated_timestamp";

std::optional<Attribute> LoggedModelAttribute(std::string_view key) {
  std::string k = Lower(key);
  for (const char* text : {"name", "model_id", "model_type", "status", "source_run_id"}) {
    if (k == text) return Attribute{text, false};
  }
  if (k == "creation_time" || k == "creation_timestamp") {
    return Attribute{"creation_timestamp", true};
  }
  if (k == "last_updated_timestamp") return Attribute{"last_updated_timestamp", true};
  return std::nullopt;
}
constexpr const char* kLoggedModelAttributeList =
    "name, model_id, model_type, status, source_run_id, creation_timestamp, "
    "last_updated_timestamp";

// What the grammar allows for one kind of entity. Only runs have metrics,
// params and datasets; the others are searched by attributes and tags.
struct Target {
  std::optional<Attribute> (*attribute)(std::string_view);
  const char* attribute_list;
  bool experiments;  // attributes and tags only
  const char* noun;
};
constexpr Target kRuns{RunAttribute, kRunAttributeList, false, "runs"};
constexpr Target kExperiments{ExperimentAttribute, kExperimentAttributeList, true,
                              "experiments"};
constexpr Target kRegisteredModels{RegisteredModelAttribute, kRegisteredModelAttributeList,
                                   true, "registered models"};
constexpr Target kModelVersions{ModelVersionAttribute, kModelVersionAttributeList, true,
                                "model versions"};
constexpr Target kLoggedModels{LoggedModelAttribute, kLoggedModelAttributeList, true,
                               "logged models"};

// Where each part of a clause starts, for messages.
struct ClausePos {
  size_t key, op, value;
};

bool IsString(const FilterValue& v) {
  return std::holds_alternative<std::string>(v) ||
         std::holds_alternative<std::vector<std::string>>(v);
}

std::string Ops(bool numeric, bool nulls) {
  if (numeric) return "=, !=, <, <=, >, >=";
  return nulls ? "=, !=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL"
               : "=, !=, LIKE, ILIKE, IN, NOT IN";
}

// Checks the comparator and the value against what `what` supports.
Status CheckOpAndValue(const Scanner& s, const Clause& c, const ClausePos& at,
                       const std::string& what, bool numeric, bool nulls) {
  bool op_ok =
      numeric ? IsNumericOp(c.op) : IsStringOp(c.op) || (nulls && IsNullOp(c.op));
  if (!op_ok) {
    return s.ErrorAt(at.op, std::string("comparator ") + OpName(c.op) +
                                " is not supported for " + what +
                                " (supported: " + Ops(numeric, nulls) + ")");
  }
  if (IsNullOp(c.op)) return Status::Ok();
  if (numeric && !std::holds_alternative<double>(c.value)) {
    return s.ErrorAt(at.value, what + " must be compared with a number");
  }
  if (!numeric && !IsString(c.value)) {
    return s.ErrorAt(at.value, what + " must be compared with a quoted string");
  }
  return Status::Ok();
}

// Checks a clause against its entity and canonicalises attribute and
// dataset keys.
Status CheckClause(const Scanner& s, Clause& c, const ClausePos& at,
                   const Target& target) {
  std::string name = Echo(c.key);
  switch (c.entity) {
    case Entity::kMetric:
      if (target.experiments) break;
      return CheckOpAndValue(s, c, at, "metric " + name, true, false);
    case Entity::kParam:
      if (target.experiments) break;
      return CheckOpAndValue(s, c, at, "param " + name, false, true);
    case Entity::kTag:
      return CheckOpAndValue(s, c, at, "tag " + name, false, true);
    case Entity::kDataset: {
      if (target.experiments) break;
      std::string k = Lower(c.key);
      if (k != "name" && k != "digest" && k != "context") {
        return s.ErrorAt(
            at.key, "invalid dataset key " + name + ": expected name, digest or context");
      }
      c.key = k;
      return CheckOpAndValue(s, c, at, "datasets." + k, false, false);
    }
    case Entity::kAttribute: {
      std::optional<Attribute> attr = target.attribute(c.key);
      if (!attr) {
        return s.ErrorAt(at.key, "invalid attribute key " + name + ": expected one of " +
                                     target.attribute_list);
      }
      c.key = attr->key;
      if (c.key == "experiment_id" && c.op != Comparator::kEq &&
          c.op != Comparator::kNe && c.op != Comparator::kIn &&
          c.op != Comparator::kNotIn) {
        return s.ErrorAt(at.op, std::string("comparator ") + OpName(c.op) +
                                    " is not supported for experiment_id (supported: "
                                    "=, !=, IN, NOT IN)");
      }
      return CheckOpAndValue(s, c, at, "attribute " + c.key, attr->numeric, false);
    }
  }
  return s.ErrorAt(at.key, std::string(target.noun) +
                               " can be filtered by attributes and tags only");
}

Result<Filter> ParseFilter(std::string_view text, const Target& target) {
  Filter filter;
  Scanner s(text, "filter");
  RETURN_IF_ERROR(s.CheckEncoding());
  if (s.AtEnd()) return filter;
  for (;;) {
    ClausePos at{};
    ASSIGN_OR_RETURN(Identifier id, ParseIdentifier(s));
    at.key = id.pos;
    s.SkipSpace();
    at.op = s.pos();
    ASSIGN_OR_RETURN(Comparator op, ParseComparator(s, id));
    s.SkipSpace();
    at.value = s.pos();
    ASSIGN_OR_RETURN(FilterValue value, ParseValue(s, op));
    Clause clause{id.entity, std::move(id.key), op, std::move(value)};
    RETURN_IF_ERROR(CheckClause(s, clause, at, target));
    filter.clauses.push_back(std::move(clause));
    if (s.AtEnd()) return filter;
    size_t next = s.pos();
    if (s.Keyword("or")) {
      return s.ErrorAt(next, "OR is not supported; combine clauses with AND");
    }
    if (!s.Keyword("and")) {
      return s.Error("expected AND or the end, found " + s.NextToken());
    }
  }
}

Result<OrderBy> ParseOrder(std::string_view text, const Target& target) {
  Scanner s(text, "order_by");
  RETURN_IF_ERROR(s.CheckEncoding());
  if (s.AtEnd()) return s.Error("empty order_by clause");
  ASSIGN_OR_RETURN(Identifier id, ParseIdentifier(s));
  OrderBy order{id.entity, id.key, true};
  if (s.Keyword("desc")) {
    order.ascending = false;
  } else {
    (void)s.Keyword("asc");
  }
  if (!s.AtEnd()) return s.Error("expected ASC, DESC or the end, found " + s.NextToken());
  switch (id.entity) {
    case Entity::kAttribute: {
      std::optional<Attribute> attr = target.attribute(id.key);
      if (!attr) {
        return s.ErrorAt(id.pos, "invalid attribute key " + Echo(id.key) +
                                     ": expected one of " + target.attribute_list);
      }
      order.key = attr->key;
      return order;
    }
    case Entity::kTag:
      return order;
    case Entity::kMetric:
    case Entity::kParam:
      if (!target.experiments) return order;
      break;
    case Entity::kDataset:
      break;
  }
  return s.ErrorAt(
      id.pos, "cannot order by " + Echo(id.source) +
                  (target.experiments
                       ? ": order " + std::string(target.noun) + " by an attribute or a tag"
                       : std::string(": order runs by an attribute, a metric, a param "
                                     "or a tag")));
}

}  // namespace

Result<Filter> ParseRunFilter(std::string_view text) { return ParseFilter(text, kRuns); }
Result<OrderBy> ParseRunOrderBy(std::string_view text) { return ParseOrder(text, kRuns); }
Result<Filter> ParseExperimentFilter(std::string_view text) {
  return ParseFilter(text, kExperiments);
}
Result<OrderBy> ParseExperimentOrderBy(std::string_view text) {
  return ParseOrder(text, kExperiments);
}
Result<Filter> ParseRegisteredModelFilter(std::string_view text) {
  return ParseFilter(text, kRegisteredModels);
}
Result<OrderBy> ParseRegisteredModelOrderBy(std::string_view text) {
  return ParseOrder(text, kRegisteredModels);
}
Result<Filter> ParseModelVersionFilter(std::string_view text) {
  return ParseFilter(text, kModelVersions);
}
Result<OrderBy> ParseModelVersionOrderBy(std::string_view text) {
  return ParseOrder(text, kModelVersions);
}
Result<Filter> ParseLoggedModelFilter(std::string_view text) {
  return ParseFilter(text, kLoggedModels);
}
Result<OrderBy> ParseLoggedModelOrderBy(std::string_view text) {
  return ParseOrder(text, kLoggedModels);
}

}  // namespace ferry::tracking
