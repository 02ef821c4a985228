// Pieces shared by drift on rows (drift.cc) and on profiles
// (profile_drift.cc). Not part of the subsystem's public header.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "monitoring/drift.h"
#include "monitoring/stattests.h"

namespace ferry::monitoring {

struct ColumnResult {
  ColumnDrift drift;
  std::vector<Finding> findings;
};

// Records a finding when count > 0.
void Note(ColumnResult* r, std::string kind, uint64_t count, std::string message);
// Counts of missing, infinite and invalid values, as findings.
template <typename C>
void NoteValues(ColumnResult* r, const C& c, const char* which) {
  std::string in = std::string(" in the ") + which + " data";
  Note(r, "missing_values", c.missing, std::to_string(c.missing) + " missing values" + in);
  Note(r, "non_finite", c.non_finite, std::to_string(c.non_finite) + " infinite values" + in + " (left out)");
  Note(r, "invalid_values", c.invalid,
       std::to_string(c.invalid) + " values that are not numbers" + in + " (left out)");
}

// Why a column (of a Table or a Profile) cannot be tested, or "" when it
// can; records the findings on the way.
template <typename C>
std::string Untestable(ColumnResult* r, const C& ref, const C* cur) {
  if (!cur) {
    Note(r, "missing_column", 1, "the current data has no column '" + ref.name + "'");
    return "missing from the current data";
  }
  if (ref.kind == ColumnKind::kText) {
    Note(r, "text_not_tested", 1, "text column: drift of free text is not computed");
    return "text column";
  }
  if (ref.kind != cur->kind) {
    Note(r, "type_mismatch", 1,
         "the reference column is " + std::string(ColumnKindName(ref.kind)) + ", the current one " +
             std::string(ColumnKindName(cur->kind)));
    return "type mismatch";
  }
  NoteValues(r, ref, "reference");
  NoteValues(r, *cur, "current");
  for (const auto& [c, which] : {std::pair{&ref, "reference"}, std::pair{cur, "current"}}) {
    if (c->present() == 0) {
      Note(r, "empty_column", 1, std::string("no values in the ") + which + " data");
      return std::string("empty in the ") + which + " data";
    }
  }
  return "";
}

// A column's result before its test: named, with the reason it cannot be
// tested ("" when it can) and the findings met on the way.
template <typename C>
ColumnResult StartColumn(const C& ref, const C* cur) {
  ColumnResult r;
  r.drift.column = ref.name;
  r.drift.kind = ref.kind;
  r.drift.reason = Untestable(&r, ref, cur);
  return r;
}

// Picks the column's test and threshold (options, else Evidently's default)
// and runs it; a test that cannot run leaves the column untested with why.
void Decide(ColumnResult* r, const ColumnSamples& samples, const DriftOptions& options);
// Shares of the most common categories of both samples, the rest as "(other)".
Histogram CategoryHistogram(const AlignedCounts& counts, const std::vector<std::string>& keys);
Finding UnexpectedColumn(const std::string& name);
// Runs fn(0..n-1) on `threads` threads (0: all cores).
void ForEachParallel(size_t n, int threads, const std::function<void(size_t)>& fn);
DriftReport Assemble(std::vector<ColumnResult> results, std::vector<Finding> extra, const DriftOptions& options);

// The report over the options' columns (default: all of the reference's) of
// two Tables or two Profiles; `of_column(ref_column, cur_column_or_null)`
// tests one column.
template <typename Data, typename OfColumn>
Result<DriftReport> DriftOf(const Data& reference, const Data& current, const DriftOptions& options,
                            OfColumn of_column) {
  RETURN_IF_ERROR(CheckDriftOptions(options, [&](std::string_view c) { return reference.Find(c) != nullptr; }));
  std::vector<std::string> names = options.columns;
  if (names.empty()) {
    for (const auto& c : reference.columns) names.push_back(c.name);
  }
  std::vector<ColumnResult> results(names.size());
  ForEachParallel(names.size(), options.threads, [&](size_t i) {
    results[i] = of_column(*reference.Find(names[i]), current.Find(names[i]));
  });
  std::vector<Finding> unexpected;
  for (const auto& c : current.columns) {
    if (!reference.Find(c.name)) unexpected.push_back(UnexpectedColumn(c.name));
  }
  DriftReport report = Assemble(std::move(results), std::move(unexpected), options);
  report.reference_rows = reference.rows;
  report.current_rows = current.rows;
  return report;
}

}  // namespace ferry::monitoring
