// Drift between a reference table and a current one, column by column, the
// way Evidently's DataDriftPreset decides it (same default tests, thresholds
// and dataset rule: drift when the share of drifted columns >= drift_share),
// so the decisions can be compared column for column.
//
// Bad data never stops the report: a column missing from the current data,
// an empty (all-missing) column, a text column, values that are not numbers
// in a numerical column, non-finite values and categories unseen in the
// reference become findings; such a column is tested on what remains, or
// reported as not tested with the reason. Columns are tested in parallel.
// Thread-safe (pure).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "monitoring/profile.h"
#include "monitoring/table.h"

namespace ferry::monitoring {

struct DriftOptions {
  std::string test;                                   // every column (empty: Evidently's choice)
  std::string numerical_test, categorical_test;       // per kind
  std::map<std::string, std::string> column_tests;    // per column: wins over the above
  std::optional<double> threshold;                    // every column (else the test's default)
  std::map<std::string, double> column_thresholds;
  std::vector<std::string> columns;                   // empty: every reference column
  double drift_share = 0.5;
  int threads = 0;                                    // 0: hardware concurrency
};

// Validates names of tests and columns up front (InvalidArgument naming them).
Status CheckDriftOptions(const DriftOptions& options, const std::function<bool(std::string_view)>& has_column);

struct Histogram {
  std::vector<std::string> labels;  // bin "[lo, hi)" or category
  std::vector<double> edges;        // numerical: bin edges (labels.size() + 1)
  std::vector<double> ref;          // shares of the reference per bin / category
  std::vector<double> cur;
};

struct ColumnDrift {
  std::string column;
  ColumnKind kind = ColumnKind::kNumerical;
  bool tested = false;
  std::string reason;  // why not tested
  std::string test;
  double statistic = 0;
  double p_value = 0;  // NaN for distances
  double score = 0;
  double threshold = 0;
  bool drifted = false;
  uint64_t ref_count = 0;  // values tested
  uint64_t cur_count = 0;
  Histogram histogram;
};

// A data problem met on the way, counted.
struct Finding {
  std::string column;
  std::string kind;  // missing_column, unexpected_column, empty_column, missing_values,
                     // non_finite, invalid_values, unseen_categories, text_not_tested, type_mismatch
  uint64_t count = 0;
  std::string message;
};

struct DriftReport {
  std::vector<ColumnDrift> columns;
  std::vector<Finding> findings;
  uint64_t reference_rows = 0;
  uint64_t current_rows = 0;
  uint64_t tested = 0;
  uint64_t drifted = 0;
  double share = 0;
  double drift_share = 0.5;
  bool dataset_drift = false;
};

Result<DriftReport> ComputeDrift(const Table& reference, const Table& current, const DriftOptions& options);

// The same between two profiles (a reference and a window of served data):
// categorical columns are tested exactly on their counts, numerical ones on
// the reference's fixed bins and the quantile sketches (see stattests.h).
Result<DriftReport> ComputeProfileDrift(const Profile& reference, const Profile& current,
                                        const DriftOptions& options);

nlohmann::json DriftReportToJson(const DriftReport& report);

}  // namespace ferry::monitoring
