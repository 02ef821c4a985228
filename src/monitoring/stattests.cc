#include "monitoring/stattests.h"

#include <cmath>

#include "monitoring/stats/anderson.h"
#include "monitoring/stats/cramer_von_mises.h"
#include "monitoring/stats/distances.h"
#include "monitoring/stats/ks.h"
#include "monitoring/stats/sketch_distances.h"

namespace ferry::monitoring {

namespace {

constexpr uint64_t kSmallReference = 1000;
constexpr uint64_t kBinnedDistinct = 20;  // numerical with more distinct reference values: Sturges bins

// Evidently's get_binned_data: Sturges bins over both samples for a
// numerical column with > 20 distinct reference values, else value counts.
AlignedCounts Binned(const ColumnSamples& s) {
  if (s.kind != ColumnKind::kNumerical) return s.categories;
  if (DistinctSorted(s.ref_sorted) <= kBinnedDistinct) return CountValues(s.ref_sorted, s.cur_sorted);
  double lo = std::min(s.ref_sorted.front(), s.cur_sorted.front());
  double hi = std::max(s.ref_sorted.back(), s.cur_sorted.back());
  std::vector<double> edges = SturgesEdges(lo, hi, s.ref_count + s.cur_count);
  return {HistogramCounts(s.ref_sorted, edges), HistogramCounts(s.cur_sorted, edges),
          static_cast<double>(s.ref_count), static_cast<double>(s.cur_count)};
}

AlignedCounts Counted(const ColumnSamples& s) {
  return s.kind == ColumnKind::kNumerical ? CountValues(s.ref_sorted, s.cur_sorted) : s.categories;
}

Result<TestStatistic> MeasureProfiles(std::string_view name, const ColumnSamples& s) {
  if (name == "ks") return KolmogorovSmirnovFromSketches(*s.ref_sketch, *s.cur_sketch);
  if (name == "wasserstein") {
    return TestStatistic{WassersteinFromSketches(*s.ref_sketch, *s.cur_sketch) / std::max(s.ref_std, 0.001), NAN};
  }
  if (name == "anderson" || name == "cramer_von_mises") {
    return InvalidArgument(std::string(name) + " needs every row; a window keeps sketches (use ks or wasserstein)");
  }
  if (s.bins.ref.empty()) {
    return InvalidArgument(std::string(name) + " needs both windows binned on the reference's edges");
  }
  if (name == "chisquare") return ChiSquare(s.bins);
  if (name == "z") return ZTest(s.bins);
  if (name == "hellinger") return TestStatistic{HellingerCategorical(s.bins), NAN};
  if (name == "psi") return TestStatistic{Psi(SharesOf(s.bins, true)), NAN};
  if (name == "kl_div") return TestStatistic{KlDivergence(SharesOf(s.bins, true)), NAN};
  if (name == "jensenshannon") return TestStatistic{JensenShannon(SharesOf(s.bins, false)), NAN};
  return InvalidArgument("unknown drift test '" + std::string(name) + "'");
}

Result<TestStatistic> Measure(std::string_view name, const ColumnSamples& s) {
  if (s.ref_sketch) return MeasureProfiles(name, s);
  if (name == "ks") return KolmogorovSmirnov(s.ref_sorted, s.cur_sorted);
  if (name == "anderson") return AndersonDarling(s.ref_sorted, s.cur_sorted);
  if (name == "cramer_von_mises") return CramerVonMises(s.ref_sorted, s.cur_sorted);
  if (name == "chisquare") return ChiSquare(Counted(s));
  if (name == "z") return ZTest(Counted(s));
  if (name == "wasserstein") return TestStatistic{WassersteinNormed(s.ref_sorted, s.cur_sorted), NAN};
  if (name == "hellinger") {
    double h = s.kind == ColumnKind::kNumerical ? HellingerNumerical(s.ref_sorted, s.cur_sorted)
                                                : HellingerCategorical(s.categories);
    return TestStatistic{h, NAN};
  }
  AlignedCounts binned = Binned(s);
  if (name == "psi") return TestStatistic{Psi(SharesOf(binned, true)), NAN};
  if (name == "kl_div") return TestStatistic{KlDivergence(SharesOf(binned, true)), NAN};
  if (name == "jensenshannon") return TestStatistic{JensenShannon(SharesOf(binned, false)), NAN};
  return InvalidArgument("unknown drift test '" + std::string(name) + "'");
}

}  // namespace

const std::vector<StatTestInfo>& StatTests() {
  static const std::vector<StatTestInfo> kTests = {
      {"ks", "K-S p_value", true, false, true, 0.05},
      {"chisquare", "chi-square p_value", true, true, true, 0.05},
      {"z", "Z-test p_value", true, true, true, 0.05},
      {"psi", "PSI", true, true, false, 0.1},
      {"kl_div", "Kullback-Leibler divergence", true, true, false, 0.1},
      {"jensenshannon", "Jensen-Shannon distance", true, true, false, 0.1},
      {"wasserstein", "Wasserstein distance (normed)", true, false, false, 0.1},
      {"hellinger", "Hellinger distance", true, true, false, 0.1},
      {"anderson", "Anderson-Darling", true, false, true, 0.1},
      {"cramer_von_mises", "Cramer-von Mises", true, false, true, 0.1},
  };
  return kTests;
}

const StatTestInfo* FindStatTest(std::string_view name) {
  for (const StatTestInfo& t : StatTests()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const StatTestInfo& DefaultStatTest(const ColumnSamples& s) {
  bool numerical = s.kind == ColumnKind::kNumerical;
  std::string_view name;
  if (s.ref_count <= kSmallReference) {
    name = numerical && s.distinct_union > 5 ? "ks" : s.distinct_union > 2 ? "chisquare" : "z";
  } else {
    name = numerical && s.distinct_union > 5 ? "wasserstein" : "jensenshannon";
  }
  return *FindStatTest(name);
}

Result<TestOutcome> RunStatTest(const StatTestInfo& test, const ColumnSamples& s, double threshold) {
  bool numerical = s.kind == ColumnKind::kNumerical;
  if (numerical ? !test.numerical : !test.categorical) {
    return InvalidArgument("drift test '" + std::string(test.name) + "' does not apply to " +
                           std::string(ColumnKindName(s.kind)) + " columns");
  }
  ASSIGN_OR_RETURN(TestStatistic stat, Measure(test.name, s));
  TestOutcome out{stat, test.p_value ? stat.p_value : stat.statistic, false};
  bool inclusive = test.name == "ks" || test.name == "cramer_von_mises";
  if (test.p_value) {
    out.drifted = inclusive ? out.score <= threshold : out.score < threshold;
  } else {
    out.drifted = out.score >= threshold;
  }
  return out;
}

}  // namespace ferry::monitoring
