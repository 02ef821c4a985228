// Table: a dataset as typed columns — the input of offline drift
// (`ferry drift`), of reference profiles and of quality checks.
//
// Column kinds follow Evidently's inference so that drift decisions are
// comparable: a column whose cells are all numbers is numerical, except an
// all-integer column with no missing cell and at most 10 distinct values,
// which is categorical; a column of strings is categorical, or text when more
// than half of its values are distinct. Missing cells (empty, NA, NaN, null,
// None …) are counted, never stored; +-inf in a numerical column is counted
// as non-finite and left out of the values, as Evidently drops both before
// testing. Thread-compatible value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::monitoring {

enum class ColumnKind { kNumerical, kCategorical, kText };

std::string_view ColumnKindName(ColumnKind kind);

struct Column {
  std::string name;
  ColumnKind kind = ColumnKind::kNumerical;
  std::vector<double> numbers;          // numerical: the finite values, in row order
  std::vector<uint32_t> codes;          // categorical/text: index into `dictionary`, per present cell
  std::vector<std::string> dictionary;  // categorical/text: distinct values, first-seen order
  uint64_t rows = 0;                    // cells, missing ones included
  uint64_t missing = 0;                 // empty/NA/NaN cells
  uint64_t non_finite = 0;              // numerical: +-inf cells
  uint64_t invalid = 0;                 // numerical by schema, but the cell is not a number

  // Values that take part in tests: finite numbers or present categories.
  uint64_t present() const { return kind == ColumnKind::kNumerical ? numbers.size() : codes.size(); }
};

struct Table {
  std::vector<Column> columns;
  uint64_t rows = 0;

  const Column* Find(std::string_view name) const;
};

// The inferred kind of a column of present values (see the file comment).
// `integral` means every value was written as an integer and none was missing.
ColumnKind InferNumericKind(bool integral, uint64_t distinct);
ColumnKind InferStringKind(uint64_t distinct, uint64_t present);

}  // namespace ferry::monitoring
