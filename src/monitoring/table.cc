#include "monitoring/table.h"

namespace ferry::monitoring {

// Evidently's INTEGER_CARDINALITY_LIMIT: an integer column with at most this
// many distinct values is categorical.
constexpr uint64_t kIntegerCardinalityLimit = 10;

std::string_view ColumnKindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kNumerical:
      return "numerical";
    case ColumnKind::kCategorical:
      return "categorical";
    case ColumnKind::kText:
      return "text";
  }
  return "unknown";
}

const Column* Table::Find(std::string_view name) const {
  for (const Column& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

ColumnKind InferNumericKind(bool integral, uint64_t distinct) {
  return integral && distinct <= kIntegerCardinalityLimit ? ColumnKind::kCategorical
                                                          : ColumnKind::kNumerical;
}

ColumnKind InferStringKind(uint64_t distinct, uint64_t present) {
  return 2 * distinct > present ? ColumnKind::kText : ColumnKind::kCategorical;
}

}  // namespace ferry::monitoring
