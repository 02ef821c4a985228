// Typed field readers for the dataset JSON forms (manifest, profile), with
// errors that name the field ("entries[2].size: expected ..."). Not part of
// the public headers. Thread-safe (pure).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace ferry::datasets::internal {

// json[name] as a string / a non-negative integer; `where` prefixes the
// field's name in errors ("" or "tables[1].").
inline Result<std::string> StringField(const nlohmann::json& json, const std::string& where, const char* name) {
  auto it = json.find(name);
  if (it == json.end()) return InvalidArgument(where + name + ": missing");
  if (!it->is_string()) return InvalidArgument(where + name + ": expected a string");
  return it->get<std::string>();
}

inline Result<uint64_t> UintField(const nlohmann::json& json, const std::string& where, const char* name) {
  auto it = json.find(name);
  if (it == json.end()) return InvalidArgument(where + name + ": missing");
  bool non_negative = it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0);
  if (!non_negative) return InvalidArgument(where + name + ": expected a non-negative integer");
  return it->get<uint64_t>();
}

}  // namespace ferry::datasets::internal
