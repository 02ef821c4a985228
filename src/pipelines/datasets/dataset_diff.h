// DatasetDiff: what changed between two versions of a dataset (a → b),
// from their manifests and stored profiles only — `ferry datasets diff`.
//
// Files: added, removed and changed paths (DiffManifests). Tables (CSV
// files, dataset_profile.h) are matched by path; when exactly one table on
// each side has no match they are compared as one renamed table. Per table:
// rows; schema (columns added, removed, kind changed); per common column the
// missing rate, distinct values, numerical min/max/mean/std/quantiles and the
// mean's shift in a's standard deviations, categorical new and vanished
// values (known exactly while the other side's profile has at most 2,048
// distinct values) and the values whose share moved most; and a drift test
// from monitoring (ComputeProfileDrift, drift.h: Evidently's default test per
// column — ks or wasserstein on the quantile sketches for numerical columns,
// chisquare, z or jensenshannon on the counts for categorical ones; text is
// not tested), version a as the reference.
//
// Columns are ordered by `severity`, largest first: max(drift score over its
// threshold — for a p-value test log(p)/log(threshold) — and the missing
// rate's move over 5 points); >= 1 marks a change worth reading.
//
// JSON form (DiffToJson), NaN as null, a/b pairs as {"a": .., "b": ..}:
//   {"digest": {"a", "b"}, "files": {"a", "b"}, "bytes": {"a", "b"},
//    "file_changes": {"added": [{"path", "size", "sha256"}], "removed": [..],
//                     "changed": [{"path", "a": {"size", "sha256"}, "b": {..}}],
//                     "unchanged": 7},                  (with manifests only)
//    "tables": [{"a": "train.csv", "b": "train.csv",
//                "status": "compared" | "added" | "removed" | "unreadable",
//                "errors": {"a": "..", "b": ".."},       (when unreadable)
//                "rows": {"a", "b"},
//                "schema": {"added": [{"name", "kind"}], "removed": [..],
//                           "kind_changed": [{"name", "a", "b"}]},
//                "columns": [{"name", "kind": {"a", "b"}, "severity",
//                  "missing_rate": {..}, "distinct": {..},
//                  numerical: "min", "max", "mean", "std": {..},
//                    "quantiles": {"p5": {..}, ..}, "mean_shift",
//                  categorical: "categories": {"new": [..] | null,
//                    "new_count": n | null, "vanished": .., "vanished_count":
//                    .., "top_changes": [{"value", "a", "b"}]},  (shares)
//                  "drift": {"tested": true, "test", "statistic", "p_value",
//                    "score", "threshold", "drifted"} |
//                    {"tested": false, "reason"}}]}],
//    "summary": {"tables_compared", "tables_added", "tables_removed",
//                "schema_changes", "columns_drifted"}}
//
// Thread-safe (pure functions and value types).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "monitoring/drift.h"
#include "pipelines/datasets/dataset_manifest.h"
#include "pipelines/datasets/dataset_profile.h"

namespace ferry::datasets {

// One quantity in version a and in version b (NaN: absent there).
struct Change {
  double a = NAN;
  double b = NAN;
};

struct FileChange {
  std::string path;
  ManifestEntry a, b;
};

struct FileChanges {
  std::vector<ManifestEntry> added, removed;
  std::vector<FileChange> changed;
  uint64_t unchanged = 0;
};

FileChanges DiffManifests(const DatasetManifest& a, const DatasetManifest& b);

struct ColumnRef {
  std::string name;
  monitoring::ColumnKind kind = monitoring::ColumnKind::kNumerical;
};

struct KindChange {
  std::string name;
  monitoring::ColumnKind a = monitoring::ColumnKind::kNumerical, b = monitoring::ColumnKind::kNumerical;
};

struct CategoryShare {
  std::string value;
  double a = 0, b = 0;  // share of the present values
};

struct CategoryChanges {
  std::optional<std::vector<std::string>> added;  // unknown when a's profile is inexact
  std::optional<uint64_t> added_count;
  std::optional<std::vector<std::string>> vanished;  // unknown when b's is inexact
  std::optional<uint64_t> vanished_count;
  std::vector<CategoryShare> top_changes;  // largest share moves first
};

struct ColumnDiff {
  std::string name;
  monitoring::ColumnKind kind_a = monitoring::ColumnKind::kNumerical, kind_b = monitoring::ColumnKind::kNumerical;
  Change missing_rate, distinct;
  Change min, max, mean, std;                 // numerical in both
  std::array<Change, 5> quantiles;            // at kQuantileLevels
  double mean_shift = NAN;                    // (mean b - mean a) / std a
  std::optional<CategoryChanges> categories;  // categorical in both
  monitoring::ColumnDrift drift;
  double severity = 0;
};

struct TableDiff {
  std::string path_a, path_b;  // "" when only in the other version
  std::string error_a, error_b;
  Change rows;
  std::vector<ColumnRef> added, removed;
  std::vector<KindChange> kind_changed;
  std::vector<ColumnDiff> columns;  // in both, highest severity first

  std::string_view status() const;  // compared, added, removed, unreadable
};

struct DatasetDiff {
  std::string digest_a, digest_b;  // with manifests
  Change files, bytes;
  std::optional<FileChanges> file_changes;  // with manifests
  std::vector<TableDiff> tables;
};

DatasetDiff DiffProfiles(const DatasetProfile& a, const DatasetProfile& b);
// DiffProfiles plus the digests and file changes of the manifests.
DatasetDiff DiffDatasets(const DatasetManifest& manifest_a, const DatasetProfile& profile_a,
                         const DatasetManifest& manifest_b, const DatasetProfile& profile_b);

nlohmann::json DiffToJson(const DatasetDiff& diff);

// A compact listing for a terminal, most important first: the files, then
// per table the schema changes, the row count and one line per column
// (drift, missing rate, what moved), lists capped with "... and N more".
std::string DiffToText(const DatasetDiff& diff);

}  // namespace ferry::datasets
