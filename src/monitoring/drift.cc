#include "monitoring/drift.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <unordered_map>

#include <boost/sort/pdqsort/pdqsort.hpp>

#include "monitoring/drift_internal.h"
#include "monitoring/stats/distances.h"

namespace ferry::monitoring {

namespace {

constexpr size_t kHistogramCategories = 20;


std::vector<double> Sorted(const std::vector<double>& values) {
  std::vector<double> sorted = values;
  // pdqsort: as fast as Boost 1.74's float_sort here, which overflows a
  // signed integer on mixed-sign input (boostorg/sort#71).
  boost::sort::pdqsort_branchless(sorted.begin(), sorted.end());
  return sorted;
}

// Keys in sorted order, as Evidently's z-test takes the smallest key as
// "the" category.
AlignedCounts SortedByKey(AlignedCounts counts, std::vector<std::string>* keys) {
  std::vector<size_t> order(keys->size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return (*keys)[a] < (*keys)[b]; });
  AlignedCounts sorted{{}, {}, counts.ref_total, counts.cur_total};
  std::vector<std::string> sorted_keys;
  for (size_t i : order) {
    sorted.ref.push_back(counts.ref[i]);
    sorted.cur.push_back(counts.cur[i]);
    sorted_keys.push_back(std::move((*keys)[i]));
  }
  *keys = std::move(sorted_keys);
  return sorted;
}

// Category counts of both samples over the union of their keys; `unseen`
// counts current values whose key the reference never had.
AlignedCounts CountCategories(const Column& ref, const Column& cur, uint64_t* unseen,
                              std::vector<std::string>* keys) {
  std::unordered_map<std::string_view, size_t> index;
  *keys = ref.dictionary;
  for (size_t i = 0; i < ref.dictionary.size(); ++i) index.emplace(ref.dictionary[i], i);
  std::vector<size_t> cur_key(cur.dictionary.size());
  for (size_t i = 0; i < cur.dictionary.size(); ++i) {
    auto [it, added] = index.try_emplace(cur.dictionary[i], keys->size());
    if (added) keys->push_back(cur.dictionary[i]);
    cur_key[i] = it->second;
  }
  AlignedCounts counts{std::vector<double>(keys->size()), std::vector<double>(keys->size()),
                       static_cast<double>(ref.codes.size()), static_cast<double>(cur.codes.size())};
  for (uint32_t code : ref.codes) counts.ref[code] += 1;
  for (uint32_t code : cur.codes) counts.cur[cur_key[code]] += 1;
  *unseen = 0;
  for (size_t k = ref.dictionary.size(); k < keys->size(); ++k) *unseen += static_cast<uint64_t>(counts.cur[k]);
  return SortedByKey(std::move(counts), keys);
}

Histogram NumericHistogram(const ColumnSamples& s) {
  Histogram h;
  h.edges = SturgesEdges(std::min(s.ref_sorted.front(), s.cur_sorted.front()),
                         std::max(s.ref_sorted.back(), s.cur_sorted.back()), s.ref_count + s.cur_count);
  h.ref = HistogramCounts(s.ref_sorted, h.edges);
  h.cur = HistogramCounts(s.cur_sorted, h.edges);
  for (double& v : h.ref) v /= static_cast<double>(s.ref_count);
  for (double& v : h.cur) v /= static_cast<double>(s.cur_count);
  return h;
}

}  // namespace

Histogram CategoryHistogram(const AlignedCounts& c, const std::vector<std::string>& keys) {
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return c.ref[a] + c.cur[a] != c.ref[b] + c.cur[b] ? c.ref[a] + c.cur[a] > c.ref[b] + c.cur[b]
                                                      : keys[a] < keys[b];
  });
  Histogram h;
  double ref_other = 1, cur_other = 1;
  for (size_t i = 0; i < order.size() && i < kHistogramCategories; ++i) {
    h.labels.push_back(keys[order[i]]);
    h.ref.push_back(c.ref[order[i]] / c.ref_total);
    h.cur.push_back(c.cur[order[i]] / c.cur_total);
    ref_other -= h.ref.back();
    cur_other -= h.cur.back();
  }
  if (order.size() > kHistogramCategories) {
    h.labels.push_back("(other)");
    h.ref.push_back(std::max(0.0, ref_other));
    h.cur.push_back(std::max(0.0, cur_other));
  }
  return h;
}

namespace {

ColumnResult DriftOfColumn(const Column& ref, const Column* cur, const DriftOptions& options) {
  ColumnResult r = StartColumn(ref, cur);
  if (!r.drift.reason.empty()) return r;
  ColumnSamples s;
  s.kind = ref.kind;
  std::vector<std::string> keys;
  if (ref.kind == ColumnKind::kNumerical) {
    s.ref_sorted = Sorted(ref.numbers);
    s.cur_sorted = Sorted(cur->numbers);
    s.distinct_union = DistinctUnion(s.ref_sorted, s.cur_sorted);
  } else {
    uint64_t unseen = 0;
    s.categories = CountCategories(ref, *cur, &unseen, &keys);
    s.distinct_union = keys.size();
    Note(&r, "unseen_categories", unseen,
         std::to_string(unseen) + " current values in categories the reference does not have");
  }
  s.ref_count = ref.present();
  s.cur_count = cur->present();
  r.drift.histogram = ref.kind == ColumnKind::kNumerical ? NumericHistogram(s) : CategoryHistogram(s.categories, keys);
  Decide(&r, s, options);
  return r;
}

}  // namespace

void Note(ColumnResult* r, std::string kind, uint64_t count, std::string message) {
  if (count == 0) return;
  r->findings.push_back({r->drift.column, std::move(kind), count, std::move(message)});
}

const StatTestInfo* ChosenTest(const DriftOptions& o, const ColumnSamples& s, const std::string& column) {
  std::string name;
  if (auto it = o.column_tests.find(column); it != o.column_tests.end()) {
    name = it->second;
  } else if (s.kind == ColumnKind::kNumerical && !o.numerical_test.empty()) {
    name = o.numerical_test;
  } else if (s.kind == ColumnKind::kCategorical && !o.categorical_test.empty()) {
    name = o.categorical_test;
  } else {
    name = o.test;
  }
  return name.empty() ? &DefaultStatTest(s) : FindStatTest(name);
}

double ChosenThreshold(const DriftOptions& o, const StatTestInfo& test, const std::string& column) {
  if (auto it = o.column_thresholds.find(column); it != o.column_thresholds.end()) return it->second;
  return o.threshold.value_or(test.default_threshold);
}

void Decide(ColumnResult* r, const ColumnSamples& s, const DriftOptions& options) {
  const StatTestInfo* test = ChosenTest(options, s, r->drift.column);
  r->drift.test = test->name;
  r->drift.threshold = ChosenThreshold(options, *test, r->drift.column);
  r->drift.ref_count = s.ref_count;
  r->drift.cur_count = s.cur_count;
  Result<TestOutcome> outcome = RunStatTest(*test, s, r->drift.threshold);
  if (!outcome.ok()) {
    r->drift.reason = outcome.status().message();
    return;
  }
  r->drift.tested = true;
  r->drift.statistic = outcome->stat.statistic;
  r->drift.p_value = outcome->stat.p_value;
  r->drift.score = outcome->score;
  r->drift.drifted = outcome->drifted;
}

void ForEachParallel(size_t n, int threads_option, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  unsigned threads = threads_option > 0 ? static_cast<unsigned>(threads_option)
                                        : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<size_t>(threads, n); ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

DriftReport Assemble(std::vector<ColumnResult> results, std::vector<Finding> extra, const DriftOptions& options) {
  DriftReport report;
  report.drift_share = options.drift_share;
  for (ColumnResult& r : results) {
    report.tested += r.drift.tested;
    report.drifted += r.drift.drifted;
    report.columns.push_back(std::move(r.drift));
    for (Finding& f : r.findings) report.findings.push_back(std::move(f));
  }
  for (Finding& f : extra) report.findings.push_back(std::move(f));
  report.share = report.tested ? static_cast<double>(report.drifted) / static_cast<double>(report.tested) : 0;
  report.dataset_drift = report.tested > 0 && report.share >= report.drift_share;
  return report;
}

Finding UnexpectedColumn(const std::string& name) {
  return {name, "unexpected_column", 1, "the reference has no column '" + name + "'"};
}

Status CheckDriftOptions(const DriftOptions& o, const std::function<bool(std::string_view)>& has_column) {
  for (const std::string* name : {&o.test, &o.numerical_test, &o.categorical_test}) {
    if (!name->empty() && !FindStatTest(*name)) return InvalidArgument("unknown drift test '" + *name + "'");
  }
  for (const auto& [column, test] : o.column_tests) {
    if (!FindStatTest(test)) return InvalidArgument("column '" + column + "': unknown drift test '" + test + "'");
    if (!has_column(column)) return InvalidArgument("column '" + column + "' is not in the reference");
  }
  for (const auto& [column, t] : o.column_thresholds) {
    if (!has_column(column)) return InvalidArgument("column '" + column + "' is not in the reference");
    if (!std::isfinite(t) || t < 0) return InvalidArgument("column '" + column + "': threshold must be >= 0");
  }
  if (o.threshold && (!std::isfinite(*o.threshold) || *o.threshold < 0)) {
    return InvalidArgument("threshold must be a finite number >= 0");
  }
  if (!std::isfinite(o.drift_share) || o.drift_share < 0 || o.drift_share > 1) {
    return InvalidArgument("drift_share must be between 0 and 1");
  }
  for (const std::string& column : o.columns) {
    if (!has_column(column)) return InvalidArgument("column '" + column + "' is not in the reference");
  }
  return Status::Ok();
}

Result<DriftReport> ComputeDrift(const Table& reference, const Table& current, const DriftOptions& options) {
  return DriftOf(reference, current, options, [&](const Column& ref, const Column* cur) {
    return DriftOfColumn(ref, cur, options);
  });
}

}  // namespace ferry::monitoring
