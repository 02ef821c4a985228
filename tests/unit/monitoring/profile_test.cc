// Profile: per-column summaries against exact values, binning on reference
// edges, window merges in every order, failed merges, and the binary codec
// against truncation and hostile bytes.
#include "monitoring/profile.h"

#include <gtest/gtest.h>

#include "unit/monitoring/test_data.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "monitoring/csv_reader.h"
#include "monitoring/sketch/hll.h"
#include "monitoring/sketch/kll.h"

namespace ferry::monitoring {
namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayStartMs = 1'717'200'000'000;  // some midnight, in ms

using Rng = test_data::SplitMix64;
using test_data::Categorical;
using test_data::Numerical;
using test_data::TableOf;

Table Csv(std::string_view text, const Table* schema = nullptr) {
  CsvOptions options;
  options.schema = schema;
  options.threads = 1;
  Result<Table> t = ParseCsv(text, options);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? std::move(t).value() : Table{};
}

struct Moments {
  double mean;
  double m2;
};

// Two passes in long double: the reference the streamed moments must match.
Moments ExactMoments(const std::vector<double>& v) {
  long double sum = 0;
  for (double x : v) sum += x;
  const long double mean = sum / static_cast<long double>(v.size());
  long double m2 = 0;
  for (double x : v) m2 += (x - mean) * (x - mean);
  return {static_cast<double>(mean), static_cast<double>(m2)};
}

void ExpectRelNear(double actual, double expected, double rel, const std::string& what) {
  EXPECT_NEAR(actual, expected, rel * std::max(1.0, std::abs(expected))) << what;
}

// Distance from q to the true rank interval [fraction < x, fraction <= x] of
// the answer x: zero when x is a correct q-quantile.
double QuantileRankError(double q, double x, const std::vector<double>& sorted) {
  const double n = static_cast<double>(sorted.size());
  const double lo =
      static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), x) -
                          sorted.begin()) /
      n;
  const double hi =
      static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), x) -
                          sorted.begin()) /
      n;
  return q < lo ? lo - q : (q > hi ? q - hi : 0.0);
}

double MaxQuantileRankError(const KllSketch& sketch, const std::vector<double>& sorted) {
  std::vector<double> qs;
  for (int i = 1; i <= 99; ++i) qs.push_back(i / 100.0);
  const std::vector<double> answers = sketch.Quantiles(qs);
  double worst = 0;
  for (size_t i = 0; i < qs.size(); ++i)
    worst = std::max(worst, QuantileRankError(qs[i], answers[i], sorted));
  return worst;
}

const double kRankBound = KllSketch::NormalizedRankError(KllSketch::kDefaultK);

// Counts on `edges` with an open bin below and above, the last closed bin
// including edges.back(): what NumericSummary must hold.
std::vector<double> ExactBins(const std::vector<double>& values,
                              const std::vector<double>& edges) {
  std::vector<double> bins(edges.size() + 1, 0);
  for (double x : values) {
    size_t b;
    if (x < edges.front()) {
      b = 0;
    } else if (x > edges.back()) {
      b = edges.size();
    } else if (x == edges.back()) {
      b = edges.size() - 1;
    } else {
      b = 1;
      while (x >= edges[b]) ++b;
    }
    bins[b] += 1;
  }
  return bins;
}

std::map<std::string, uint64_t> ExactCounts(const Column& c) {
  std::map<std::string, uint64_t> counts;
  for (uint32_t code : c.codes) ++counts[c.dictionary[code]];
  return counts;
}

std::map<std::string, uint64_t> ProfileCounts(const ColumnProfile& c) {
  std::map<std::string, uint64_t> counts;
  for (const auto& item : c.categories.Top(c.categories.num_tracked()))
    counts[item.value] = item.estimate;
  return counts;
}

double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// ---------------------------------------------------------------------------
// ProfileOf a table

TEST(ProfileOfTest, CountsMissingNonFiniteAndInvalidCells) {
  Table reference = Csv("x,c\n1.5,a\n2.5,b\n3.5,a\n4.5,b\n");
  Table table =
      Csv("x,c\n"
          "1.5,a\n"
          ",b\n"
          "inf,a\n"
          "-inf,\n"
          "abc,c\n"
          "NaN,a\n"
          "2.5,NA\n"
          "1e3,b\n",
          &reference);
  ASSERT_EQ(table.rows, 8u);
  Profile p = ProfileOf(table);
  EXPECT_EQ(p.rows, 8u);
  EXPECT_EQ(p.start_ms, 0);
  EXPECT_EQ(p.end_ms, 0);
  ASSERT_EQ(p.columns.size(), 2u);

  const ColumnProfile* x = p.Find("x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->kind, ColumnKind::kNumerical);
  EXPECT_EQ(x->rows, 8u);
  EXPECT_EQ(x->missing, 2u);     // "" and NaN
  EXPECT_EQ(x->non_finite, 2u);  // inf and -inf
  EXPECT_EQ(x->invalid, 1u);     // abc
  EXPECT_EQ(x->present(), 3u);
  EXPECT_EQ(x->numeric.count, 3u);
  EXPECT_EQ(x->numeric.min, 1.5);
  EXPECT_EQ(x->numeric.max, 1000.0);
  ExpectRelNear(x->numeric.mean, 1004.0 / 3, 1e-12, "mean");
  Moments m = ExactMoments({1.5, 2.5, 1000});
  ExpectRelNear(x->numeric.m2, m.m2, 1e-12, "m2");
  ExpectRelNear(x->numeric.PopulationStd(), std::sqrt(m.m2 / 3), 1e-12, "std");
  EXPECT_EQ(Sum(x->numeric.bins), 3.0);
  EXPECT_NEAR(x->distinct.Estimate(), 3.0, 0.05);

  const ColumnProfile* c = p.Find("c");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->kind, ColumnKind::kCategorical);
  EXPECT_EQ(c->rows, 8u);
  EXPECT_EQ(c->missing, 2u);  // "" and NA
  EXPECT_EQ(c->present(), 6u);
  EXPECT_TRUE(c->numeric.bins.empty());
  EXPECT_EQ(ProfileCounts(*c),
            (std::map<std::string, uint64_t>{{"a", 3}, {"b", 2}, {"c", 1}}));
  EXPECT_NEAR(c->distinct.Estimate(), 3.0, 0.05);
  EXPECT_EQ(p.Find("nope"), nullptr);
}

TEST(ProfileOfTest, NumericalSummaryMatchesExactValues) {
  constexpr size_t kRows = 100'000;
  Rng rng(11);
  std::vector<double> values(kRows);
  for (double& v : values) v = 3 * rng.Normal() + 1;
  Profile p = ProfileOf(TableOf({Numerical("x", values, /*missing=*/17)}));
  const NumericSummary& n = p.columns.at(0).numeric;

  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(p.columns[0].missing, 17u);
  EXPECT_EQ(n.count, kRows);
  EXPECT_EQ(n.min, sorted.front());
  EXPECT_EQ(n.max, sorted.back());
  Moments m = ExactMoments(values);
  EXPECT_NEAR(n.mean, m.mean, 1e-9 * std::abs(m.mean));
  EXPECT_NEAR(n.m2, m.m2, 1e-9 * m.m2);
  EXPECT_NEAR(n.PopulationStd(), std::sqrt(m.m2 / kRows), 1e-9 * std::sqrt(m.m2 / kRows));

  EXPECT_EQ(n.quantiles.count(), kRows);
  EXPECT_LE(MaxQuantileRankError(n.quantiles, sorted), kRankBound);

  // All values are distinct doubles.
  const double distinct =
      static_cast<double>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
  EXPECT_NEAR(
      p.columns[0].distinct.Estimate(), distinct,
      3 * HyperLogLog::RelativeStandardError(HyperLogLog::kDefaultPrecision) * distinct);

  // Sturges: ceil(log2(n) + 1) equal bins spanning [min, max] exactly.
  const size_t bins =
      static_cast<size_t>(std::ceil(std::log2(static_cast<double>(kRows)) + 1));
  ASSERT_EQ(n.edges.size(), bins + 1);
  EXPECT_EQ(n.edges.front(), n.min);
  EXPECT_EQ(n.edges.back(), n.max);
  const double step = (n.max - n.min) / static_cast<double>(bins);
  for (size_t i = 0; i < n.edges.size(); ++i) {
    EXPECT_NEAR(n.edges[i], n.min + static_cast<double>(i) * step,
                1e-12 * (n.max - n.min))
        << i;
  }
  ASSERT_EQ(n.bins.size(), n.edges.size() + 1);
  EXPECT_EQ(Sum(n.bins), static_cast<double>(kRows));
  EXPECT_EQ(n.bins.front(), 0.0);  // nothing below the reference's own min
  EXPECT_EQ(n.bins.back(), 0.0);
  EXPECT_EQ(n.bins, ExactBins(values, n.edges));
}

TEST(ProfileOfTest, EdgesAndBinsMatchNumpy) {
  // numpy.histogram_bin_edges(v, "sturges") and numpy.histogram(v, edges)[0]
  // (numpy 2.4), printed with repr().
  const std::vector<double> v = {3.5,  -1.25, 0.0, 7.0, 2.0,  2.0, 11.75, 4.5,
                                 -3.0, 6.25,  1.0, 9.5, 0.5,  5.0, 8.0,   -0.75,
                                 3.0,  10.0,  2.5, 4.0, -2.0, 6.0, 7.5};
  Profile p = ProfileOf(TableOf({Numerical("v", v)}));
  const NumericSummary& n = p.columns.at(0).numeric;
  EXPECT_EQ(n.edges,
            (std::vector<double>{-3.0, -0.5416666666666665, 1.916666666666667, 4.375,
                                 6.833333333333334, 9.291666666666668, 11.75}));
  EXPECT_EQ(n.bins, (std::vector<double>{0, 4, 3, 6, 4, 3, 3, 0}));

  // Values on the edges: each goes to the bin it opens, the last to the last bin.
  std::vector<double> w;
  for (int i = 0; i <= 16; ++i) w.push_back(i);
  Profile q = ProfileOf(TableOf({Numerical("w", w)}));
  const NumericSummary& m = q.columns.at(0).numeric;
  EXPECT_EQ(m.edges, (std::vector<double>{0.0, 2.6666666666666665, 5.333333333333333, 8.0,
                                          10.666666666666666, 13.333333333333332, 16.0}));
  EXPECT_EQ(m.bins, (std::vector<double>{0, 3, 3, 2, 3, 3, 3, 0}));

  // A constant column: one bin [x - 0.5, x + 0.5].
  Profile r = ProfileOf(TableOf({Numerical("k", {4, 4, 4})}));
  EXPECT_EQ(r.columns.at(0).numeric.edges, (std::vector<double>{3.5, 4.5}));
  EXPECT_EQ(r.columns.at(0).numeric.bins, (std::vector<double>{0, 3, 0}));
}

TEST(ProfileOfTest, CategoricalCountsAreExactBelowCapacity) {
  Rng rng(5);
  std::vector<std::string> values;
  for (int i = 0; i < 50'000; ++i) {
    // Skewed: category k has weight ~ 1/(k+1).
    size_t k = static_cast<size_t>(std::floor(std::pow(301.0, rng.Uniform()))) - 1;
    values.push_back("cat" + std::to_string(k));
  }
  Column column = Categorical("c", values, /*missing=*/9);
  const std::map<std::string, uint64_t> exact = ExactCounts(column);
  ASSERT_GT(exact.size(), 250u);
  ASSERT_LT(exact.size(), ColumnProfile::kCategoryCapacity);
  Profile p = ProfileOf(TableOf({column}));
  const ColumnProfile& c = p.columns.at(0);
  EXPECT_EQ(c.kind, ColumnKind::kCategorical);
  EXPECT_EQ(c.rows, 50'009u);
  EXPECT_EQ(c.missing, 9u);
  EXPECT_EQ(c.present(), 50'000u);
  EXPECT_EQ(c.categories.MaximumError(), 0u);
  EXPECT_EQ(ProfileCounts(c), exact);
  const double d = static_cast<double>(exact.size());
  EXPECT_NEAR(c.distinct.Estimate(), d,
              3 * HyperLogLog::RelativeStandardError(HyperLogLog::kDefaultPrecision) * d);
  EXPECT_EQ(c.numeric.count, 0u);
}

TEST(ProfileOfTest, EmptyAndAllMissingColumns) {
  Profile p = ProfileOf(
      TableOf({Numerical("x", {}, /*missing=*/4), Categorical("c", {}, /*missing=*/4)}));
  const ColumnProfile& x = p.columns.at(0);
  EXPECT_EQ(x.rows, 4u);
  EXPECT_EQ(x.missing, 4u);
  EXPECT_EQ(x.present(), 0u);
  EXPECT_TRUE(x.numeric.edges.empty());
  EXPECT_EQ(x.numeric.bins, std::vector<double>{0});
  EXPECT_EQ(x.distinct.Estimate(), 0.0);
  EXPECT_TRUE(std::isnan(x.numeric.PopulationStd()));
  EXPECT_EQ(p.columns.at(1).present(), 0u);
  // The JSON summary of an empty column has no quantiles and null moments.
  nlohmann::json j = ProfileToJson(p);
  EXPECT_EQ(j["columns"][0]["numeric"]["count"], 0);
  EXPECT_TRUE(j["columns"][0]["numeric"]["quantiles"].empty());
}

// ---------------------------------------------------------------------------
// With a reference: its edges, open bins below and above

TEST(ProfileWithReferenceTest, UsesReferenceEdgesAndOpenBins) {
  std::vector<double> ref_values;
  for (int i = 0; i <= 16; ++i) ref_values.push_back(i);
  Profile reference = ProfileOf(TableOf({Numerical("x", ref_values)}));
  const std::vector<double>& e = reference.columns[0].numeric.edges;
  ASSERT_EQ(e.size(), 7u);  // 0, 8/3, ..., 16

  const std::vector<double> current = {
      -5,
      -1e-12,                     // below: the open first bin
      0,                          // == e0: first closed bin
      e[1],                       // an inner edge opens the next bin
      std::nextafter(e[1], 0.0),  // just under it stays in the first closed bin
      15.9,
      16,  // the last closed bin includes the last edge
      std::nextafter(16.0, 17.0),
      1e9,  // above: the open last bin
  };
  Profile p = ProfileOf(
      TableOf({Numerical("x", current), Numerical("only_here", {1, 2, 3})}), &reference);
  const NumericSummary& n = p.Find("x")->numeric;
  EXPECT_EQ(n.edges, e);
  EXPECT_EQ(n.bins, (std::vector<double>{2, 2, 1, 0, 0, 0, 2, 2}));
  EXPECT_EQ(n.bins, ExactBins(current, e));
  EXPECT_EQ(n.min, -5.0);
  EXPECT_EQ(n.max, 1e9);
  // A column the reference lacks gets its own Sturges edges.
  EXPECT_EQ(p.Find("only_here")->numeric.edges,
            (std::vector<double>{1, 1.6666666666666665, 2.333333333333333, 3}));

  // Streaming into EmptyLike bins the same way.
  ColumnProfile streamed = EmptyLike(reference.columns[0]);
  EXPECT_EQ(streamed.name, "x");
  EXPECT_EQ(streamed.kind, ColumnKind::kNumerical);
  for (double x : current) streamed.numeric.Add(x);
  EXPECT_EQ(streamed.numeric.bins, n.bins);
  EXPECT_EQ(streamed.numeric.count, n.count);
  EXPECT_EQ(streamed.numeric.mean, n.mean);
}

// A window read on its own infers its kinds (few integers: categorical);
// read with the reference's table as schema it shares the reference's kinds
// and so its edges, and merges.
TEST(ProfileWithReferenceTest, SharesKindsWhenReadWithTheReferenceSchema) {
  std::vector<double> ref_values;
  for (int i = 0; i < 100; ++i) ref_values.push_back(i * 0.5);
  Table ref_table = TableOf({Numerical("x", ref_values)});
  Profile reference = ProfileOf(ref_table);
  ASSERT_EQ(Csv("x\n1\n2\n2\n3\n").columns[0].kind,
            ColumnKind::kCategorical);  // Evidently's inference on its own
  Result<Table> window = ParseCsv("x\n1\n2\n2\n3\n", {.schema = &ref_table});
  ASSERT_TRUE(window.ok());
  Profile p = ProfileOf(*window, &reference);
  EXPECT_EQ(p.columns[0].kind, ColumnKind::kNumerical);
  EXPECT_EQ(p.columns[0].numeric.edges, reference.columns[0].numeric.edges);
  Profile merged = reference;
  EXPECT_TRUE(MergeInto(&merged, p).ok());
}

// ---------------------------------------------------------------------------
// Window merges

class WindowMergeTest : public ::testing::Test {
 protected:
  static constexpr int kWindows = 24;

  static void SetUpTestSuite() {
    Rng rng(2024);
    std::vector<double> ref;
    std::vector<std::string> ref_cats;
    for (int i = 0; i < 20'000; ++i) {
      ref.push_back(rng.Normal());
      ref_cats.push_back("k" + std::to_string(rng.Below(40)));
    }
    reference_ = new Profile(
        ProfileOf(TableOf({Numerical("x", ref), Categorical("c", ref_cats)})));

    // Hourly windows of different sizes, window 7 empty; current data is
    // shifted and wider so that both open bins fill.
    all_x_ = new std::vector<double>;
    all_c_ = new std::vector<std::string>;
    windows_ = new std::vector<Profile>;
    uint64_t all_missing = 0;
    for (int w = 0; w < kWindows; ++w) {
      size_t rows = w == 7 ? 0 : 1000 + static_cast<size_t>(w * 397 % 9000);
      std::vector<double> xs;
      std::vector<std::string> cs;
      for (size_t i = 0; i < rows; ++i) {
        xs.push_back(0.25 + 1.1 * rng.Normal());
        cs.push_back(
            "k" + std::to_string(rng.Below(45)));  // 5 categories unseen in the reference
      }
      const uint64_t missing = w % 5;
      all_missing += missing;
      all_x_->insert(all_x_->end(), xs.begin(), xs.end());
      all_c_->insert(all_c_->end(), cs.begin(), cs.end());
      Profile p =
          ProfileOf(TableOf({Numerical("x", xs, missing), Categorical("c", cs, missing)}),
                    reference_);
      p.start_ms = kDayStartMs + w * kHourMs;
      p.end_ms = p.start_ms + kHourMs;
      windows_->push_back(std::move(p));
    }
    sorted_x_ = new std::vector<double>(*all_x_);
    std::sort(sorted_x_->begin(), sorted_x_->end());
    Table whole = TableOf(
        {Numerical("x", *all_x_, all_missing), Categorical("c", *all_c_, all_missing)});
    whole_ = new Profile(ProfileOf(whole, reference_));
  }

  static void TearDownTestSuite() {
    delete reference_;
    delete all_x_;
    delete all_c_;
    delete sorted_x_;
    delete windows_;
    delete whole_;
  }

  static Profile Merged(const std::vector<int>& order) {
    Profile acc;
    for (int w : order) {
      Status s = MergeInto(&acc, (*windows_)[w]);
      EXPECT_TRUE(s.ok()) << s.message();
    }
    return acc;
  }

  // w0 + (w1 + (... + w23)).
  static Profile RightFold() {
    Profile acc = windows_->back();
    for (int w = kWindows - 2; w >= 0; --w) {
      Profile next = (*windows_)[w];
      Status s = MergeInto(&next, acc);
      EXPECT_TRUE(s.ok()) << s.message();
      acc = std::move(next);
    }
    return acc;
  }

  // Pairwise, level by level.
  static Profile Tree() {
    std::vector<Profile> level = *windows_;
    while (level.size() > 1) {
      std::vector<Profile> next;
      for (size_t i = 0; i < level.size(); i += 2) {
        if (i + 1 < level.size()) {
          Status s = MergeInto(&level[i], level[i + 1]);
          EXPECT_TRUE(s.ok()) << s.message();
        }
        next.push_back(std::move(level[i]));
      }
      level = std::move(next);
    }
    return level[0];
  }

  static std::vector<int> Order(bool reversed) {
    std::vector<int> order;
    for (int w = 0; w < kWindows; ++w) order.push_back(reversed ? kWindows - 1 - w : w);
    return order;
  }

  // Exact parts equal `expected`; moments to rounding; quantiles within the bound.
  static void ExpectSameSummary(const Profile& merged, const Profile& expected,
                                const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(merged.rows, expected.rows);
    ASSERT_EQ(merged.columns.size(), 2u);
    for (const ColumnProfile& c : expected.columns) {
      const ColumnProfile* m = merged.Find(c.name);
      ASSERT_NE(m, nullptr) << c.name;
      EXPECT_EQ(m->kind, c.kind);
      EXPECT_EQ(m->rows, c.rows) << c.name;
      EXPECT_EQ(m->missing, c.missing) << c.name;
      EXPECT_EQ(m->non_finite, c.non_finite) << c.name;
      EXPECT_EQ(m->invalid, c.invalid) << c.name;
      // HyperLogLog merges are register-wise maxima: exactly the whole's sketch.
      EXPECT_EQ(m->distinct.Estimate(), c.distinct.Estimate()) << c.name;
      EXPECT_EQ(m->numeric.count, c.numeric.count);
      EXPECT_EQ(m->numeric.min, c.numeric.min);
      EXPECT_EQ(m->numeric.max, c.numeric.max);
      EXPECT_EQ(m->numeric.edges, c.numeric.edges);
      EXPECT_EQ(m->numeric.bins, c.numeric.bins);
      ExpectRelNear(m->numeric.mean, c.numeric.mean, 1e-9, c.name + " mean");
      EXPECT_NEAR(m->numeric.m2, c.numeric.m2, 1e-9 * std::max(1.0, c.numeric.m2))
          << c.name;
      EXPECT_EQ(m->numeric.quantiles.count(), c.numeric.quantiles.count());
      EXPECT_EQ(ProfileCounts(*m), ProfileCounts(c)) << c.name;
      EXPECT_EQ(m->categories.total(), c.categories.total());
    }
    const NumericSummary& x = merged.Find("x")->numeric;
    EXPECT_LE(MaxQuantileRankError(x.quantiles, *sorted_x_), kRankBound);
  }

  static Profile* reference_;
  static std::vector<double>* all_x_;
  static std::vector<std::string>* all_c_;
  static std::vector<double>* sorted_x_;
  static std::vector<Profile>* windows_;
  static Profile* whole_;
};

Profile* WindowMergeTest::reference_ = nullptr;
std::vector<double>* WindowMergeTest::all_x_ = nullptr;
std::vector<std::string>* WindowMergeTest::all_c_ = nullptr;
std::vector<double>* WindowMergeTest::sorted_x_ = nullptr;
std::vector<Profile>* WindowMergeTest::windows_ = nullptr;
Profile* WindowMergeTest::whole_ = nullptr;

TEST_F(WindowMergeTest, TheWholeIsExactWhereItShouldBe) {
  const NumericSummary& x = whole_->Find("x")->numeric;
  EXPECT_EQ(x.edges, reference_->Find("x")->numeric.edges);
  EXPECT_EQ(x.bins, ExactBins(*all_x_, x.edges));
  EXPECT_GT(x.bins.front(), 0);  // both open bins are used
  EXPECT_GT(x.bins.back(), 0);
  EXPECT_EQ(x.count, all_x_->size());
  Moments m = ExactMoments(*all_x_);
  EXPECT_NEAR(x.mean, m.mean, 1e-9);
  EXPECT_NEAR(x.m2, m.m2, 1e-9 * m.m2);
  EXPECT_LE(MaxQuantileRankError(x.quantiles, *sorted_x_), kRankBound);
  // The empty window is a profile with its columns and nothing in them.
  const Profile& empty = (*windows_)[7];
  EXPECT_EQ(empty.Find("x")->numeric.count, 0u);
  EXPECT_EQ(empty.Find("x")->numeric.edges, x.edges);
  EXPECT_EQ(Sum(empty.Find("x")->numeric.bins), 0.0);
}

TEST_F(WindowMergeTest, EveryOrderAndGroupingGivesTheWhole) {
  const Profile left = Merged(Order(false));  // ((w0 + w1) + w2) + ...
  ExpectSameSummary(left, *whole_, "left fold vs whole");
  ExpectSameSummary(RightFold(), left, "right fold");
  ExpectSameSummary(Merged(Order(true)), left, "reversed");
  ExpectSameSummary(Tree(), left, "tree");
  std::vector<int> shuffled = Order(false);
  Rng rng(99);
  for (size_t i = shuffled.size() - 1; i > 0; --i)
    std::swap(shuffled[i], shuffled[rng.Below(i + 1)]);
  ExpectSameSummary(Merged(shuffled), left, "shuffled");

  // (a + b) + c == a + (b + c) on three windows.
  const Profile& a = (*windows_)[3];
  const Profile& b = (*windows_)[7];  // the empty one
  const Profile& c = (*windows_)[11];
  Profile ab_c = a;
  ASSERT_TRUE(MergeInto(&ab_c, b).ok());
  ASSERT_TRUE(MergeInto(&ab_c, c).ok());
  Profile bc = b;
  ASSERT_TRUE(MergeInto(&bc, c).ok());
  Profile a_bc = a;
  ASSERT_TRUE(MergeInto(&a_bc, bc).ok());
  ExpectSameSummary(a_bc, ab_c, "associativity");
  EXPECT_EQ(ab_c.start_ms, a.start_ms);
  EXPECT_EQ(ab_c.end_ms, c.end_ms);
  EXPECT_EQ(a_bc.start_ms, a.start_ms);
  EXPECT_EQ(a_bc.end_ms, c.end_ms);
}

TEST_F(WindowMergeTest, WindowWidens) {
  for (const Profile& merged :
       {Merged(Order(false)), Merged(Order(true)), RightFold(), Tree()}) {
    EXPECT_EQ(merged.start_ms, kDayStartMs);
    EXPECT_EQ(merged.end_ms, kDayStartMs + kWindows * kHourMs);
  }
  // Non-adjacent windows: the merged one covers both (and the gap).
  Profile late = (*windows_)[9];
  ASSERT_TRUE(MergeInto(&late, (*windows_)[2]).ok());
  EXPECT_EQ(late.start_ms, kDayStartMs + 2 * kHourMs);
  EXPECT_EQ(late.end_ms, kDayStartMs + 10 * kHourMs);
}

TEST_F(WindowMergeTest, ReferenceWithoutWindowKeepsTheWindow) {
  // A 0/0 profile merged into a window leaves the window as it was.
  Profile window = (*windows_)[4];
  ASSERT_TRUE(MergeInto(&window, *reference_).ok());
  EXPECT_EQ(window.start_ms, (*windows_)[4].start_ms);
  EXPECT_EQ(window.end_ms, (*windows_)[4].end_ms);
  EXPECT_EQ(window.rows, (*windows_)[4].rows + reference_->rows);
  // A window merged into a 0/0 profile gives it that window.
  Profile ref = *reference_;
  ASSERT_TRUE(MergeInto(&ref, (*windows_)[4]).ok());
  EXPECT_EQ(ref.start_ms, (*windows_)[4].start_ms);
  EXPECT_EQ(ref.end_ms, (*windows_)[4].end_ms);
}

// ---------------------------------------------------------------------------
// Failed merges

TEST(MergeIntoTest, FailureLeavesTargetUnchangedAndNamesTheColumn) {
  Profile target = ProfileOf(
      TableOf({Numerical("x", {1, 2, 3, 4, 5}), Categorical("c", {"a", "b", "a"})}));
  target.start_ms = kDayStartMs;
  target.end_ms = kDayStartMs + kHourMs;
  const std::string before = SerializeProfile(target);

  // Kind mismatch on "c"; "x" before it would merge and "new" would be appended.
  Profile kind_mismatch = ProfileOf(
      TableOf({Numerical("x", {2, 3}), Numerical("new", {1}), Numerical("c", {1, 2, 3})}),
      &target);
  kind_mismatch.start_ms = kDayStartMs + kHourMs;
  kind_mismatch.end_ms = kDayStartMs + 2 * kHourMs;
  Status s = MergeInto(&target, kind_mismatch);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'c'"), std::string::npos) << s.message();
  EXPECT_EQ(SerializeProfile(target), before);
  EXPECT_EQ(target.Find("new"), nullptr);

  // Different edges on "x": profiled without the target as reference.
  Profile other_edges =
      ProfileOf(TableOf({Categorical("c", {"b"}), Numerical("x", {0, 10, 20})}));
  ASSERT_NE(other_edges.Find("x")->numeric.edges, target.Find("x")->numeric.edges);
  s = MergeInto(&target, other_edges);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'x'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("edges"), std::string::npos) << s.message();
  EXPECT_EQ(SerializeProfile(target), before);

  // Distinct-count sketches of different precision.
  Profile other_precision = ProfileOf(TableOf({Categorical("c", {"b"})}));
  other_precision.columns[0].distinct = HyperLogLog(10);
  s = MergeInto(&target, other_precision);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'c'"), std::string::npos) << s.message();
  EXPECT_EQ(SerializeProfile(target), before);

  // Columns only in `other` are appended on success.
  Profile extra =
      ProfileOf(TableOf({Numerical("x", {2, 3}), Numerical("new", {1})}), &target);
  ASSERT_TRUE(MergeInto(&target, extra).ok());
  ASSERT_NE(target.Find("new"), nullptr);
  EXPECT_EQ(target.Find("x")->numeric.count, 7u);
  EXPECT_EQ(target.Find("c")->present(), 3u);
}

TEST(MergeIntoTest, ReplaceKeepsTheOtherSideOfAConflict) {
  Profile into = ProfileOf(
      TableOf({Numerical("x", {1, 2, 3, 4, 5}), Categorical("c", {"a", "b", "a"}),
               Numerical("z", {1, 2, 3, 4, 5})}));
  into.start_ms = kDayStartMs;
  into.end_ms = kDayStartMs + kHourMs;
  // "x" on other edges, "c" now numerical; "z" on the same edges.
  Profile other =
      ProfileOf(TableOf({Numerical("x", {0, 10, 20}), Numerical("c", {7, 8})}));
  other.columns.push_back(ProfileOf(TableOf({Numerical("z", {2, 9})}), &into).columns[0]);
  other.rows = 3;
  other.start_ms = kDayStartMs + kHourMs;
  other.end_ms = kDayStartMs + 2 * kHourMs;

  int replaced = 0;
  Status s = MergeInto(&into, other, OnConflict::kReplace, &replaced);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(replaced, 2);
  EXPECT_EQ(into.Find("x")->numeric.edges, other.Find("x")->numeric.edges);
  EXPECT_EQ(into.Find("x")->numeric.count, 3u);
  EXPECT_EQ(into.Find("c")->kind, ColumnKind::kNumerical);
  EXPECT_EQ(into.Find("c")->present(), 2u);
  EXPECT_EQ(into.Find("z")->numeric.count, 7u);
  EXPECT_EQ(into.Find("z")->numeric.bins.back(), 1.0);  // 9 is above the edges
  EXPECT_EQ(into.rows, 8u);
  EXPECT_EQ(into.start_ms, kDayStartMs);
  EXPECT_EQ(into.end_ms, kDayStartMs + 2 * kHourMs);
  // Without conflicts nothing is replaced (and `replaced` may be null).
  replaced = 0;
  const Profile copy = into;
  ASSERT_TRUE(MergeInto(&into, copy, OnConflict::kReplace, &replaced).ok());
  EXPECT_EQ(replaced, 0);
  EXPECT_EQ(into.Find("z")->numeric.count, 14u);
  EXPECT_TRUE(MergeInto(&into, other, OnConflict::kReplace).ok());
}

// ---------------------------------------------------------------------------
// Codec

Profile SmallProfile() {
  Profile p = ProfileOf(TableOf({Numerical("x", {1.5, -2, 3, 8, 0.25}, 1),
                                 Categorical("c", {"a", "b", "a", "zz"}, 2)}));
  p.start_ms = kDayStartMs;
  p.end_ms = kDayStartMs + kHourMs;
  return p;
}

// Many rows (compacted KLL levels), a text column, an empty column.
Profile LargeProfile(uint64_t seed, const Profile* reference) {
  Rng rng(seed);
  std::vector<double> xs;
  std::vector<std::string> cs;
  for (int i = 0; i < 20'000; ++i) {
    xs.push_back(rng.Normal() * 2 + 5);
    cs.push_back("v" + std::to_string(rng.Below(60)));
  }
  Column text = Categorical("t", {"some words", "other words", "more"});
  text.kind = ColumnKind::kText;
  text.rows = xs.size();
  text.missing = xs.size() - 3;
  Profile p = ProfileOf(TableOf({Numerical("x", xs, 3), Categorical("c", cs), text,
                                 Numerical("empty", {}, xs.size())}),
                        reference);
  p.columns[0].non_finite = 2;
  p.columns[0].invalid = 1;
  p.start_ms = kDayStartMs + static_cast<int64_t>(seed) * kHourMs;
  p.end_ms = p.start_ms + kHourMs;
  return p;
}

Profile Reparsed(const Profile& p) {
  Result<Profile> parsed = ParseProfile(SerializeProfile(p));
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? std::move(parsed).value() : Profile{};
}

TEST(ProfileCodecTest, RoundTripKeepsEverything) {
  for (const Profile& p : {Profile{}, SmallProfile(), LargeProfile(1, nullptr)}) {
    const std::string bytes = SerializeProfile(p);
    Profile q = Reparsed(p);
    EXPECT_EQ(ProfileToJson(q).dump(), ProfileToJson(p).dump());
    EXPECT_EQ(SerializeProfile(q), bytes);
    EXPECT_EQ(q.start_ms, p.start_ms);
    EXPECT_EQ(q.end_ms, p.end_ms);
    ASSERT_EQ(q.columns.size(), p.columns.size());
    for (size_t i = 0; i < p.columns.size(); ++i) {
      EXPECT_EQ(q.columns[i].kind, p.columns[i].kind);
      EXPECT_EQ(q.columns[i].numeric.edges, p.columns[i].numeric.edges);
      EXPECT_EQ(q.columns[i].numeric.bins, p.columns[i].numeric.bins);
      EXPECT_EQ(q.columns[i].numeric.mean, p.columns[i].numeric.mean);
      EXPECT_EQ(q.columns[i].numeric.m2, p.columns[i].numeric.m2);
    }
  }
  // Negative window bounds survive the unsigned encoding.
  Profile negative;
  negative.start_ms = -5;
  negative.end_ms = -1;
  Profile q = Reparsed(negative);
  EXPECT_EQ(q.start_ms, -5);
  EXPECT_EQ(q.end_ms, -1);
}

TEST(ProfileCodecTest, ParsedProfilesMergeLikeTheOriginals) {
  const Profile reference = LargeProfile(0, nullptr);
  const Profile a = LargeProfile(1, &reference);
  const Profile b = LargeProfile(2, &reference);
  Profile direct = a;
  ASSERT_TRUE(MergeInto(&direct, b).ok());
  Profile parsed = Reparsed(a);
  ASSERT_TRUE(MergeInto(&parsed, Reparsed(b)).ok());
  EXPECT_EQ(ProfileToJson(parsed).dump(), ProfileToJson(direct).dump());
  EXPECT_EQ(SerializeProfile(parsed), SerializeProfile(direct));
  // And again after one more merge (the sketches keep compacting the same way).
  Profile c = LargeProfile(3, &reference);
  ASSERT_TRUE(MergeInto(&direct, c).ok());
  Profile reparsed = Reparsed(parsed);
  ASSERT_TRUE(MergeInto(&reparsed, Reparsed(c)).ok());
  EXPECT_EQ(SerializeProfile(reparsed), SerializeProfile(direct));
}

TEST(ProfileCodecTest, RejectsEveryTruncation) {
  const std::string bytes = SerializeProfile(SmallProfile());
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_FALSE(ParseProfile(std::string_view(bytes).substr(0, len)).ok())
        << "prefix of " << len;
  }
  EXPECT_TRUE(ParseProfile(bytes).ok());
}

TEST(ProfileCodecTest, RejectsWrongVersionAndTrailingBytes) {
  std::string bytes = SerializeProfile(SmallProfile());
  for (char version : {'\0', '\2', '\x7f', '\xff'}) {
    std::string wrong = bytes;
    wrong[0] = version;
    Result<Profile> r = ParseProfile(wrong);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  for (std::string tail : {std::string(1, '\0'), std::string("x"), bytes}) {
    Result<Profile> r = ParseProfile(bytes + tail);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ProfileCodecTest, RejectsBinsThatDoNotFitTheEdges) {
  Profile numerical = ProfileOf(TableOf({Numerical("x", {1, 2, 3})}));
  numerical.columns[0].numeric.bins.pop_back();
  EXPECT_FALSE(ParseProfile(SerializeProfile(numerical)).ok());
  numerical.columns[0].numeric.bins.resize(numerical.columns[0].numeric.edges.size() + 2);
  EXPECT_FALSE(ParseProfile(SerializeProfile(numerical)).ok());
}

// A numerical column without edges has one bin from ProfileOf (an
// all-missing column) and none when streamed without a reference (as
// WindowProfiler makes it: a default ColumnProfile). Both must load and
// merge either way round; MergeNumeric used to read the other column's bins
// by its own count (SEGV in profile.cc MergeNumeric).
TEST(MergeIntoTest, EdgelessColumnsWithAndWithoutTheirBinMerge) {
  Profile all_missing = ProfileOf(TableOf({Numerical("x", {}, 3)}));
  ASSERT_EQ(all_missing.columns[0].numeric.bins.size(), 1u);
  Profile streamed;
  streamed.rows = 3;
  ColumnProfile& x = streamed.columns.emplace_back();
  x.name = "x";
  x.rows = 3;
  for (double v : {1.0, 2.0, 3.0}) x.numeric.Add(v);
  ASSERT_TRUE(x.numeric.bins.empty());

  Result<Profile> parsed = ParseProfile(SerializeProfile(streamed));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  for (const Profile* other : {&streamed, &*parsed}) {
    Profile into = all_missing;
    ASSERT_TRUE(MergeInto(&into, *other).ok());
    EXPECT_EQ(into.columns[0].numeric.count, 3u);
    EXPECT_EQ(into.columns[0].rows, 6u);
    EXPECT_EQ(into.columns[0].numeric.mean, 2.0);
    Profile back = *other;
    ASSERT_TRUE(MergeInto(&back, all_missing).ok());
    EXPECT_EQ(back.columns[0].numeric.count, 3u);
    EXPECT_EQ(back.columns[0].missing, 3u);
  }
}

// Whatever parses must be usable: summarised, re-encoded, merged.
// (Names and categories are arbitrary bytes: dumped the way the API does.)
void Exercise(const Profile& p) {
  (void)ProfileToJson(p).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  Result<Profile> again = ParseProfile(SerializeProfile(p));
  EXPECT_TRUE(again.ok());
  Profile copy = p;
  (void)MergeInto(&copy, p);
}

TEST(ProfileCodecTest, SurvivesGarbageAndMutations) {
  Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng.Below(200), '\0');
    for (char& ch : junk) ch = static_cast<char>(rng.Next());
    if (!junk.empty() && i % 2 == 0) junk[0] = '\1';  // past the version check
    Result<Profile> r = ParseProfile(junk);
    if (r.ok()) Exercise(*r);
  }
  for (const auto& [valid, tries] :
       {std::pair{SerializeProfile(SmallProfile()), 1500},
        std::pair{SerializeProfile(LargeProfile(4, nullptr)), 300}}) {
    for (int i = 0; i < tries; ++i) {
      std::string bytes = valid;
      const size_t flips = 1 + rng.Below(3);
      for (size_t f = 0; f < flips; ++f) {
        const size_t at = rng.Below(bytes.size());
        switch (rng.Below(3)) {
          case 0:
            bytes[at] = static_cast<char>(bytes[at] ^ (1 << rng.Below(8)));
            break;
          case 1:
            bytes[at] = static_cast<char>(rng.Next());
            break;
          default:
            bytes[at] = '\xff';
            break;  // huge lengths and counts
        }
      }
      Result<Profile> r = ParseProfile(bytes);
      if (r.ok()) Exercise(*r);
    }
  }
}

}  // namespace
}  // namespace ferry::monitoring
