#include "api/json_util.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace ferry::api {

Status MissingField(std::string_view field) {
  return InvalidArgument("Missing value for required parameter '" +
                         std::string(field) + "'");
}

Status WrongType(std::string_view field, std::string_view expected,
                 const Json& got) {
  std::string shown = got.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (shown.size() > 100) shown = shown.substr(0, 100) + "...";
  return InvalidArgument("Invalid value " + shown + " for parameter '" +
                         std::string(field) + "' supplied: expected " +
                         std::string(expected));
}

Result<Json> RequestInput(const HttpRequest& request) {
  // The MLflow client sends DELETE with a JSON body; a DELETE without one
  // reads the query.
  bool has_body = request.method == Method::kPost || request.method == Method::kPut ||
                  request.method == Method::kPatch ||
                  (request.method == Method::kDelete && !request.body.empty());
  if (!has_body || (request.body.empty() && !request.query.empty())) {
    Json obj = Json::object();
    for (const auto& [key, value] : request.query) {
      if (!obj.contains(key)) {
        obj[key] = value;
      } else {
        if (!obj[key].is_array()) obj[key] = Json::array({obj[key]});
        obj[key].push_back(value);
      }
    }
    return obj;
  }
  if (request.body.empty()) return Json::object();
  try {
    Json body = Json::parse(request.body);
    if (!body.is_object()) {
      return InvalidArgument("Malformed request body: expected a JSON object");
    }
    return body;
  } catch (const Json::parse_error& e) {
    return InvalidArgument("Malformed JSON in request body at byte " +
                           std::to_string(e.byte) + ": " + e.what());
  }
}

Result<std::optional<std::string>> GetOptString(const Json& obj,
                                                std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return WrongType(field, "a string", *it);
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> GetString(const Json& obj, std::string_view field) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, GetOptString(obj, field));
  if (!value || value->empty()) return MissingField(field);
  return *std::move(value);
}

Result<std::optional<int64_t>> GetOptInt(const Json& obj, std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<int64_t>();
  if (it->is_number_integer()) return std::optional<int64_t>(it->get<int64_t>());
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
      return std::optional<int64_t>(static_cast<int64_t>(d));
    }
  }
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) {
      return std::optional<int64_t>(value);
    }
  }
  return WrongType(field, "an integer", *it);
}

Result<int64_t> GetInt(const Json& obj, std::string_view field) {
  ASSIGN_OR_RETURN(std::optional<int64_t> value, GetOptInt(obj, field));
  if (!value) return MissingField(field);
  return *value;
}

Result<double> GetDouble(const Json& obj, std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return MissingField(field);
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    std::string s = it->get<std::string>();
    for (auto& c : s) c = static_cast<char>(std::tolower(c));
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "infinity" || s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-infinity" || s == "-inf") return -std::numeric_limits<double>::infinity();
    double value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return value;
  }
  return WrongType(field, "a number", *it);
}

Result<std::vector<std::string>> GetStringList(const Json& obj, std::string_view field,
                                               bool allow_single) {
  std::vector<std::string> out;
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return out;
  if (it->is_string() && allow_single) {
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) return WrongType(field, "a list of strings", *it);
  for (const Json& item : *it) {
    if (!item.is_string()) return WrongType(field, "a list of strings", item);
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::vector<Json>> GetObjectList(const Json& obj, std::string_view field) {
  std::vector<Json> out;
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return WrongType(field, "a list of objects", *it);
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& item = (*it)[i];
    if (!item.is_object()) {
      return WrongType(std::string(field) + "[" + std::to_string(i) + "]",
                       "an object", item);
    }
    out.push_back(item);
  }
  return out;
}

Result<bool> GetOptBool(const Json& obj, std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string() && (*it == "true" || *it == "false")) return *it == "true";
  return WrongType(field, "a boolean", *it);
}

Json DoubleToJson(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace ferry::api
