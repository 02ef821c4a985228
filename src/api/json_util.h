// Reading request fields with errors that name the field, and writing
// doubles the way protobuf's JSON mapping does (NaN → "NaN", ±inf →
// "Infinity"/"-Infinity"), which is what the MLflow client expects.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "core/status.h"

namespace ferry::api {

using Json = nlohmann::json;

// POST/PUT/PATCH and DELETE with a body: the JSON body, which must be an
// object (an empty body is {}). GET and DELETE without a body: the query
// parameters as an object (repeated keys become arrays). Malformed JSON is kInvalidArgument with the byte position.
Result<Json> RequestInput(const HttpRequest& request);

Result<std::string> GetString(const Json& obj, std::string_view field);  // required
Result<std::optional<std::string>> GetOptString(const Json& obj,
                                                std::string_view field);
// Accepts a JSON integer or a string of digits (protobuf's int64 mapping).
Result<std::optional<int64_t>> GetOptInt(const Json& obj, std::string_view field);
Result<int64_t> GetInt(const Json& obj, std::string_view field);  // required
// Accepts a number or "NaN" / "Infinity" / "-Infinity" (also "inf"/"nan").
Result<double> GetDouble(const Json& obj, std::string_view field);
// An array of strings, or (when `allow_single`) one string: a repeated
// query parameter given once arrives as a string.
Result<std::vector<std::string>> GetStringList(const Json& obj, std::string_view field,
                                               bool allow_single = true);
// true/false, or the strings "true"/"false" (a query parameter); missing or
// null = false.
Result<bool> GetOptBool(const Json& obj, std::string_view field);
// An array of objects (missing = empty).
Result<std::vector<Json>> GetObjectList(const Json& obj, std::string_view field);

Json DoubleToJson(double value);
std::string Dump(const Json& value);

Status MissingField(std::string_view field);
Status WrongType(std::string_view field, std::string_view expected,
                 const Json& got);

}  // namespace ferry::api
