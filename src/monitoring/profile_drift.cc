// Drift between two profiles: a reference and a window of served data.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "monitoring/drift_internal.h"

namespace ferry::monitoring {

namespace {

std::string Label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Both profiles counted on the reference's edges.
bool SameBins(const NumericSummary& ref, const NumericSummary& cur) {
  return !ref.edges.empty() && ref.edges == cur.edges && ref.bins.size() == ref.edges.size() + 1 &&
         cur.bins.size() == ref.bins.size();
}

// Fixed bins of both profiles, without bins empty in both.
AlignedCounts BinCounts(const NumericSummary& ref, const NumericSummary& cur) {
  AlignedCounts c{{}, {}, static_cast<double>(ref.count), static_cast<double>(cur.count)};
  if (!SameBins(ref, cur)) return c;
  for (size_t i = 0; i < ref.bins.size(); ++i) {
    if (ref.bins[i] == 0 && cur.bins[i] == 0) continue;
    c.ref.push_back(ref.bins[i]);
    c.cur.push_back(cur.bins[i]);
  }
  return c;
}

Histogram BinHistogram(const NumericSummary& ref, const NumericSummary& cur) {
  Histogram h;
  if (!SameBins(ref, cur)) return h;
  const std::vector<double>& e = ref.edges;
  for (size_t i = 0; i < ref.bins.size(); ++i) {
    h.labels.push_back(i == 0             ? "< " + Label(e.front())
                       : i == e.size()    ? "> " + Label(e.back())
                                          : "[" + Label(e[i - 1]) + ", " + Label(e[i]) + ")");
    h.ref.push_back(ref.count ? ref.bins[i] / static_cast<double>(ref.count) : 0);
    h.cur.push_back(cur.count ? cur.bins[i] / static_cast<double>(cur.count) : 0);
  }
  return h;
}

// Category counts over the union of both profiles' items, sorted by key.
AlignedCounts CategoryCounts(const ColumnProfile& ref, const ColumnProfile& cur, std::vector<std::string>* keys,
                             uint64_t* unseen) {
  std::map<std::string, std::pair<double, double>> merged;
  for (const auto& item : ref.categories.Top(ref.categories.num_tracked())) merged[item.value].first = item.estimate;
  *unseen = 0;
  for (const auto& item : cur.categories.Top(cur.categories.num_tracked())) {
    auto [it, added] = merged.try_emplace(item.value, 0.0, 0.0);
    it->second.second = item.estimate;
    if (added) *unseen += item.estimate;
  }
  AlignedCounts c{{}, {}, static_cast<double>(ref.categories.total()), static_cast<double>(cur.categories.total())};
  for (const auto& [key, counts] : merged) {
    keys->push_back(key);
    c.ref.push_back(counts.first);
    c.cur.push_back(counts.second);
  }
  return c;
}

ColumnResult DriftOfColumn(const ColumnProfile& ref, const ColumnProfile* cur, const DriftOptions& options) {
  ColumnResult r = StartColumn(ref, cur);
  if (!r.drift.reason.empty()) return r;
  ColumnSamples s;
  s.kind = ref.kind;
  s.ref_count = ref.present();
  s.cur_count = cur->present();
  HyperLogLog both = ref.distinct;
  (void)both.Merge(cur->distinct);
  s.distinct_union = static_cast<uint64_t>(std::llround(both.Estimate()));
  if (ref.kind == ColumnKind::kNumerical) {
    s.ref_sketch = &ref.numeric.quantiles;
    s.cur_sketch = &cur->numeric.quantiles;
    s.ref_std = ref.numeric.PopulationStd();
    s.bins = BinCounts(ref.numeric, cur->numeric);
    r.drift.histogram = BinHistogram(ref.numeric, cur->numeric);
  } else {
    std::vector<std::string> keys;
    uint64_t unseen = 0;
    s.categories = CategoryCounts(ref, *cur, &keys, &unseen);
    s.distinct_union = keys.size();
    Note(&r, "unseen_categories", unseen,
         std::to_string(unseen) + " current values in categories the reference does not have");
    r.drift.histogram = CategoryHistogram(s.categories, keys);
  }
  Decide(&r, s, options);
  return r;
}

}  // namespace

Result<DriftReport> ComputeProfileDrift(const Profile& reference, const Profile& current,
                                        const DriftOptions& options) {
  return DriftOf(reference, current, options, [&](const ColumnProfile& ref, const ColumnProfile* cur) {
    return DriftOfColumn(ref, cur, options);
  });
}

}  // namespace ferry::monitoring
