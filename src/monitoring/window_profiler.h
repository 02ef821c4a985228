// WindowProfiler: builds the profile of one window of served data, value by
// value, as the ingester reads the payload log.
//
// Columns take their kind and bin edges from the model version's reference
// profile when it has the column: a number in a categorical column counts as
// its category (integers written without a decimal point), a string in a
// numerical column as invalid. Columns the reference lacks are numerical
// when their first value is a number (no bins), categorical otherwise.
// Null and NaN count as missing, +-inf as non-finite. Thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <functional>
#include <unordered_map>

#include "monitoring/profile.h"

namespace ferry::monitoring {

class WindowProfiler {
 public:
  // `reference` may be null; it must outlive the profiler.
  explicit WindowProfiler(const Profile* reference) : reference_(reference) {}

  // The column's index for the Add* calls (created on first use).
  size_t Column(std::string_view name, bool first_value_is_number);
  void AddNumber(size_t column, double value);
  void AddString(size_t column, std::string_view value);
  void AddMissing(size_t column);
  // Rows of the window (per record: its tensors' first dimension).
  void AddRows(uint64_t rows);
  // The window's bounds, [start, end).
  void SetWindow(int64_t start_ms, int64_t end_ms) {
    profile_.start_ms = start_ms;
    profile_.end_ms = end_ms;
  }

  const Profile& profile() const { return profile_; }
  Profile Take() { return std::move(profile_); }

 private:
  const Profile* reference_;
  Profile profile_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, size_t, NameHash, std::equal_to<>> index_;  // found without copying names
};

}  // namespace ferry::monitoring
