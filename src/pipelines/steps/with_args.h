// Reading a built-in step's `with:` arguments, given as one JSON object.
//
// The arguments arrive either typed (a JSON number, list or object) or as
// text, since a pipeline file's `with:` values are kept as written: `50`,
// "50" and 50.0 are the same integer, `[a, b]` and "a, b" the same list,
// and an object may come as its YAML or JSON text. Every error is
// InvalidArgument and starts with `with.<field>: `. Absent fields and JSON
// nulls read as "not given" (nullopt). Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ferry::pipelines::steps {

// `with` must be an object (or null: no arguments) whose keys are all in
// `known`; an unknown key is named with the list of known ones.
Status CheckArguments(const nlohmann::json& with,
                      std::initializer_list<std::string_view> known);

// A non-empty string (numbers are taken as written: 50 → "50").
Result<std::optional<std::string>> TextArg(const nlohmann::json& with,
                                           std::string_view field);
// As TextArg, but absence is an error ("with.<field>: is required").
Result<std::string> RequiredTextArg(const nlohmann::json& with, std::string_view field);
// An integer in [min, max].
Result<std::optional<int64_t>> IntegerArg(const nlohmann::json& with,
                                          std::string_view field, int64_t min,
                                          int64_t max);
// A finite number in [min, max] (or [min, max) when max_exclusive).
Result<std::optional<double>> NumberArg(const nlohmann::json& with,
                                        std::string_view field, double min, double max,
                                        bool max_exclusive = false);
// A list of distinct non-empty names: a JSON array of strings, or text
// holding a YAML/JSON list or comma-separated names.
Result<std::optional<std::vector<std::string>>> NameListArg(const nlohmann::json& with,
                                                            std::string_view field);
// A JSON object, or text holding a YAML/JSON mapping (then every scalar in
// it is a string: YAML text is not typed here).
Result<std::optional<nlohmann::json>> ObjectArg(const nlohmann::json& with,
                                                std::string_view field);

// YAML (or JSON) text as JSON: mappings → objects, sequences → arrays,
// scalars → strings, null → null. InvalidArgument names `field` and the line.
Result<nlohmann::json> YamlTextToJson(std::string_view text, std::string_view field);

// A JSON scalar as the text XGBoost or a message would show: strings as
// they are, integers in decimal, other numbers in their shortest round-trip
// form, booleans as "true"/"false". nullopt for null, arrays and objects.
std::optional<std::string> ScalarText(const nlohmann::json& value);
// The shortest decimal text that reads back as `value` ("1", "0.25", "1e-07").
std::string ShortestText(double value);

}  // namespace ferry::pipelines::steps
