#include "pipelines/datasets/dataset_diff.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace ferry::datasets {

namespace {

using monitoring::ColumnDrift;
using monitoring::ColumnKind;
using monitoring::ColumnProfile;
using monitoring::FrequentItems;

constexpr size_t kMaxListed = 20;          // new / vanished values kept
constexpr size_t kMaxTopChanges = 10;      // category share moves kept
constexpr double kMissingRateStep = 0.05;  // a missing-rate move of severity 1
constexpr double kMaxSeverity = 1e6;

double D(uint64_t v) { return static_cast<double>(v); }

std::map<std::string, uint64_t> Tracked(const FrequentItems& items) {
  std::map<std::string, uint64_t> out;
  for (const auto& item : items.Top(items.num_tracked())) out[item.value] = item.estimate;
  return out;
}

// Values of `from` that `other` lacks, most frequent first (the first
// kMaxListed), and how many there are.
std::pair<std::vector<std::string>, uint64_t> OnlyIn(const std::map<std::string, uint64_t>& from,
                                                     const std::map<std::string, uint64_t>& other) {
  std::vector<std::pair<uint64_t, std::string>> only;
  for (const auto& [value, count] : from) {
    if (!other.contains(value)) only.emplace_back(count, value);
  }
  std::sort(only.begin(), only.end(),
            [](const auto& x, const auto& y) { return x.first != y.first ? x.first > y.first : x.second < y.second; });
  std::vector<std::string> values;
  for (size_t i = 0; i < only.size() && i < kMaxListed; ++i) values.push_back(only[i].second);
  return {std::move(values), only.size()};
}

std::vector<CategoryShare> TopChanges(const FrequentItems& a, const FrequentItems& b,
                                      const std::map<std::string, uint64_t>& ma,
                                      const std::map<std::string, uint64_t>& mb) {
  std::map<std::string, CategoryShare> shares;
  auto share = [](const std::map<std::string, uint64_t>& m, const std::string& v, uint64_t total) {
    auto it = m.find(v);
    return it == m.end() || total == 0 ? 0.0 : D(it->second) / D(total);
  };
  for (const FrequentItems* items : {&a, &b}) {
    for (const auto& item : items->Top(kTopCategories)) {
      shares[item.value] = {item.value, share(ma, item.value, a.total()), share(mb, item.value, b.total())};
    }
  }
  std::vector<CategoryShare> out;
  for (auto& [value, s] : shares) {
    if (s.a != s.b) out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const CategoryShare& x, const CategoryShare& y) {
    return std::abs(x.b - x.a) > std::abs(y.b - y.a);
  });
  if (out.size() > kMaxTopChanges) out.resize(kMaxTopChanges);
  return out;
}

CategoryChanges CompareCategories(const ColumnProfile& a, const ColumnProfile& b) {
  CategoryChanges c;
  std::map<std::string, uint64_t> ma = Tracked(a.categories), mb = Tracked(b.categories);
  if (a.categories.MaximumError() == 0 && b.categories.MaximumError() == 0) {
    auto [added, added_count] = OnlyIn(mb, ma);
    auto [vanished, vanished_count] = OnlyIn(ma, mb);
    c.added = std::move(added);
    c.added_count = added_count;
    c.vanished = std::move(vanished);
    c.vanished_count = vanished_count;
  }
  c.top_changes = TopChanges(a.categories, b.categories, ma, mb);
  return c;
}

void CompareNumeric(const ColumnSummary& a, const ColumnSummary& b, ColumnDiff* d) {
  d->min = {a.min, b.min};
  d->max = {a.max, b.max};
  d->mean = {a.mean, b.mean};
  d->std = {a.std, b.std};
  for (size_t i = 0; i < d->quantiles.size(); ++i) d->quantiles[i] = {a.quantiles[i], b.quantiles[i]};
  if (a.std > 0) d->mean_shift = (b.mean - a.mean) / a.std;
}

double DriftSeverity(const ColumnDrift& d) {
  if (!d.tested || d.threshold <= 0) return 0;
  if (std::isnan(d.p_value)) return std::min(d.score / d.threshold, kMaxSeverity);  // a distance
  if (d.threshold >= 1) return 0;
  if (d.score <= 0) return kMaxSeverity;
  return std::min(std::log(d.score) / std::log(d.threshold), kMaxSeverity);
}

double Severity(const ColumnDiff& d) {
  double missing = std::abs(d.missing_rate.b - d.missing_rate.a) / kMissingRateStep;
  return std::max(DriftSeverity(d.drift), std::isnan(missing) ? 0.0 : missing);
}

ColumnDiff CompareColumn(const ColumnProfile& a, const ColumnProfile& b, const ColumnDrift* drift) {
  ColumnSummary sa = SummarizeColumn(a), sb = SummarizeColumn(b);
  ColumnDiff d;
  d.name = a.name;
  d.kind_a = a.kind;
  d.kind_b = b.kind;
  d.missing_rate = {sa.missing_rate, sb.missing_rate};
  d.distinct = {D(sa.distinct), D(sb.distinct)};
  if (a.kind == ColumnKind::kNumerical && b.kind == ColumnKind::kNumerical) CompareNumeric(sa, sb, &d);
  if (a.kind == ColumnKind::kCategorical && b.kind == ColumnKind::kCategorical) d.categories = CompareCategories(a, b);
  if (drift) {
    d.drift = *drift;
  } else {
    d.drift.column = a.name;
    d.drift.kind = a.kind;
    d.drift.reason = "no drift report";
  }
  d.severity = Severity(d);
  return d;
}

void CompareSchemas(const monitoring::Profile& a, const monitoring::Profile& b, TableDiff* t) {
  for (const ColumnProfile& c : a.columns) {
    const ColumnProfile* other = b.Find(c.name);
    if (!other) {
      t->removed.push_back({c.name, c.kind});
    } else if (other->kind != c.kind) {
      t->kind_changed.push_back({c.name, c.kind, other->kind});
    }
  }
  for (const ColumnProfile& c : b.columns) {
    if (!a.Find(c.name)) t->added.push_back({c.name, c.kind});
  }
}

void CompareColumns(const monitoring::Profile& a, const monitoring::Profile& b, TableDiff* t) {
  monitoring::DriftOptions options;
  options.threads = 1;
  Result<monitoring::DriftReport> report = monitoring::ComputeProfileDrift(a, b, options);
  for (const ColumnProfile& c : a.columns) {
    const ColumnProfile* other = b.Find(c.name);
    if (!other) continue;
    const ColumnDrift* drift = nullptr;
    for (size_t i = 0; report.ok() && i < report->columns.size() && !drift; ++i) {
      if (report->columns[i].column == c.name) drift = &report->columns[i];
    }
    t->columns.push_back(CompareColumn(c, *other, drift));
  }
  std::stable_sort(t->columns.begin(), t->columns.end(),
                   [](const ColumnDiff& x, const ColumnDiff& y) { return x.severity > y.severity; });
}

TableDiff CompareTables(const TableProfile* a, const TableProfile* b) {
  TableDiff t;
  if (a) {
    t.path_a = a->path;
    t.error_a = a->error;
    if (a->error.empty()) t.rows.a = D(a->profile.rows);
  }
  if (b) {
    t.path_b = b->path;
    t.error_b = b->error;
    if (b->error.empty()) t.rows.b = D(b->profile.rows);
  }
  if (!a || !b || !a->error.empty() || !b->error.empty()) return t;
  CompareSchemas(a->profile, b->profile, &t);
  CompareColumns(a->profile, b->profile, &t);
  return t;
}

}  // namespace

std::string_view TableDiff::status() const {
  if (path_a.empty()) return "added";
  if (path_b.empty()) return "removed";
  if (!error_a.empty() || !error_b.empty()) return "unreadable";
  return "compared";
}

FileChanges DiffManifests(const DatasetManifest& a, const DatasetManifest& b) {
  FileChanges c;
  auto ia = a.entries.begin(), ib = b.entries.begin();
  while (ia != a.entries.end() || ib != b.entries.end()) {
    if (ib == b.entries.end() || (ia != a.entries.end() && ia->path < ib->path)) {
      c.removed.push_back(*ia++);
    } else if (ia == a.entries.end() || ib->path < ia->path) {
      c.added.push_back(*ib++);
    } else {
      if (*ia == *ib) {
        ++c.unchanged;
      } else {
        c.changed.push_back({ia->path, *ia, *ib});
      }
      ++ia;
      ++ib;
    }
  }
  return c;
}

DatasetDiff DiffProfiles(const DatasetProfile& a, const DatasetProfile& b) {
  DatasetDiff d;
  d.files = {D(a.files), D(b.files)};
  d.bytes = {D(a.bytes), D(b.bytes)};
  std::vector<const TableProfile*> only_a, only_b;
  for (const TableProfile& t : a.tables) {
    const TableProfile* match = b.Find(t.path);
    if (match) {
      d.tables.push_back(CompareTables(&t, match));
    } else {
      only_a.push_back(&t);
    }
  }
  for (const TableProfile& t : b.tables) {
    if (!a.Find(t.path)) only_b.push_back(&t);
  }
  if (only_a.size() == 1 && only_b.size() == 1) {  // one table renamed
    d.tables.push_back(CompareTables(only_a[0], only_b[0]));
    return d;
  }
  for (const TableProfile* t : only_a) d.tables.push_back(CompareTables(t, nullptr));
  for (const TableProfile* t : only_b) d.tables.push_back(CompareTables(nullptr, t));
  return d;
}

DatasetDiff DiffDatasets(const DatasetManifest& manifest_a, const DatasetProfile& profile_a,
                         const DatasetManifest& manifest_b, const DatasetProfile& profile_b) {
  DatasetDiff d = DiffProfiles(profile_a, profile_b);
  d.digest_a = manifest_a.digest;
  d.digest_b = manifest_b.digest;
  d.file_changes = DiffManifests(manifest_a, manifest_b);
  return d;
}

}  // namespace ferry::datasets
