// The drift tests by name, with Evidently's names, allowed column kinds,
// default thresholds and decision rules, and Evidently's default choice of
// test per column (by kind, reference size and distinct values):
//   reference <= 1000 rows: numerical with > 5 distinct values: ks;
//     otherwise chisquare (> 2 distinct) or z (binary);
//   reference > 1000 rows: numerical with > 5 distinct values: wasserstein;
//     otherwise jensenshannon.
// A p-value test finds drift when p < threshold (ks and cramer_von_mises:
// p <= threshold); a distance when score >= threshold. Thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "monitoring/sketch/kll.h"
#include "monitoring/stats/binning.h"
#include "monitoring/stats/test_statistic.h"
#include "monitoring/table.h"

namespace ferry::monitoring {

struct StatTestInfo {
  std::string_view name;
  std::string_view display_name;
  bool numerical;  // allowed on numerical columns
  bool categorical;
  bool p_value;  // score is a p-value (else a distance)
  double default_threshold;
};

const std::vector<StatTestInfo>& StatTests();
const StatTestInfo* FindStatTest(std::string_view name);

// One column of reference and current data, cleaned (no missing or
// non-finite values) and ready for any test: rows, or for a numerical column
// of two profiles, bin counts on the reference's edges plus quantile
// sketches. On profiles, ks and wasserstein are estimated from the sketches
// (rank error ~1.3%: the KS statistic is within about twice that), binned
// tests are exact on the fixed bins, and anderson / cramer_von_mises, which
// need every row, are refused.
struct ColumnSamples {
  ColumnKind kind = ColumnKind::kNumerical;
  std::vector<double> ref_sorted;  // numerical rows
  std::vector<double> cur_sorted;
  const KllSketch* ref_sketch = nullptr;  // numerical profiles
  const KllSketch* cur_sketch = nullptr;
  double ref_std = 0;
  AlignedCounts bins;  // numerical profiles: counts per fixed bin
  AlignedCounts categories;  // categorical: counts per key of either sample
  uint64_t ref_count = 0;
  uint64_t cur_count = 0;
  uint64_t distinct_union = 0;  // distinct values over both samples
};

const StatTestInfo& DefaultStatTest(const ColumnSamples& samples);

struct TestOutcome {
  TestStatistic stat;
  double score = 0;  // the p-value or the distance
  bool drifted = false;
};

// Runs `test` on both samples; InvalidArgument when the test does not apply
// to the column's kind or the samples are too small for it.
Result<TestOutcome> RunStatTest(const StatTestInfo& test, const ColumnSamples& samples, double threshold);

}  // namespace ferry::monitoring
