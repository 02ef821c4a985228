#include "pipelines/steps/with_args.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "core/text.h"

namespace ferry::pipelines::steps {
namespace {

using Json = nlohmann::json;

// Bounds on text given as a YAML/JSON document (a params map, a list).
constexpr size_t kMaxDocumentBytes = 64 * 1024;
constexpr int kMaxDepth = 16;
// YAML aliases can make a small text expand: the walk stops at this many nodes.
constexpr int kMaxNodes = 100000;

Status Bad(std::string_view field, const std::string& what) {
  return InvalidArgument("with." + std::string(field) + ": " + what);
}

const Json* Find(const Json& with, std::string_view field) {
  if (!with.is_object()) return nullptr;
  auto it = with.find(std::string(field));
  if (it == with.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::optional<int64_t> ParseInteger(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseNumber(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Result<Json> FromYaml(const YAML::Node& node, std::string_view field, int depth,
                      int* nodes) {
  if (depth > kMaxDepth)
    return Bad(field, "nested more than " + std::to_string(kMaxDepth) + " deep");
  if (++*nodes > kMaxNodes)
    return Bad(field, "has more than " + std::to_string(kMaxNodes) + " values");
  if (node.IsNull()) return Json();
  if (node.IsScalar()) return Json(node.Scalar());
  Json out = node.IsSequence() ? Json::array() : Json::object();
  for (const auto& item : node) {
    if (node.IsSequence()) {
      ASSIGN_OR_RETURN(Json v, FromYaml(item, field, depth + 1, nodes));
      out.push_back(std::move(v));
    } else {
      if (!item.first.IsScalar()) return Bad(field, "mapping keys must be plain text");
      ASSIGN_OR_RETURN(Json v, FromYaml(item.second, field, depth + 1, nodes));
      out[item.first.Scalar()] = std::move(v);
    }
  }
  return out;
}

std::vector<std::string> SplitNames(std::string_view text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    names.emplace_back(Trim(text.substr(start, comma - start)));
    start = comma + 1;
  }
  return names;
}

}  // namespace

std::string ShortestText(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(value);
}

std::optional<std::string> ScalarText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number_float()) return ShortestText(value.get<double>());
  return std::nullopt;
}

Status CheckArguments(const Json& with, std::initializer_list<std::string_view> known) {
  if (with.is_null()) return Status::Ok();
  if (!with.is_object())
    return InvalidArgument("with: must be a mapping of argument names to values");
  for (const auto& [key, value] : with.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return InvalidArgument("with." + key + ": unknown argument (known: " + list + ")");
  }
  return Status::Ok();
}

Result<std::optional<std::string>> TextArg(const Json& with, std::string_view field) {
  const Json* v = Find(with, field);
  if (v == nullptr) return std::optional<std::string>();
  std::optional<std::string> text = ScalarText(*v);
  if (!text || v->is_boolean()) return Bad(field, "must be text");
  if (text->empty()) return Bad(field, "must not be empty");
  if (!IsValidUtf8(*text)) return Bad(field, "must be valid UTF-8");
  return text;
}

Result<std::string> RequiredTextArg(const Json& with, std::string_view field) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, TextArg(with, field));
  if (!text) return Bad(field, "is required");
  return *text;
}

Result<std::optional<int64_t>> IntegerArg(const Json& with, std::string_view field,
                                          int64_t min, int64_t max) {
  const Json* v = Find(with, field);
  if (v == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> n;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() &&
        v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      n = std::nullopt;
    } else {
      n = v->get<int64_t>();
    }
  } else if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
      n = static_cast<int64_t>(d);
  } else if (v->is_string()) {
    n = ParseInteger(v->get<std::string>());
  }
  if (!n || *n < min || *n > max) {
    return Bad(field, "must be an integer in [" + std::to_string(min) + ", " +
                          std::to_string(max) + "]");
  }
  return n;
}

Result<std::optional<double>> NumberArg(const Json& with, std::string_view field,
                                        double min, double max, bool max_exclusive) {
  const Json* v = Find(with, field);
  if (v == nullptr) return std::optional<double>();
  std::optional<double> d;
  if (v->is_number()) d = v->get<double>();
  if (v->is_string()) d = ParseNumber(v->get<std::string>());
  bool in_range =
      d && std::isfinite(*d) && *d >= min && (max_exclusive ? *d < max : *d <= max);
  if (!in_range) {
    return Bad(field, "must be a number in [" + ShortestText(min) + ", " +
                          ShortestText(max) + (max_exclusive ? ")" : "]"));
  }
  return d;
}

Result<std::optional<std::vector<std::string>>> NameListArg(const Json& with,
                                                            std::string_view field) {
  const Json* v = Find(with, field);
  if (v == nullptr) return std::optional<std::vector<std::string>>();
  Json list = *v;
  if (v->is_string()) {
    std::string_view text = Trim(v->get_ref<const std::string&>());
    if (text.starts_with("[")) {
      ASSIGN_OR_RETURN(list, YamlTextToJson(text, field));
    } else {
      list = SplitNames(text);
    }
  }
  if (!list.is_array()) return Bad(field, "must be a list of names");
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const Json& item : list) {
    std::optional<std::string> name = ScalarText(item);
    if (!name || name->empty()) return Bad(field, "must be a list of non-empty names");
    if (!seen.insert(*name).second)
      return Bad(field, QuotedForMessage(*name) + " is listed twice");
    names.push_back(std::move(*name));
  }
  if (names.empty()) return Bad(field, "must not be an empty list");
  return std::optional<std::vector<std::string>>(std::move(names));
}

Result<std::optional<Json>> ObjectArg(const Json& with, std::string_view field) {
  const Json* v = Find(with, field);
  if (v == nullptr) return std::optional<Json>();
  Json object = *v;
  if (v->is_string()) {
    ASSIGN_OR_RETURN(object, YamlTextToJson(v->get_ref<const std::string&>(), field));
  }
  if (!object.is_object()) return Bad(field, "must be a mapping");
  return std::optional<Json>(std::move(object));
}

Result<Json> YamlTextToJson(std::string_view text, std::string_view field) {
  if (text.size() > kMaxDocumentBytes) {
    return Bad(field, "is longer than " + std::to_string(kMaxDocumentBytes) + " bytes");
  }
  try {
    int nodes = 0;
    return FromYaml(YAML::Load(std::string(text)), field, 0, &nodes);
  } catch (const YAML::Exception& e) {
    return Bad(field, "line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace ferry::pipelines::steps
