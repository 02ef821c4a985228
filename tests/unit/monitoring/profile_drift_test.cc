// Drift between profiles (ComputeProfileDrift) against drift on the rows
// (ComputeDrift): sketch-based wasserstein and ks within the sketches' error,
// categorical tests exactly equal, binned tests on the reference's fixed
// bins, refused tests, and bad input turned into findings.
#include <gtest/gtest.h>

#include "unit/monitoring/test_data.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "monitoring/drift.h"
#include "monitoring/profile.h"
#include "monitoring/sketch/kll.h"

namespace ferry::monitoring {
namespace {

using Rng = test_data::SplitMix64;
using test_data::Categorical;
using test_data::Numerical;
using test_data::TableOf;

// KllSketch's 99% rank error bound at the profiles' k (about 0.0133).
const double kRankError = KllSketch::NormalizedRankError(KllSketch::kDefaultK);

// Normed Wasserstein from two sketches vs from the rows. Each sketch's
// quantile function is off by up to kRankError in rank; integrated over a
// unit-variance normal that is a value error of the order of kRankError per
// sketch, more in the tails. Measured worst over 30 seeds at n = 2e3..1e5:
// 0.037 (identical data, shuffled); 4 x kRankError ~ 0.053 leaves room.
const double kWassersteinBound = 4 * kRankError;

// The KS statistic from sketches: each CDF is within kRankError, so D is
// within twice that, plus the evaluation grid's coarseness. Measured worst:
// 0.015.
const double kKsBound = 2 * kRankError + 0.002;

// Data straddles zero: ComputeDrift once sorted with Boost 1.74's
// float_sort, whose bucket arithmetic overflows a signed integer on mixed
// signs (boostorg/sort#71, an abort under -fno-sanitize-recover).
constexpr double kCenter = 0;

std::vector<double> Normals(Rng& rng, size_t n, double mean, double sd = 1) {
  std::vector<double> v(n);
  for (double& x : v) x = kCenter + mean + sd * rng.Normal();
  return v;
}

// `counts[k]` copies of category k, shuffled.
std::vector<std::string> CategoryValues(Rng& rng,
                                        const std::map<std::string, int>& counts) {
  std::vector<std::string> v;
  for (const auto& [key, n] : counts) v.insert(v.end(), static_cast<size_t>(n), key);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.Below(i)]);
  return v;
}

DriftOptions WithTest(const std::string& test) {
  DriftOptions o;
  o.test = test;
  return o;
}

DriftReport Exact(const Table& ref, const Table& cur, const DriftOptions& options = {}) {
  Result<DriftReport> r = ComputeDrift(ref, cur, options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : DriftReport{};
}

DriftReport FromProfiles(const Profile& ref, const Profile& cur,
                         const DriftOptions& options = {}) {
  Result<DriftReport> r = ComputeProfileDrift(ref, cur, options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : DriftReport{};
}

// A copy, so that it may outlive a temporary report.
ColumnDrift ColumnOf(const DriftReport& report, const std::string& name) {
  for (const ColumnDrift& c : report.columns) {
    if (c.column == name) return c;
  }
  ADD_FAILURE() << "no column " << name;
  return {};
}

std::vector<const Finding*> FindingsOf(const DriftReport& report,
                                       const std::string& column,
                                       const std::string& kind) {
  std::vector<const Finding*> out;
  for (const Finding& f : report.findings) {
    if (f.column == column && f.kind == kind) out.push_back(&f);
  }
  return out;
}

// Equal, or both NaN; relative tolerance 1e-12.
void ExpectSameNumber(double a, double b, const std::string& what) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_TRUE(std::isnan(a) && std::isnan(b)) << what << ": " << a << " vs " << b;
  } else if (std::isinf(a) || std::isinf(b)) {
    EXPECT_EQ(a, b) << what;
  } else {
    EXPECT_NEAR(a, b, 1e-12 * std::max(1.0, std::abs(b))) << what;
  }
}

// A reference and a current table of one numerical column, with profiles
// (the current one on the reference's edges).
struct NumericalCase {
  Table ref, cur;
  Profile ref_profile, cur_profile;
};

NumericalCase MakeCase(std::vector<double> ref, std::vector<double> cur) {
  NumericalCase c;
  c.ref = TableOf({Numerical("x", std::move(ref))});
  c.cur = TableOf({Numerical("x", std::move(cur))});
  c.ref_profile = ProfileOf(c.ref);
  c.cur_profile = ProfileOf(c.cur, &c.ref_profile);
  return c;
}

// ---------------------------------------------------------------------------
// Numerical columns: the sketch-based tests

TEST(ProfileDriftTest, DefaultIsWassersteinAndMatchesExactScore) {
  constexpr size_t kRows = 100'000;
  for (double shift : {0.0, 0.3}) {
    SCOPED_TRACE("shift " + std::to_string(shift));
    Rng rng(shift == 0 ? 41 : 42);
    std::vector<double> ref = Normals(rng, kRows, 0);
    NumericalCase c = MakeCase(ref, Normals(rng, kRows, shift));
    const ColumnDrift exact = ColumnOf(Exact(c.ref, c.cur), "x");
    const ColumnDrift sketch = ColumnOf(FromProfiles(c.ref_profile, c.cur_profile), "x");
    ASSERT_TRUE(exact.tested) << exact.reason;
    ASSERT_TRUE(sketch.tested) << sketch.reason;
    EXPECT_EQ(exact.test, "wasserstein");
    EXPECT_EQ(sketch.test, "wasserstein");
    EXPECT_EQ(sketch.threshold, 0.1);
    EXPECT_NEAR(sketch.score, exact.score, kWassersteinBound);
    EXPECT_TRUE(std::isnan(sketch.p_value));
    EXPECT_EQ(sketch.ref_count, kRows);
    EXPECT_EQ(sketch.cur_count, kRows);
    // Clear cases: the decisions agree.
    EXPECT_EQ(sketch.drifted, shift > 0);
    EXPECT_EQ(exact.drifted, shift > 0);
    if (shift > 0) {
      EXPECT_NEAR(exact.score, shift, 0.02);
    }
  }
}

TEST(ProfileDriftTest, WassersteinOnShuffledIdenticalData) {
  Rng rng(3);
  std::vector<double> ref = Normals(rng, 50'000, 2, 3);
  std::vector<double> cur = ref;
  for (size_t i = cur.size(); i > 1; --i) std::swap(cur[i - 1], cur[rng.Below(i)]);
  NumericalCase c = MakeCase(ref, cur);
  const ColumnDrift sketch = ColumnOf(FromProfiles(c.ref_profile, c.cur_profile), "x");
  EXPECT_EQ(ColumnOf(Exact(c.ref, c.cur), "x").score, 0.0);
  EXPECT_GE(sketch.score, 0.0);
  EXPECT_LE(sketch.score, kWassersteinBound);
  EXPECT_FALSE(sketch.drifted);
}

TEST(ProfileDriftTest, KsStatisticWithinTwiceTheRankError) {
  constexpr size_t kRows = 50'000;
  for (double shift : {0.0, 0.1, 0.3}) {
    SCOPED_TRACE("shift " + std::to_string(shift));
    Rng rng(100 + static_cast<uint64_t>(shift * 10));
    NumericalCase c = MakeCase(Normals(rng, kRows, 0), Normals(rng, kRows, shift));
    const ColumnDrift exact = ColumnOf(Exact(c.ref, c.cur, WithTest("ks")), "x");
    const ColumnDrift sketch =
        ColumnOf(FromProfiles(c.ref_profile, c.cur_profile, WithTest("ks")), "x");
    ASSERT_TRUE(sketch.tested) << sketch.reason;
    EXPECT_EQ(sketch.test, "ks");
    EXPECT_NEAR(sketch.statistic, exact.statistic, kKsBound);
    EXPECT_EQ(sketch.score, sketch.p_value);
    if (shift >= 0.1) {
      // Conservative: the p-value is for D less both sketches' rank error.
      EXPECT_LT(sketch.p_value, 1e-4);
      EXPECT_TRUE(sketch.drifted);
    }
  }
}

TEST(ProfileDriftTest, KsPValueIsNotSmallForIdenticalData) {
  Rng rng(8);
  std::vector<double> ref = Normals(rng, 5'000, 0);
  // The same rows in the same order: identical sketches.
  NumericalCase same = MakeCase(ref, ref);
  const ColumnDrift d =
      ColumnOf(FromProfiles(same.ref_profile, same.cur_profile, WithTest("ks")), "x");
  EXPECT_EQ(d.statistic, 0.0);
  EXPECT_EQ(d.p_value, 1.0);
  EXPECT_FALSE(d.drifted);
  // Shuffled: the sketches differ by their compactions; at this size the
  // rank error is small next to KS's sampling noise.
  std::vector<double> cur = ref;
  for (size_t i = cur.size(); i > 1; --i) std::swap(cur[i - 1], cur[rng.Below(i)]);
  NumericalCase shuffled = MakeCase(ref, cur);
  const ColumnDrift s = ColumnOf(
      FromProfiles(shuffled.ref_profile, shuffled.cur_profile, WithTest("ks")), "x");
  EXPECT_LE(s.statistic, kKsBound);
  EXPECT_GT(s.p_value, 0.5);
  EXPECT_FALSE(s.drifted);
}

// At n = 1e5 the sketches' rank error (~0.01) is larger than KS's sampling
// noise (1.36 / sqrt(n/2) ~ 0.006 at 5%): the p-value is taken for D less
// that error, so identical data (shuffled) is not reported as drifted.
TEST(ProfileDriftTest, KsDoesNotFlagLargeIdenticalData) {
  Rng rng(9);
  std::vector<double> ref = Normals(rng, 100'000, 0);
  std::vector<double> cur = ref;
  for (size_t i = cur.size(); i > 1; --i) std::swap(cur[i - 1], cur[rng.Below(i)]);
  NumericalCase c = MakeCase(ref, cur);
  const ColumnDrift s =
      ColumnOf(FromProfiles(c.ref_profile, c.cur_profile, WithTest("ks")), "x");
  EXPECT_FALSE(s.drifted) << "D " << s.statistic << " p " << s.p_value;
}

TEST(ProfileDriftTest, DefaultTestsFollowReferenceSize) {
  Rng rng(12);
  // <= 1000 reference rows: ks on numerical columns.
  NumericalCase small = MakeCase(Normals(rng, 800, 0), Normals(rng, 800, 1));
  const ColumnDrift s = ColumnOf(FromProfiles(small.ref_profile, small.cur_profile), "x");
  EXPECT_EQ(s.test, "ks");
  EXPECT_EQ(ColumnOf(Exact(small.ref, small.cur), "x").test, "ks");
  EXPECT_TRUE(s.drifted);
  // Larger: jensenshannon on categorical columns.
  std::vector<std::string> ref_cats =
      CategoryValues(rng, {{"a", 900}, {"b", 600}, {"c", 100}});
  std::vector<std::string> cur_cats =
      CategoryValues(rng, {{"a", 300}, {"b", 600}, {"c", 700}});
  Table ref = TableOf({Categorical("c", ref_cats)});
  Table cur = TableOf({Categorical("c", cur_cats)});
  Profile ref_profile = ProfileOf(ref);
  const ColumnDrift c =
      ColumnOf(FromProfiles(ref_profile, ProfileOf(cur, &ref_profile)), "c");
  EXPECT_EQ(c.test, "jensenshannon");
  EXPECT_EQ(ColumnOf(Exact(ref, cur), "c").test, "jensenshannon");
  EXPECT_TRUE(c.drifted);
}

// ---------------------------------------------------------------------------
// Categorical columns: the same counts, so the same numbers

TEST(ProfileDriftTest, CategoricalTestsEqualExactDrift) {
  Rng rng(21);
  const std::vector<std::string> ref_many = CategoryValues(
      rng, {{"red", 500}, {"green", 300}, {"blue", 150}, {"cyan", 40}, {"pink", 10}});
  const std::vector<std::string> cur_many = CategoryValues(
      rng, {{"red", 200}, {"green", 300}, {"blue", 250}, {"cyan", 150}, {"pink", 100}});
  const std::vector<std::string> ref_binary =
      CategoryValues(rng, {{"no", 600}, {"yes", 400}});
  const std::vector<std::string> cur_binary =
      CategoryValues(rng, {{"no", 520}, {"yes", 480}});
  // Same distribution as the reference: nothing to find.
  const std::vector<std::string> cur_same = CategoryValues(
      rng, {{"red", 500}, {"green", 300}, {"blue", 150}, {"cyan", 40}, {"pink", 10}});
  Table ref =
      TableOf({Categorical("many", ref_many, 3), Categorical("binary", ref_binary, 3),
               Categorical("same", ref_many, 3)});
  Table cur =
      TableOf({Categorical("many", cur_many, 5), Categorical("binary", cur_binary, 5),
               Categorical("same", cur_same, 5)});
  Profile ref_profile = ProfileOf(ref);
  Profile cur_profile = ProfileOf(cur, &ref_profile);

  for (const char* test :
       {"chisquare", "z", "jensenshannon", "psi", "hellinger", "kl_div"}) {
    SCOPED_TRACE(test);
    const DriftReport exact = Exact(ref, cur, WithTest(test));
    const DriftReport sketch = FromProfiles(ref_profile, cur_profile, WithTest(test));
    for (const char* column : {"many", "binary", "same"}) {
      SCOPED_TRACE(column);
      const ColumnDrift e = ColumnOf(exact, column);
      const ColumnDrift p = ColumnOf(sketch, column);
      ASSERT_TRUE(e.tested) << e.reason;
      ASSERT_TRUE(p.tested) << p.reason;
      EXPECT_EQ(p.test, test);
      ExpectSameNumber(p.statistic, e.statistic, "statistic");
      ExpectSameNumber(p.p_value, e.p_value, "p_value");
      ExpectSameNumber(p.score, e.score, "score");
      EXPECT_EQ(p.threshold, e.threshold);
      EXPECT_EQ(p.drifted, e.drifted);
      EXPECT_EQ(p.ref_count, e.ref_count);
      EXPECT_EQ(p.cur_count, e.cur_count);
      EXPECT_EQ(p.histogram.labels, e.histogram.labels);
      ASSERT_EQ(p.histogram.cur.size(), e.histogram.cur.size());
      for (size_t i = 0; i < e.histogram.cur.size(); ++i) {
        EXPECT_NEAR(p.histogram.ref[i], e.histogram.ref[i], 1e-12);
        EXPECT_NEAR(p.histogram.cur[i], e.histogram.cur[i], 1e-12);
      }
    }
    EXPECT_TRUE(ColumnOf(sketch, "many").drifted);
    EXPECT_FALSE(ColumnOf(sketch, "same").drifted);
    EXPECT_EQ(exact.tested, sketch.tested);
    EXPECT_EQ(exact.drifted, sketch.drifted);
    EXPECT_EQ(exact.dataset_drift, sketch.dataset_drift);
    EXPECT_EQ(sketch.reference_rows, ref.rows);
    EXPECT_EQ(sketch.current_rows, cur.rows);
  }
}

TEST(ProfileDriftTest, UnseenCategoriesAreCountedLikeExactDrift) {
  Rng rng(22);
  Table ref = TableOf(
      {Categorical("c", CategoryValues(rng, {{"a", 400}, {"b", 400}, {"c", 200}}))});
  Table cur = TableOf({Categorical(
      "c", CategoryValues(
               rng, {{"a", 400}, {"b", 350}, {"c", 200}, {"new1", 37}, {"new2", 13}}))});
  Profile ref_profile = ProfileOf(ref);
  Profile cur_profile = ProfileOf(cur, &ref_profile);
  for (const char* test : {"jensenshannon", "psi", "chisquare"}) {
    SCOPED_TRACE(test);
    const DriftReport exact = Exact(ref, cur, WithTest(test));
    const DriftReport sketch = FromProfiles(ref_profile, cur_profile, WithTest(test));
    auto unseen = FindingsOf(sketch, "c", "unseen_categories");
    ASSERT_EQ(unseen.size(), 1u);
    EXPECT_EQ(unseen[0]->count, 50u);
    ASSERT_EQ(FindingsOf(exact, "c", "unseen_categories").size(), 1u);
    EXPECT_EQ(FindingsOf(exact, "c", "unseen_categories")[0]->count, 50u);
    ExpectSameNumber(ColumnOf(sketch, "c").score, ColumnOf(exact, "c").score, "score");
    EXPECT_EQ(ColumnOf(sketch, "c").drifted, ColumnOf(exact, "c").drifted);
  }
}

// ---------------------------------------------------------------------------
// Numerical columns: binned tests on the reference's fixed bins

TEST(ProfileDriftTest, BinnedTestsOnNumericalProfiles) {
  constexpr size_t kRows = 20'000;
  Rng rng(31);
  std::vector<double> ref = Normals(rng, kRows, 0);
  std::vector<double> shuffled = ref;
  for (size_t i = shuffled.size(); i > 1; --i)
    std::swap(shuffled[i - 1], shuffled[rng.Below(i)]);
  NumericalCase shifted = MakeCase(ref, Normals(rng, kRows, 0.5));
  NumericalCase resampled = MakeCase(ref, Normals(rng, kRows, 0));
  NumericalCase identical = MakeCase(ref, shuffled);
  for (const char* test : {"psi", "jensenshannon", "chisquare"}) {
    SCOPED_TRACE(test);
    const ColumnDrift s = ColumnOf(
        FromProfiles(shifted.ref_profile, shifted.cur_profile, WithTest(test)), "x");
    ASSERT_TRUE(s.tested) << s.reason;
    EXPECT_TRUE(s.drifted) << s.score;
    const ColumnDrift i = ColumnOf(
        FromProfiles(identical.ref_profile, identical.cur_profile, WithTest(test)), "x");
    ASSERT_TRUE(i.tested) << i.reason;
    EXPECT_FALSE(i.drifted) << i.score;
    // The same bin counts: no distance at all.
    EXPECT_EQ(i.statistic, 0.0);
    if (std::string(test) != "chisquare") {
      // Another sample of the same distribution: far below the threshold.
      const ColumnDrift r = ColumnOf(
          FromProfiles(resampled.ref_profile, resampled.cur_profile, WithTest(test)),
          "x");
      EXPECT_FALSE(r.drifted) << r.score;
      EXPECT_LT(r.score, 0.02);
    }
  }
  // The histogram is the reference's bins, open ones included, as shares.
  const ColumnDrift h =
      ColumnOf(FromProfiles(shifted.ref_profile, shifted.cur_profile), "x");
  EXPECT_EQ(h.histogram.labels.size(),
            shifted.ref_profile.columns[0].numeric.bins.size());
  double ref_sum = 0, cur_sum = 0;
  for (double v : h.histogram.ref) ref_sum += v;
  for (double v : h.histogram.cur) cur_sum += v;
  EXPECT_NEAR(ref_sum, 1.0, 1e-12);
  EXPECT_NEAR(cur_sum, 1.0, 1e-12);
  EXPECT_GT(h.histogram.cur.back(), 0.0);  // the shifted data overflows the last edge
}

TEST(ProfileDriftTest, RowTestsAreRefusedOnProfiles) {
  Rng rng(33);
  NumericalCase c = MakeCase(Normals(rng, 2'000, 0), Normals(rng, 2'000, 1));
  for (const char* test : {"anderson", "cramer_von_mises"}) {
    SCOPED_TRACE(test);
    const DriftReport report = FromProfiles(c.ref_profile, c.cur_profile, WithTest(test));
    const ColumnDrift d = ColumnOf(report, "x");
    EXPECT_FALSE(d.tested);
    EXPECT_FALSE(d.drifted);
    EXPECT_EQ(d.test, test);
    EXPECT_NE(d.reason.find("needs every row"), std::string::npos) << d.reason;
    EXPECT_EQ(report.tested, 0u);
    EXPECT_FALSE(report.dataset_drift);
    // On rows the same test runs.
    EXPECT_TRUE(ColumnOf(Exact(c.ref, c.cur, WithTest(test)), "x").tested);
  }
}

// ---------------------------------------------------------------------------
// Bad input

TEST(ProfileDriftTest, MissingColumnAndUnexpectedColumn) {
  Rng rng(41);
  Profile ref = ProfileOf(TableOf(
      {Numerical("x", Normals(rng, 500, 0)), Numerical("y", Normals(rng, 500, 0))}));
  Profile cur = ProfileOf(TableOf({Numerical("x", Normals(rng, 500, 0)),
                                   Numerical("extra", Normals(rng, 500, 0))}),
                          &ref);
  const DriftReport report = FromProfiles(ref, cur);
  const ColumnDrift y = ColumnOf(report, "y");
  EXPECT_FALSE(y.tested);
  EXPECT_NE(y.reason.find("missing"), std::string::npos) << y.reason;
  ASSERT_EQ(FindingsOf(report, "y", "missing_column").size(), 1u);
  EXPECT_EQ(FindingsOf(report, "extra", "unexpected_column").size(), 1u);
  EXPECT_TRUE(ColumnOf(report, "x").tested);
  EXPECT_EQ(report.tested, 1u);
}

TEST(ProfileDriftTest, AllMissingCurrentColumn) {
  Rng rng(42);
  Profile ref = ProfileOf(
      TableOf({Numerical("x", Normals(rng, 500, 0)),
               Categorical("c", CategoryValues(rng, {{"a", 300}, {"b", 200}}))}));
  Profile cur =
      ProfileOf(TableOf({Numerical("x", {}, 500), Categorical("c", {}, 500)}), &ref);
  const DriftReport report = FromProfiles(ref, cur);
  for (const char* column : {"x", "c"}) {
    SCOPED_TRACE(column);
    const ColumnDrift d = ColumnOf(report, column);
    EXPECT_FALSE(d.tested);
    EXPECT_NE(d.reason.find("empty"), std::string::npos) << d.reason;
    EXPECT_EQ(FindingsOf(report, column, "empty_column").size(), 1u);
    auto missing = FindingsOf(report, column, "missing_values");
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0]->count, 500u);
  }
  EXPECT_EQ(report.tested, 0u);
  EXPECT_FALSE(report.dataset_drift);
}

TEST(ProfileDriftTest, CountsMissingNonFiniteAndInvalidValues) {
  Rng rng(43);
  Profile ref = ProfileOf(TableOf({Numerical("x", Normals(rng, 500, 0))}));
  Column x = Numerical("x", Normals(rng, 500, 0), 7);
  x.non_finite = 3;
  x.invalid = 2;
  x.rows += 5;
  Profile cur = ProfileOf(TableOf({x}), &ref);
  const DriftReport report = FromProfiles(ref, cur);
  EXPECT_TRUE(ColumnOf(report, "x").tested);
  EXPECT_EQ(ColumnOf(report, "x").cur_count, 500u);
  for (const auto& [kind, count] : std::map<std::string, uint64_t>{
           {"missing_values", 7}, {"non_finite", 3}, {"invalid_values", 2}}) {
    auto f = FindingsOf(report, "x", kind);
    ASSERT_EQ(f.size(), 1u) << kind;
    EXPECT_EQ(f[0]->count, count) << kind;
  }
}

TEST(ProfileDriftTest, KindMismatchIsAFinding) {
  Rng rng(44);
  Profile ref = ProfileOf(TableOf({Numerical("x", Normals(rng, 500, 0))}));
  Profile cur = ProfileOf(
      TableOf({Categorical("x", CategoryValues(rng, {{"1", 300}, {"2", 200}}))}), &ref);
  const DriftReport report = FromProfiles(ref, cur);
  const ColumnDrift d = ColumnOf(report, "x");
  EXPECT_FALSE(d.tested);
  EXPECT_NE(d.reason.find("type mismatch"), std::string::npos) << d.reason;
  auto f = FindingsOf(report, "x", "type_mismatch");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0]->message.find("numerical"), std::string::npos) << f[0]->message;
  EXPECT_NE(f[0]->message.find("categorical"), std::string::npos) << f[0]->message;
}

TEST(ProfileDriftTest, UnknownTestNameIsInvalidArgument) {
  Rng rng(45);
  Profile ref = ProfileOf(TableOf({Numerical("x", Normals(rng, 100, 0))}));
  Profile cur = ProfileOf(TableOf({Numerical("x", Normals(rng, 100, 0))}), &ref);
  DriftOptions per_column;
  per_column.column_tests["x"] = "t_test";
  DriftOptions per_kind;
  per_kind.numerical_test = "mann_whitney";
  for (const DriftOptions& o : {WithTest("nope"), per_column, per_kind}) {
    Result<DriftReport> r = ComputeProfileDrift(ref, cur, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("unknown drift test"), std::string::npos)
        << r.status().message();
  }
  // A known test on a kind it does not apply to is a reason, not an error.
  const ColumnDrift d = ColumnOf(FromProfiles(ref, cur, WithTest("z")), "x");
  EXPECT_TRUE(d.tested);  // z applies to numerical columns too
  DriftOptions wrong_column;
  wrong_column.column_tests["nope"] = "ks";
  EXPECT_FALSE(ComputeProfileDrift(ref, cur, wrong_column).ok());
}

// A current profile made without the reference has its own Sturges edges:
// binned tests refuse it (it once read past the bins).
TEST(ProfileDriftTest, CurrentWithOtherEdgesIsNotTestedOnBins) {
  std::vector<double> ref_values, cur_values;
  for (int i = 0; i < 5000; ++i) ref_values.push_back(i % 997);
  for (int i = 0; i < 50; ++i) cur_values.push_back(i);
  Profile ref = ProfileOf(TableOf({Numerical("x", ref_values)}));
  Profile cur = ProfileOf(TableOf({Numerical("x", cur_values)}));  // no reference
  ASSERT_LT(cur.columns[0].numeric.bins.size(), ref.columns[0].numeric.bins.size());
  Result<DriftReport> r = ComputeProfileDrift(ref, cur, WithTest("psi"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(ColumnOf(*r, "x").tested);
}

}  // namespace
}  // namespace ferry::monitoring
