// Data-quality checks: an expectation suite (YAML) checked against a Table.
// The same engine serves `ferry check` and, later, the pipelines' `validate`
// step.
//
//   columns:
//     amount:   {kind: numerical, not_null: true, min: 0, max: 10000, mean_between: [10, 200]}
//     country:  {allowed: [US, DE, FR], max_missing_share: 0.05}
//     id:       {unique: true}
//     email:    {regex: '^[^@]+@[^@]+$'}
//   allow_other_columns: true       # false: a column the suite does not name fails
//
// Every named column must be present. Checks: kind, not_null,
// max_missing_share, min, max (numerical), allowed (values as written),
// unique, regex (RE2: linear time, so a hostile pattern cannot stall the
// check; full match), mean_between and std_between (numerical, population
// std). Each result counts the failing values and keeps up to 5 examples.
// ParseSuite names the column and key of a bad entry. Thread-safe (pure).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "monitoring/table.h"

namespace ferry::monitoring {

struct ColumnExpectations {
  std::string column;
  std::optional<ColumnKind> kind;
  bool not_null = false;
  std::optional<double> max_missing_share;
  std::optional<double> min, max;
  std::optional<std::vector<std::string>> allowed;
  bool unique = false;
  std::optional<std::string> regex;
  std::optional<std::pair<double, double>> mean_between, std_between;
};

struct ExpectationSuite {
  std::vector<ColumnExpectations> columns;
  bool allow_other_columns = true;
};

Result<ExpectationSuite> ParseSuite(std::string_view yaml);

struct CheckResult {
  std::string column;
  std::string check;
  bool passed = true;
  uint64_t failing = 0;  // values (or 1 for a column-level check)
  uint64_t checked = 0;
  std::vector<std::string> examples;
  std::string message;
};

struct QualityReport {
  std::vector<CheckResult> results;
  uint64_t failed = 0;
  bool passed() const { return failed == 0; }
};

QualityReport CheckQuality(const Table& table, const ExpectationSuite& suite);
nlohmann::json QualityReportToJson(const QualityReport& report);

}  // namespace ferry::monitoring
