// ColumnBuilder: collects one CSV column's cells into a typed Column, as
// numbers or as strings (a dictionary plus codes). Slices parsed in parallel
// each fill a builder; Append joins them in row order. String views point
// into the parsed text, which must outlive the builder; Finish copies them.
// Thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "monitoring/table.h"

namespace ferry::monitoring {

struct Cell {
  std::string_view text;
  bool quoted = false;
  bool escaped = false;  // holds "" pairs that stand for one quote
};

std::string CellText(const Cell& cell);
// A number or a missing token.
bool LooksNumeric(const Cell& cell);

class ColumnBuilder {
 public:
  explicit ColumnBuilder(bool numeric) : numeric_(numeric) {}

  void Add(const Cell& cell);
  void Append(ColumnBuilder&& later);
  uint64_t invalid() const { return invalid_; }
  // `kind` (from a schema) overrides inference.
  Column Finish(std::string name, const ColumnKind* kind) &&;

 private:
  void AddNumber(std::string_view text);
  void AddString(const Cell& cell);
  uint32_t Code(std::string_view value);
  std::string_view Own(std::string value);
  Column FinishNumbers(Column column, const ColumnKind* kind);
  Column FinishStrings(Column column, const ColumnKind* kind);

  bool numeric_;
  uint64_t rows_ = 0, missing_ = 0, non_finite_ = 0, invalid_ = 0;
  bool integral_ = true;
  std::vector<double> numbers_;
  std::vector<uint32_t> codes_;
  std::vector<std::string_view> dictionary_;
  std::unordered_map<std::string_view, uint32_t> index_;
  std::vector<std::unique_ptr<std::string>> owned_;  // values the views point at (stable addresses)
};

}  // namespace ferry::monitoring
