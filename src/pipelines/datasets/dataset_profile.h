// DatasetProfile: what a dataset version holds, summarised once when it is
// registered and stored (as JSON, in the metadata store) so that a diff
// between versions never needs the files again.
//
// Tables: every file whose name ends in ".csv" (any case) is one table,
// named by its path in the manifest. A folder of CSV parts is several
// tables, not one: merging files by header would also merge a train.csv
// with a test.csv, and a table per file is what the manifest can name. A
// CSV is read with monitoring's reader (RFC 4180, kinds inferred as
// Evidently does: numerical, categorical or text) and summarised with
// monitoring's Profile (profile.h), so the numbers and the drift tests
// agree with `ferry drift`. A CSV that does not parse, or is larger than
// ProfileOptions::max_table_bytes, is listed with the reason instead. Other
// files are only counted (files, bytes).
//
// Per column (ColumnSummary): rows, missing count and rate, non-finite and
// invalid counts, distinct values (exact for categorical columns with up to
// 2,048 distinct values, else a HyperLogLog estimate, ~1.6%); numerical:
// count, min, max, mean, population std (numpy's ddof=0), quantiles p5, p25,
// p50, p75, p95 (inverted CDF, numpy's method="inverted_cdf": exact up to
// 200 values, beyond within KLL's ~1.3% rank error), and a histogram on
// numpy's Sturges edges (numpy.histogram(x, bins="sturges")); categorical
// and text: the 20 most frequent values with counts (exact while the
// distinct values number at most 2,048).
//
// JSON form (DatasetProfileToJson), with NaN as null:
//   {"format": 1, "files": 3, "bytes": 9000, "other_files": 1,
//    "other_bytes": 100, "tables": [
//      {"path": "train.csv", "bytes": 8900, "rows": 100, "columns": [
//         {"name": "age", "kind": "numerical", "rows": 100, "missing": 2,
//          "missing_rate": 0.02, "non_finite": 0, "invalid": 0,
//          "distinct": 37, "distinct_exact": false, "count": 98,
//          "min": 1, "max": 90, "mean": 40.1, "std": 12.3,
//          "quantiles": {"p5": .., "p25": .., "p50": .., "p75": .., "p95": ..},
//          "histogram": {"edges": [...], "counts": [...]}},
//         {"name": "city", "kind": "categorical", ..., "count": 100,
//          "top": [{"value": "Oslo", "count": 40}, ...]}],
//       "sketch": "<base64>"},
//      {"path": "broken.csv", "bytes": 10, "error": "line 3: ..."}]}
// "sketch" is monitoring's binary profile (SerializeProfile) in base64 and
// is what DatasetProfileFromJson reads back; "rows" and "columns" are
// derived from it for readers (UI, SDK). Text columns keep only their 20
// most frequent values in the sketch, to bound its size.
//
// Thread-safe (pure functions and value types).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "monitoring/profile.h"
#include "pipelines/datasets/dataset_manifest.h"

namespace ferry::datasets {

inline constexpr size_t kTopCategories = 20;
inline constexpr std::array<double, 5> kQuantileLevels = {0.05, 0.25, 0.5, 0.75, 0.95};
inline constexpr std::array<std::string_view, 5> kQuantileNames = {"p5", "p25", "p50", "p75", "p95"};

struct ProfileOptions {
  uint64_t max_table_bytes = uint64_t{1} << 30;  // larger CSVs are listed, not read
  int threads = 0;                               // CSV parsing threads (0: all cores)
};

struct TableProfile {
  std::string path;  // the CSV's path in the manifest
  uint64_t bytes = 0;
  std::string error;            // why it was not profiled; "" when it was
  monitoring::Profile profile;  // columns, with their sketches
};

struct DatasetProfile {
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::vector<TableProfile> tables;  // in path order
  uint64_t other_files = 0;          // files that are not CSV
  uint64_t other_bytes = 0;

  const TableProfile* Find(std::string_view path) const;
};

struct CategoryCount {
  std::string value;
  uint64_t count = 0;
};

// One column as the JSON and the diff show it (see the file comment).
struct ColumnSummary {
  std::string name;
  monitoring::ColumnKind kind = monitoring::ColumnKind::kNumerical;
  uint64_t rows = 0, missing = 0, non_finite = 0, invalid = 0;
  double missing_rate = 0;
  uint64_t distinct = 0;
  bool distinct_exact = false;
  uint64_t count = 0;                                           // present values
  double min = NAN, max = NAN, mean = NAN, std = NAN;           // numerical
  std::array<double, 5> quantiles = {NAN, NAN, NAN, NAN, NAN};  // at kQuantileLevels
  std::vector<double> edges;                                    // histogram edges (numerical)
  std::vector<double> counts;                                   // edges.size() - 1 counts
  std::vector<CategoryCount> top;                               // categorical and text: most frequent first
};

ColumnSummary SummarizeColumn(const monitoring::ColumnProfile& column);

// Profiles the files of `manifest` read from `source_path` (the file or
// folder that was scanned). FailedPrecondition naming a file whose content
// no longer matches the manifest; InvalidArgument for an invalid manifest
// or a file that now escapes the root.
Result<DatasetProfile> ProfileDataset(const DatasetManifest& manifest, const std::string& source_path,
                                      const ProfileOptions& options = {});

// The same, reading the files' blobs from a content-addressed store
// (dataset_blobs.h); NotFound naming a file whose blob is missing.
Result<DatasetProfile> ProfileStoredDataset(const DatasetManifest& manifest, const std::string& cas_root,
                                            const ProfileOptions& options = {});

nlohmann::json DatasetProfileToJson(const DatasetProfile& profile);
// InvalidArgument naming the field ("tables[1].sketch") when malformed.
Result<DatasetProfile> DatasetProfileFromJson(const nlohmann::json& json);

}  // namespace ferry::datasets
