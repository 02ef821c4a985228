#include "monitoring/window_profiler.h"

#include <charconv>
#include <cmath>

#include "monitoring/sketch/hash.h"

namespace ferry::monitoring {

namespace {

std::string CategoryOf(double value) {
  char buf[32];
  auto [end, ec] = std::abs(value) < 9e15 && value == std::floor(value)
                       ? std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value))
                       : std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

}  // namespace

size_t WindowProfiler::Column(std::string_view name, bool first_value_is_number) {
  auto it = index_.find(name);
  if (it != index_.end()) return it->second;
  const ColumnProfile* known = reference_ ? reference_->Find(name) : nullptr;
  ColumnProfile column;
  if (known) {
    column = EmptyLike(*known);
  } else {
    column.name = std::string(name);
    column.kind = first_value_is_number ? ColumnKind::kNumerical : ColumnKind::kCategorical;
  }
  profile_.columns.push_back(std::move(column));
  index_.emplace(std::string(name), profile_.columns.size() - 1);
  return profile_.columns.size() - 1;
}

void WindowProfiler::AddNumber(size_t column, double value) {
  ColumnProfile& c = profile_.columns[column];
  ++c.rows;
  if (std::isnan(value)) {
    ++c.missing;
  } else if (c.kind != ColumnKind::kNumerical) {
    std::string category = CategoryOf(value);
    c.categories.Add(category);
    c.distinct.AddHash(HashBytes(category));
  } else if (!std::isfinite(value)) {
    ++c.non_finite;
  } else {
    c.numeric.Add(value);
    c.distinct.AddHash(HashDouble(value));
  }
}

void WindowProfiler::AddString(size_t column, std::string_view value) {
  ColumnProfile& c = profile_.columns[column];
  ++c.rows;
  if (c.kind == ColumnKind::kNumerical) {
    ++c.invalid;
    return;
  }
  c.categories.Add(value);
  c.distinct.AddHash(HashBytes(value));
}

void WindowProfiler::AddMissing(size_t column) {
  ++profile_.columns[column].rows;
  ++profile_.columns[column].missing;
}

void WindowProfiler::AddRows(uint64_t rows) { profile_.rows += rows; }

}  // namespace ferry::monitoring
