#include "monitoring/profile.h"

#include <algorithm>
#include <cmath>

#include "monitoring/sketch/hash.h"
#include "monitoring/stats/binning.h"

namespace ferry::monitoring {

namespace {

void MergeNumeric(NumericSummary* a, const NumericSummary& b) {
  if (b.count == 0) return;
  double n = static_cast<double>(a->count + b.count);
  double delta = b.mean - a->mean;
  a->mean += delta * static_cast<double>(b.count) / n;
  a->m2 += b.m2 + delta * delta * static_cast<double>(a->count) * static_cast<double>(b.count) / n;
  a->count += b.count;
  a->min = std::min(a->min, b.min);
  a->max = std::max(a->max, b.max);
  a->quantiles.Merge(b.quantiles);
  for (size_t i = 0; i < a->bins.size() && i < b.bins.size(); ++i) a->bins[i] += b.bins[i];
}

Status CheckMergeable(const ColumnProfile* a, const ColumnProfile& b) {
  if (a->kind != b.kind) {
    return InvalidArgument("column '" + a->name + "' is " + std::string(ColumnKindName(a->kind)) + " in one profile and " +
                           std::string(ColumnKindName(b.kind)) + " in the other");
  }
  if (a->numeric.edges != b.numeric.edges) {
    return InvalidArgument("column '" + a->name + "': the profiles have different bin edges");
  }
  if (a->distinct.precision() != b.distinct.precision()) {
    return InvalidArgument("column '" + a->name + "': distinct-count sketches of different precision");
  }
  return Status::Ok();
}

void MergeColumn(ColumnProfile* a, const ColumnProfile& b) {
  (void)a->distinct.Merge(b.distinct);  // same precision: checked first
  a->rows += b.rows;
  a->missing += b.missing;
  a->non_finite += b.non_finite;
  a->invalid += b.invalid;
  MergeNumeric(&a->numeric, b.numeric);
  a->categories.Merge(b.categories);
}

ColumnProfile ProfileColumn(const Column& column, const ColumnProfile* reference) {
  ColumnProfile p;
  p.name = column.name;
  p.kind = column.kind;
  p.rows = column.rows;
  p.missing = column.missing;
  p.non_finite = column.non_finite;
  p.invalid = column.invalid;
  if (column.kind == ColumnKind::kNumerical) {
    if (reference && reference->kind == ColumnKind::kNumerical) {
      p.numeric.edges = reference->numeric.edges;
    } else if (!column.numbers.empty()) {
      auto [lo, hi] = std::minmax_element(column.numbers.begin(), column.numbers.end());
      p.numeric.edges = SturgesEdges(*lo, *hi, column.numbers.size());
    }
    p.numeric.bins.assign(p.numeric.edges.size() + 1, 0);
    for (double x : column.numbers) {
      p.numeric.Add(x);
      p.distinct.AddHash(HashDouble(x));
    }
    return p;
  }
  std::vector<uint64_t> counts(column.dictionary.size());
  for (uint32_t code : column.codes) ++counts[code];
  for (size_t i = 0; i < counts.size(); ++i) {
    p.categories.Add(column.dictionary[i], counts[i]);
    p.distinct.AddHash(HashBytes(column.dictionary[i]));
  }
  return p;
}

}  // namespace

void NumericSummary::Add(double x) {
  ++count;
  min = std::min(min, x);
  max = std::max(max, x);
  double delta = x - mean;
  mean += delta / static_cast<double>(count);
  m2 += delta * (x - mean);
  quantiles.Update(x);
  if (edges.empty()) return;
  size_t bin = 0;
  if (x > edges.back()) {
    bin = edges.size();
  } else if (x >= edges.front()) {
    bin = std::upper_bound(edges.begin(), edges.end(), x) - edges.begin();
    bin = std::min(bin, edges.size() - 1);  // the last bin is closed
  }
  bins[bin] += 1;
}

double NumericSummary::PopulationStd() const {
  return count ? std::sqrt(m2 / static_cast<double>(count)) : NAN;
}

uint64_t ColumnProfile::present() const {
  return kind == ColumnKind::kNumerical ? numeric.count : categories.total();
}

const ColumnProfile* Profile::Find(std::string_view name) const {
  for (const ColumnProfile& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

ColumnProfile* Profile::Find(std::string_view name) {
  return const_cast<ColumnProfile*>(static_cast<const Profile*>(this)->Find(name));
}

Profile ProfileOf(const Table& table, const Profile* reference) {
  Profile p;
  p.rows = table.rows;
  for (const Column& column : table.columns) {
    p.columns.push_back(ProfileColumn(column, reference ? reference->Find(column.name) : nullptr));
  }
  return p;
}

ColumnProfile EmptyLike(const ColumnProfile& like) {
  ColumnProfile p;
  p.name = like.name;
  p.kind = like.kind;
  p.numeric.edges = like.numeric.edges;
  p.numeric.bins.assign(like.kind == ColumnKind::kNumerical ? like.numeric.edges.size() + 1 : 0, 0);
  return p;
}

Status MergeInto(Profile* into, const Profile& other, OnConflict on_conflict, int* replaced) {
  // Check every column before changing any: a failed merge leaves `into` as it was.
  std::vector<bool> conflict(other.columns.size());
  for (size_t i = 0; i < other.columns.size(); ++i) {
    const ColumnProfile* mine = into->Find(other.columns[i].name);
    Status st = mine ? CheckMergeable(mine, other.columns[i]) : Status::Ok();
    if (!st.ok() && on_conflict == OnConflict::kFail) return st;
    conflict[i] = !st.ok();
  }
  for (size_t i = 0; i < other.columns.size(); ++i) {
    ColumnProfile* mine = into->Find(other.columns[i].name);
    if (!mine) continue;
    if (conflict[i]) {
      *mine = other.columns[i];
      if (replaced) ++*replaced;
    } else {
      MergeColumn(mine, other.columns[i]);
    }
  }
  for (const ColumnProfile& column : other.columns) {
    if (!into->Find(column.name)) into->columns.push_back(column);
  }
  if (other.start_ms || other.end_ms) {
    into->start_ms = into->start_ms || into->end_ms ? std::min(into->start_ms, other.start_ms) : other.start_ms;
    into->end_ms = std::max(into->end_ms, other.end_ms);
  }
  into->rows += other.rows;
  return Status::Ok();
}

}  // namespace ferry::monitoring
