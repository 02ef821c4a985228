// Profile: a mergeable per-column summary of a dataset or of a time window
// of served data — the unit monitoring stores instead of raw rows.
//
// Per column: rows, missing / non-finite / invalid counts, a distinct-count
// sketch (HyperLogLog, about 1.6% error), and by kind:
//   numerical: count, min, max, mean and M2 (merged with Chan's formula), a
//     KLL quantile sketch (rank error NormalizedRankError(200) ~ 1.3%), and
//     counts on fixed bin edges taken from the reference profile (numpy's
//     Sturges edges over the reference), plus one bin below and one above;
//   categorical: frequent items (exact until more than 2 x 1024 distinct).
// Windows (e.g. hours) merge into larger windows without the rows: merging
// is associative and commutative up to the sketches' error (exact for the
// counts, moments up to rounding). Thread-compatible.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "monitoring/sketch/frequent_items.h"
#include "monitoring/sketch/hll.h"
#include "monitoring/sketch/kll.h"
#include "monitoring/table.h"

namespace ferry::monitoring {

struct NumericSummary {
  uint64_t count = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double mean = 0;
  double m2 = 0;  // sum of squared deviations from the mean
  KllSketch quantiles;
  std::vector<double> edges;  // fixed bin edges (from the reference)
  std::vector<double> bins;   // edges.size() + 1 counts: below, [e0,e1) ... [e_n-1, e_n], above

  void Add(double x);
  double PopulationStd() const;
};

struct ColumnProfile {
  static constexpr uint32_t kCategoryCapacity = 1024;

  std::string name;
  ColumnKind kind = ColumnKind::kNumerical;
  uint64_t rows = 0;
  uint64_t missing = 0;
  uint64_t non_finite = 0;
  uint64_t invalid = 0;
  HyperLogLog distinct;
  NumericSummary numeric;                              // numerical columns
  FrequentItems categories{kCategoryCapacity};         // categorical and text columns

  uint64_t present() const;
};

struct Profile {
  int64_t start_ms = 0;  // the window, [start, end); 0 for a reference
  int64_t end_ms = 0;
  uint64_t rows = 0;
  std::vector<ColumnProfile> columns;

  const ColumnProfile* Find(std::string_view name) const;
  ColumnProfile* Find(std::string_view name);
};

// A profile of a whole table, with the table's column kinds (read current
// data with the reference's table as schema to share kinds). With
// `reference`, numerical columns it also has as numerical are binned on its
// edges; otherwise edges are numpy's Sturges edges over the column.
Profile ProfileOf(const Table& table, const Profile* reference = nullptr);

// An empty column shaped like `like` (same kind and bin edges), for
// streaming values in one at a time.
ColumnProfile EmptyLike(const ColumnProfile& like);

// What MergeInto does with a column whose kind or bin edges differ: fail
// (InvalidArgument naming it, `into` unchanged), or keep `other`'s column
// (the ingester: a reference uploaded mid-window changes kinds and edges;
// that window's earlier values of the column are dropped, counted in
// `replaced`).
enum class OnConflict { kFail, kReplace };

// Adds `other` into `into`: counts add, sketches merge, the window widens.
// Columns only in `other` are appended.
Status MergeInto(Profile* into, const Profile& other, OnConflict on_conflict = OnConflict::kFail,
                 int* replaced = nullptr);

// Compact binary form (for the metadata store) and a readable summary.
std::string SerializeProfile(const Profile& profile);
Result<Profile> ParseProfile(std::string_view bytes);
nlohmann::json ProfileToJson(const Profile& profile);

}  // namespace ferry::monitoring
