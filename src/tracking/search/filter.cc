#include "tracking/search/filter.h"

#include <cctype>
#include <charconv>
#include <optional>

namespace ferry::tracking {
namespace {

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
         c == '-' || c == '/' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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

// A cursor over the filter text that knows its position for errors.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  size_t pos() const { return pos_; }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  Status Error(const std::string& what) const { return ErrorAt(pos_, what); }
  Status ErrorAt(size_t at, const std::string& what) const {
    return InvalidArgument("Invalid filter at position " + std::to_string(at) + ": " +
                           what);
  }
  std::string Near() const {
    std::string_view rest = text_.substr(std::min(pos_, text_.size()), 20);
    return rest.empty() ? "end of input" : "'" + std::string(rest) + "'";
  }

  std::string_view Word() {
    size_t start = pos_;
    while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // Matches a case-insensitive keyword followed by a non-word character.
  bool Keyword(std::string_view kw) {
    SkipSpace();
    if (text_.size() - pos_ < kw.size()) return false;
    if (Lower(text_.substr(pos_, kw.size())) != kw) return false;
    size_t end = pos_ + kw.size();
    if (end < text_.size() && IsWordChar(text_[end])) return false;
    pos_ = end;
    return true;
  }

  bool Symbol(std::string_view sym) {
    SkipSpace();
    if (text_.substr(pos_, sym.size()) != sym) return false;
    pos_ += sym.size();
    return true;
  }

  // 'text' or "text" (or `text` when `backtick`); \x and doubled quotes escape.
  Result<std::string> Quoted() {
    char quote = Peek();
    size_t start = pos_++;
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '\\' && pos_ < text_.size()) {
        out += text_[pos_++];
      } else if (c == quote) {
        if (Peek() == quote) {
          out += quote;
          ++pos_;
        } else {
          return out;
        }
      } else {
        out += c;
      }
    }
    return ErrorAt(start, "unterminated quoted text");
  }

  Result<double> Number() {
    size_t start = pos_;
    if (Peek() == '-' || Peek() == '+') ++pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' ||
            ((text_[pos_] == '-' || text_[pos_] == '+') &&
             (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')))) {
      ++pos_;
    }
    std::string_view num = text_.substr(start, pos_ - start);
    if (!num.empty() && num.front() == '+') num.remove_prefix(1);
    double value = 0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
    if (num.empty() || ec != std::errc() || end != num.data() + num.size()) {
      return ErrorAt(start, "expected a number, found '" +
                                std::string(text_.substr(start, pos_ - start)) + "'");
    }
    return value;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

struct Identifier {
  Entity entity;
  std::string key;
  size_t pos;
};

// entity.key, entity.`quoted key`, entity."quoted key", or a bare attribute.
Result<Identifier> ParseIdentifier(Scanner& s) {
  s.SkipSpace();
  size_t start = s.pos();
  if (s.Peek() == '`' || s.Peek() == '"') {
    ASSIGN_OR_RETURN(std::string key, s.Quoted());
    return Identifier{Entity::kAttribute, key, start};
  }
  std::string_view word = s.Word();
  if (word.empty()) return s.Error("expected an identifier, found " + s.Near());
  size_t dot = word.find('.');
  if (dot == std::string_view::npos) {
    return Identifier{Entity::kAttribute, std::string(word), start};
  }
  std::optional<Entity> entity = EntityByName(word.substr(0, dot));
  if (!entity) {
    return s.ErrorAt(start, "invalid entity type '" + std::string(word.substr(0, dot)) +
                                "': expected metrics, params, tags, attributes or datasets");
  }
  std::string key(word.substr(dot + 1));
  if (key.empty()) {
    if (s.Peek() != '`' && s.Peek() != '"') {
      return s.Error("expected a key after '" + std::string(word) + "'");
    }
    ASSIGN_OR_RETURN(key, s.Quoted());
    if (key.empty()) return s.ErrorAt(start, "empty key");
  }
  return Identifier{*entity, key, start};
}

Result<Comparator> ParseComparator(Scanner& s) {
  s.SkipSpace();
  if (s.Symbol("!=") || s.Symbol("<>")) return Comparator::kNe;
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
    return s.Error("expected IN after NOT");
  }
  if (s.Keyword("is")) {
    bool negated = s.Keyword("not");
    if (!s.Keyword("null")) return s.Error("expected NULL after IS");
    return negated ? Comparator::kIsNotNull : Comparator::kIsNull;
  }
  return s.Error("expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, "
                 "NOT IN, IS NULL), found " + s.Near());
}

Result<FilterValue> ParseValue(Scanner& s, Comparator op) {
  s.SkipSpace();
  if (op == Comparator::kIsNull || op == Comparator::kIsNotNull) return FilterValue{};
  if (op == Comparator::kIn || op == Comparator::kNotIn) {
    if (!s.Symbol("(")) return s.Error("expected '(' to start a list of values");
    std::vector<std::string> items;
    do {
      s.SkipSpace();
      if (s.Peek() != '\'' && s.Peek() != '"') {
        return s.Error("expected a quoted string in the list, found " + s.Near());
      }
      ASSIGN_OR_RETURN(std::string item, s.Quoted());
      items.push_back(std::move(item));
    } while (s.Symbol(","));
    if (!s.Symbol(")")) return s.Error("expected ',' or ')' in the list");
    return FilterValue{std::move(items)};
  }
  if (s.Peek() == '\'' || s.Peek() == '"') {
    ASSIGN_OR_RETURN(std::string text, s.Quoted());
    return FilterValue{std::move(text)};
  }
  if (std::isdigit(static_cast<unsigned char>(s.Peek())) || s.Peek() == '-' ||
      s.Peek() == '+' || s.Peek() == '.') {
    ASSIGN_OR_RETURN(double number, s.Number());
    return FilterValue{number};
  }
  return s.Error("expected a value (a number, a quoted string or a list), found " +
                 s.Near());
}

bool IsNumericOp(Comparator op) {
  return op == Comparator::kEq || op == Comparator::kNe || op == Comparator::kLt ||
         op == Comparator::kLe || op == Comparator::kGt || op == Comparator::kGe;
}

bool IsStringOp(Comparator op) {
  return op == Comparator::kEq || op == Comparator::kNe || op == Comparator::kLike ||
         op == Comparator::kILike || op == Comparator::kIn || op == Comparator::kNotIn;
}

// Canonical attribute names; numeric ones compare numbers.
std::optional<std::pair<std::string, bool>> RunAttribute(std::string_view key) {
  std::string k = Lower(key);
  if (k == "run_id" || k == "run_uuid" || k == "id") return {{"run_id", false}};
  if (k == "run_name" || k == "name") return {{"run_name", false}};
  if (k == "status") return {{"status", false}};
  if (k == "user_id") return {{"user_id", false}};
  if (k == "artifact_uri") return {{"artifact_uri", false}};
  if (k == "lifecycle_stage") return {{"lifecycle_stage", false}};
  if (k == "start_time" || k == "created") return {{"start_time", true}};
  if (k == "end_time") return {{"end_time", true}};
  return std::nullopt;
}

std::optional<std::pair<std::string, bool>> ExperimentAttribute(std::string_view key) {
  std::string k = Lower(key);
  if (k == "name") return {{"name", false}};
  if (k == "experiment_id") return {{"experiment_id", false}};
  if (k == "creation_time") return {{"creation_time", true}};
  if (k == "last_update_time") return {{"last_update_time", true}};
  return std::nullopt;
}

using AttributeFn = std::optional<std::pair<std::string, bool>> (*)(std::string_view);

// Checks that a clause's comparator and value fit its entity.
Status CheckClause(Scanner& s, Clause& c, size_t pos, AttributeFn attribute,
                   bool experiments) {
  auto need = [&](bool ok, const std::string& what) {
    return ok ? Status::Ok() : s.ErrorAt(pos, what);
  };
  bool is_null_op = c.op == Comparator::kIsNull || c.op == Comparator::kIsNotNull;
  bool numeric = std::holds_alternative<double>(c.value);
  switch (c.entity) {
    case Entity::kMetric:
      if (experiments) return s.ErrorAt(pos, "experiments cannot be filtered by metrics");
      RETURN_IF_ERROR(need(IsNumericOp(c.op), "metrics support =, !=, <, <=, >, >="));
      return need(numeric, "metric '" + c.key + "' must be compared with a number");
    case Entity::kParam:
    case Entity::kTag:
      if (experiments && c.entity == Entity::kParam) {
        return s.ErrorAt(pos, "experiments cannot be filtered by params");
      }
      RETURN_IF_ERROR(need(IsStringOp(c.op) || is_null_op,
                           "params and tags support =, !=, LIKE, ILIKE, IN, NOT IN, "
                           "IS NULL, IS NOT NULL"));
      return need(!numeric, "value for '" + c.key +
                                "' must be a quoted string (params and tags are strings)");
    case Entity::kDataset: {
      if (experiments) return s.ErrorAt(pos, "experiments cannot be filtered by datasets");
      std::string k = Lower(c.key);
      RETURN_IF_ERROR(need(k == "name" || k == "digest" || k == "context",
                           "datasets support the keys name, digest and context"));
      c.key = k;
      if (k == "context") {
        return need(c.op == Comparator::kEq && !numeric,
                    "datasets.context supports only = with a quoted string");
      }
      RETURN_IF_ERROR(need(IsStringOp(c.op), "datasets support =, !=, LIKE, ILIKE, IN"));
      return need(!numeric, "dataset " + k + " must be compared with a quoted string");
    }
    case Entity::kAttribute: {
      auto attr = attribute(c.key);
      if (!attr) return s.ErrorAt(pos, "invalid attribute key '" + c.key + "'");
      c.key = attr->first;
      if (attr->second) {
        RETURN_IF_ERROR(need(IsNumericOp(c.op), "attribute '" + c.key +
                                                    "' supports =, !=, <, <=, >, >="));
        return need(numeric, "attribute '" + c.key + "' must be compared with a number");
      }
      RETURN_IF_ERROR(need(IsStringOp(c.op),
                           "attribute '" + c.key +
                               "' supports =, !=, LIKE, ILIKE, IN, NOT IN"));
      return need(!numeric, "attribute '" + c.key + "' must be compared with a quoted string");
    }
  }
  return Status::Ok();
}

Result<Filter> ParseFilter(std::string_view text, AttributeFn attribute, bool experiments) {
  Filter filter;
  Scanner s(text);
  if (s.AtEnd()) return filter;
  for (;;) {
    ASSIGN_OR_RETURN(Identifier id, ParseIdentifier(s));
    ASSIGN_OR_RETURN(Comparator op, ParseComparator(s));
    ASSIGN_OR_RETURN(FilterValue value, ParseValue(s, op));
    Clause clause{id.entity, id.key, op, std::move(value)};
    RETURN_IF_ERROR(CheckClause(s, clause, id.pos, attribute, experiments));
    filter.clauses.push_back(std::move(clause));
    if (s.AtEnd()) return filter;
    if (s.Keyword("or")) return s.Error("OR is not supported; combine clauses with AND");
    if (!s.Keyword("and")) return s.Error("expected AND or the end, found " + s.Near());
  }
}

Result<OrderBy> ParseOrder(std::string_view text, AttributeFn attribute, bool experiments) {
  Scanner s(text);
  ASSIGN_OR_RETURN(Identifier id, ParseIdentifier(s));
  OrderBy order{id.entity, id.key, true};
  if (s.Keyword("desc")) {
    order.ascending = false;
  } else {
    (void)s.Keyword("asc");
  }
  if (!s.AtEnd()) {
    return InvalidArgument("Invalid order_by clause '" + std::string(text) +
                           "': expected ASC or DESC after the key");
  }
  bool ok = id.entity == Entity::kAttribute || id.entity == Entity::kTag ||
            (!experiments && (id.entity == Entity::kMetric || id.entity == Entity::kParam));
  if (!ok) {
    return InvalidArgument("Invalid order_by clause '" + std::string(text) +
                           "': cannot order by this entity");
  }
  if (id.entity == Entity::kAttribute) {
    auto attr = attribute(id.key);
    if (!attr) {
      return InvalidArgument("Invalid order_by clause '" + std::string(text) +
                             "': unknown attribute '" + id.key + "'");
    }
    order.key = attr->first;
  }
  return order;
}

}  // namespace

Result<Filter> ParseRunFilter(std::string_view text) {
  return ParseFilter(text, RunAttribute, false);
}
Result<OrderBy> ParseRunOrderBy(std::string_view text) {
  return ParseOrder(text, RunAttribute, false);
}
Result<Filter> ParseExperimentFilter(std::string_view text) {
  return ParseFilter(text, ExperimentAttribute, true);
}
Result<OrderBy> ParseExperimentOrderBy(std::string_view text) {
  return ParseOrder(text, ExperimentAttribute, true);
}

}  // namespace ferry::tracking
