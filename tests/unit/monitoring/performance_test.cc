// Golden values for the ground-truth performance metrics, computed with
// scikit-learn 1.9.1 (NumPy 2.4.6, Python 3) by the script below; each test
// names the case it prints. The inputs come from splitmix64 draws
// (test_data::SplitMix64) with only IEEE divisions, additions and floor, so
// the C++ copies reproduce them bit for bit.
//
//   import math, warnings
//   import numpy as np
//   from sklearn import metrics as skm
//   from sklearn.calibration import calibration_curve
//   warnings.simplefilter("ignore")
//   M = 2**64 - 1
//   def stream(seed):                       # splitmix64 -> uniform [0, 1), as
//   test_data::SplitMix64
//       s = seed
//       while True:
//           s = (s + 0x9E3779B97F4A7C15) & M
//           z = s
//           z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
//           z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
//           yield ((z ^ (z >> 31)) >> 11) * 2.0**-53
//   def binary_rows(seed, n, tenths=False):  # p, then y = 1 when a second draw < p
//       u = stream(seed); ps, ys = [], []
//       for _ in range(n):
//           p = next(u)
//           if tenths: p = math.floor(p * 10) / 10
//           ps.append(p); ys.append(1 if next(u) < p else 0)
//       return np.array(ys), np.array(ps)
//   def multiclass_rows(seed, n):            # three draws normalised; the label drawn
//   from them
//       u = stream(seed); P, ys = [], []
//       for _ in range(n):
//           a = next(u); b = next(u); c = next(u); s = a + b + c
//           row = [a / s, b / s, c / s]; r = next(u)
//           ys.append(0 if r < row[0] else (1 if r < row[0] + row[1] else 2));
//           P.append(row)
//       return np.array(ys), np.array(P)
//   def regression_rows(seed, n):            # y = 10 u, prediction = y + (u' - 0.5)
//       u = stream(seed); ys, ps = [], []
//       for _ in range(n):
//           y = next(u) * 10; ys.append(y); ps.append(y + (next(u) - 0.5))
//       return np.array(ys), np.array(ps)
//   def calib(hit, conf, n_bins=10):         # calibration_curve plus its bin counts, and
//   the ECE
//       true, pred = calibration_curve(hit, conf, n_bins=n_bins, strategy="uniform")
//       ids = np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], conf)
//       cnt = np.bincount(ids, minlength=n_bins); cnt = cnt[cnt != 0]
//       return cnt.tolist(), pred.tolist(), true.tolist(), float(np.sum(cnt / len(conf) *
//       np.abs(true - pred)))
//   def show(name, **kv):
//       print(name); [print(f"  {k} = {v!r}") for k, v in kv.items()]
//   def binary_case(name, y, p, pos=1, thr=0.5):
//       yb = (y == pos).astype(int); pred = np.where(p >= thr, pos, 1 - pos)
//       show(name, acc=float(skm.accuracy_score(y, pred)),
//            prf=[float(f(y, pred, pos_label=pos, zero_division=0)) for f in
//            (skm.precision_score, skm.recall_score, skm.f1_score)],
//            auc=float(skm.roc_auc_score(yb, p)), log_loss=float(skm.log_loss(yb, p,
//            labels=[0, 1])), confusion=skm.confusion_matrix(y, pred).tolist(),
//            calib=calib(yb, p))
//
//   y, p = binary_rows(1, 200); binary_case("binary", y, p)
//   binary_case("binary threshold 0.3", y, p, thr=0.3)
//   y, p = binary_rows(2, 200, tenths=True); binary_case("binary ties", y, p)
//   # p of class 0 when positive_label is "0": the row's column 0 of [1 - q, q]
//   y, q = binary_rows(3, 200); P = np.stack([1 - q, q], axis=1)
//   show("binary two columns, positive 0", acc=float(skm.accuracy_score(y, np.where(P[:,
//   0] >= 0.5, 0, 1))),
//        prf=[float(f(y, np.where(P[:, 0] >= 0.5, 0, 1), pos_label=0, zero_division=0))
//        for f in (skm.precision_score, skm.recall_score, skm.f1_score)],
//        auc=float(skm.roc_auc_score(y == 0, P[:, 0])), log_loss=float(skm.log_loss(y,
//        P)), calib=calib((y == 0).astype(int), P[:, 0]))
//   y = np.array([1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0]); p = np.array([0.0, 0.0, 0.1, 0.25,
//   0.3, 0.5, 0.7, 0.9, 1.0, 1.0, 3 * 0.1]) binary_case("edges", y, p) y = np.ones(5,
//   int); p = np.array([0.9, 0.2, 0.6, 1.0, 0.45]) show("one class",
//   log_loss=float(skm.log_loss(y, p, labels=[0, 1])), calib=calib(y, p),
//        auc_is_nan=bool(np.isnan(skm.roc_auc_score(y, p))))
//   y, P = multiclass_rows(4, 150); pred = P.argmax(axis=1); conf = P.max(axis=1)
//   show("multiclass", acc=float(skm.accuracy_score(y, pred)),
//        prf=[float(f(y, pred, average="macro", zero_division=0)) for f in
//        (skm.precision_score, skm.recall_score, skm.f1_score)],
//        auc=float(skm.roc_auc_score(y, P, multi_class="ovr", average="macro")),
//        log_loss=float(skm.log_loss(y, P)), confusion=skm.confusion_matrix(y,
//        pred).tolist(), calib=calib((pred == y).astype(int), conf))
//   keep = y != 2; y2, P2 = y[keep], P[keep]   # class 2 never labelled: ovr over the
//   classes present show("multiclass, class 2 unlabelled",
//        auc=float(np.mean([skm.roc_auc_score(y2 == c, P2[:, c]) for c in (0, 1)])),
//        log_loss=float(skm.log_loss(y2, P2, labels=[0, 1, 2])),
//        prf=[float(f(y2, P2.argmax(axis=1), average="macro", zero_division=0)) for f in
//        (skm.precision_score, skm.recall_score, skm.f1_score)])
//   yt = ["fraud", "ok", "ok", "fraud", "ok", "ok", "fraud", "ok"]; yp = ["fraud", "ok",
//   "fraud", "fraud", "ok", "ok", "ok", "ok"] show("strings",
//   acc=float(skm.accuracy_score(yt, yp)),
//        prf=[float(f(yt, yp, pos_label="fraud", zero_division=0)) for f in
//        (skm.precision_score, skm.recall_score, skm.f1_score)],
//        confusion=skm.confusion_matrix(yt, yp, labels=["fraud", "ok"]).tolist())
//   pf = np.array([0.8, 0.1, 0.6, 0.7, 0.2, 0.2, 0.4, 0.05]); yb = np.array([t == "fraud"
//   for t in yt]).astype(int) show("strings with p(fraud)",
//   auc=float(skm.roc_auc_score(yb, pf)), log_loss=float(skm.log_loss(yb, pf, labels=[0,
//   1])),
//        calib=calib(yb, pf))
//   yt = ["cat", "dog", "bird", "cat", "dog", "bird", "cat", "cat", "dog", "bird", "dog"]
//   yp = ["cat", "dog", "cat", "cat", "bird", "bird", "fish", "dog", "dog", "bird",
//   "dog"] labs = sorted(set(yt) | set(yp)) show("multiclass strings", labels=labs,
//   acc=float(skm.accuracy_score(yt, yp)),
//        prf=[float(f(yt, yp, average="macro", zero_division=0)) for f in
//        (skm.precision_score, skm.recall_score, skm.f1_score)],
//        confusion=skm.confusion_matrix(yt, yp, labels=labs).tolist())
//   yt = [1, 2, 2, 1, 2, 1, 1]; yp = [1, 2, 1, 1, 2, 2, 2]
//   show("predicted labels 1/2, positive 2", acc=float(skm.accuracy_score(yt, yp)),
//        prf=[float(f(yt, yp, pos_label=2, zero_division=0)) for f in
//        (skm.precision_score, skm.recall_score, skm.f1_score)])
//   yt = [0, 1, 1, 0, 1, 0, 0, 1, 1]; yp = [0, 1, 0, 0, 1, 1, 0, 1, 1]
//   show("predicted labels 0/1 as text", acc=float(skm.accuracy_score(yt, yp)),
//        prf=[float(f(yt, yp, pos_label=1, zero_division=0)) for f in
//        (skm.precision_score, skm.recall_score, skm.f1_score)],
//        confusion=skm.confusion_matrix(yt, yp).tolist())
//   y, pr = regression_rows(5, 100)
//   show("regression", mae=float(skm.mean_absolute_error(y, pr)),
//   rmse=float(skm.root_mean_squared_error(y, pr)),
//        r2=float(skm.r2_score(y, pr)), mean_error=float(np.mean(pr - y)))
//   show("constant labels", perfect=float(skm.r2_score([2.5] * 4, [2.5] * 4)),
//   off=float(skm.r2_score([2.5] * 4, [2.5, 2.5, 3, 2.5])),
//        mae=float(skm.mean_absolute_error([2.5] * 4, [2.5, 2.5, 3, 2.5])),
//        rmse=float(skm.root_mean_squared_error([2.5] * 4, [2.5, 2.5, 3, 2.5])),
//        tenths_mean_rounded=float(skm.r2_score([0.1] * 3, [0.1, 0.1, 0.2])))
#include "monitoring/performance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "unit/monitoring/test_data.h"

namespace ferry::monitoring {
namespace {

using test_data::SplitMix64;

// Within 1e-12 relative of sklearn's value (exactly, when that is 0).
void ExpectGolden(const std::optional<double>& value, double golden, const char* what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(value.has_value());
  EXPECT_LE(std::fabs(*value - golden), 1e-12 * std::fabs(golden))
      << *value << " vs sklearn " << golden;
}

struct Golden {
  double accuracy, precision, recall, f1;
};

void ExpectRates(const PerformanceMetrics& m, const Golden& g) {
  ExpectGolden(m.accuracy, g.accuracy, "accuracy");
  ExpectGolden(m.precision, g.precision, "precision");
  ExpectGolden(m.recall, g.recall, "recall");
  ExpectGolden(m.f1, g.f1, "f1");
}

// calibration_curve's non-empty bins (counts, prob_pred, prob_true) and the ECE.
struct CalibrationGolden {
  std::vector<int64_t> count;
  std::vector<double> mean_predicted, fraction_positive;
  double ece;
};

void ExpectCalibration(const PerformanceMetrics& m, const CalibrationGolden& g) {
  ExpectGolden(m.ece, g.ece, "ece");
  ASSERT_EQ(m.reliability.size(), g.count.size());
  for (size_t b = 0; b < g.count.size(); ++b) {
    SCOPED_TRACE("bin " + std::to_string(b));
    EXPECT_EQ(m.reliability[b].count, g.count[b]);
    ExpectGolden(m.reliability[b].mean_predicted, g.mean_predicted[b], "mean_predicted");
    ExpectGolden(m.reliability[b].fraction_positive, g.fraction_positive[b],
                 "fraction_positive");
  }
}

bool HasNote(const PerformanceMetrics& m, const std::string& text) {
  for (const std::string& n : m.notes) {
    if (n == text) return true;
  }
  return false;
}

std::string NumberLabel(double v) {
  return v == std::trunc(v) ? std::to_string(static_cast<int64_t>(v)) : std::to_string(v);
}

Outcome Numeric(std::vector<double> output, double label) {
  Outcome o;
  o.output = std::move(output);
  o.label = NumberLabel(label);
  o.label_is_number = true;
  o.label_number = label;
  return o;
}

Outcome Text(std::string output, std::string label) {
  Outcome o;
  o.output_text = std::move(output);
  o.label = std::move(label);
  return o;
}

Outcome TextWithNumberLabel(std::string output, double label) {
  Outcome o = Numeric({}, label);
  o.output_text = std::move(output);
  return o;
}

// binary_rows(seed, n, tenths) of the script.
std::vector<Outcome> BinaryRows(uint64_t seed, int n, bool tenths = false) {
  SplitMix64 rng(seed);
  std::vector<Outcome> rows;
  for (int i = 0; i < n; ++i) {
    double p = rng.Uniform();
    if (tenths) p = std::floor(p * 10) / 10;
    const double y = rng.Uniform() < p ? 1 : 0;
    rows.push_back(Numeric({p}, y));
  }
  return rows;
}

// multiclass_rows(seed, n) of the script.
std::vector<Outcome> MulticlassRows(uint64_t seed, int n) {
  SplitMix64 rng(seed);
  std::vector<Outcome> rows;
  for (int i = 0; i < n; ++i) {
    const double a = rng.Uniform();
    const double b = rng.Uniform();
    const double c = rng.Uniform();
    const double s = a + b + c;
    std::vector<double> row = {a / s, b / s, c / s};
    const double r = rng.Uniform();
    rows.push_back(Numeric(row, r < row[0] ? 0 : (r < row[0] + row[1] ? 1 : 2)));
  }
  return rows;
}

PerformanceMetrics Compute(const std::vector<Outcome>& rows,
                           const PerformanceOptions& options = {}) {
  Result<PerformanceMetrics> r = ComputePerformance(rows, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : PerformanceMetrics{};
}

TEST(Performance, BinaryProbabilitiesMatchSklearn) {
  PerformanceMetrics m = Compute(BinaryRows(1, 200));
  EXPECT_EQ(m.task, Task::kBinary);
  EXPECT_EQ(m.output, OutputKind::kProbability);
  EXPECT_EQ(m.rows, 200);
  EXPECT_EQ(m.classes, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{{79, 27}, {30, 64}}));
  ExpectRates(m, {0.715, 0.7032967032967034, 0.6808510638297872, 0.6918918918918919});
  ExpectGolden(m.roc_auc, 0.7872340425531915, "roc_auc");
  ExpectGolden(m.log_loss, 0.5498562081843135, "log_loss");
  ExpectCalibration(m, {{20, 15, 19, 26, 29, 17, 23, 16, 20, 15},
                        {0.05403654892236835, 0.1496394076418368, 0.24403899219242856,
                         0.34930557383030014, 0.4535774446625264, 0.5605749639834617,
                         0.6560889245205938, 0.7437221597448529, 0.8475955784341223,
                         0.9558009083132966},
                        {0.05, 0.13333333333333333, 0.21052631578947367,
                         0.4230769230769231, 0.41379310344827586, 0.5882352941176471,
                         0.5652173913043478, 0.75, 0.75, 0.9333333333333333},
                        0.04491752717037789});
  EXPECT_EQ(m.reliability[2].lower, 0.2);
  EXPECT_EQ(m.reliability[2].upper,
            0.30000000000000004);  // np.linspace's edge, 3 * 0.1, not 3 / 10
  EXPECT_EQ(m.reliability[3].lower, 0.30000000000000004);
  EXPECT_TRUE(m.mae == std::nullopt && m.r2 == std::nullopt);
  EXPECT_TRUE(m.notes.empty());
}

TEST(Performance, ThresholdMovesPredictionsNotScores) {
  PerformanceOptions options;
  options.threshold = 0.3;
  PerformanceMetrics m = Compute(BinaryRows(1, 200), options);
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{{47, 59}, {7, 87}}));
  ExpectRates(m, {0.67, 0.5958904109589042, 0.925531914893617, 0.725});
  ExpectGolden(m.roc_auc, 0.7872340425531915, "roc_auc");
  ExpectGolden(m.log_loss, 0.5498562081843135, "log_loss");
}

TEST(Performance, TiedScoresGetHalfCreditAndEdgeValuesTheLowerBin) {
  // Scores in tenths: every value ties with ~20 others, and 0.3, 0.6, 0.7
  // sit just below np.linspace's rounded edges.
  PerformanceMetrics m = Compute(BinaryRows(2, 200, /*tenths=*/true));
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{{79, 28}, {25, 68}}));
  ExpectRates(m, {0.735, 0.7083333333333334, 0.7311827956989247, 0.7195767195767195});
  ExpectGolden(m.roc_auc, 0.8438347904733193, "roc_auc");
  ExpectGolden(m.log_loss, 0.4811158327433894, "log_loss");
  ExpectCalibration(
      m, {{37, 23, 24, 20, 26, 13, 19, 21, 17},
          {0.04054054054054055, 0.20000000000000007, 0.2999999999999999,
           0.4000000000000001, 0.5, 0.5999999999999999, 0.6999999999999997,
           0.8000000000000002, 0.9000000000000002},
          {0.08108108108108109, 0.17391304347826086, 0.25, 0.6, 0.38461538461538464,
           0.7692307692307693, 0.631578947368421, 0.9523809523809523, 0.9411764705882353},
          0.08849999999999991});
}

TEST(Performance, ProbabilitiesZeroAndOneLandInTheEndBins) {
  const std::vector<double> y = {1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0};
  const std::vector<double> p = {0.0, 0.0, 0.1, 0.25, 0.3,    0.5,
                                 0.7, 0.9, 1.0, 1.0,  3 * 0.1};
  std::vector<Outcome> rows;
  for (size_t i = 0; i < y.size(); ++i) rows.push_back(Numeric({p[i]}, y[i]));
  PerformanceMetrics m = Compute(rows);
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{{3, 1}, {3, 4}}));
  ExpectRates(m, {0.6363636363636364, 0.8, 0.5714285714285714, 0.6666666666666666});
  ExpectGolden(m.roc_auc, 0.5892857142857142, "roc_auc");
  // p = 0 for a positive row costs -log(eps) = 36.04: clipped, not infinite.
  ExpectGolden(m.log_loss, 3.9816627226001162, "log_loss");
  // 0.3 and 3 * 0.1 = 0.30000000000000004 both fall in (0.2, 0.3]: the edge
  // is np.linspace's 3 * 0.1, and a value on an edge goes to the bin below.
  ExpectCalibration(m, {{3, 3, 1, 1, 1, 2},
                        {0.03333333333333333, 0.2833333333333334, 0.5, 0.7, 0.9, 1.0},
                        {0.6666666666666666, 0.3333333333333333, 1.0, 1.0, 0.0, 1.0},
                        0.34090909090909083});
  // 0 and 0.1 share [0, 0.1]; 1.0 is in the last bin, (0.9, 1].
  EXPECT_EQ(m.reliability.front().lower, 0.0);
  EXPECT_EQ(m.reliability.front().upper, 0.1);
  EXPECT_EQ(m.reliability.back().lower, 0.9);
  EXPECT_EQ(m.reliability.back().upper, 1.0);
}

TEST(Performance, TwoColumnProbabilitiesWithPositiveLabelZero) {
  SplitMix64 rng(3);
  std::vector<Outcome> rows;
  for (int i = 0; i < 200; ++i) {
    const double q = rng.Uniform();
    rows.push_back(Numeric({1 - q, q}, rng.Uniform() < q ? 1 : 0));
  }
  PerformanceOptions options;
  options.positive_label = "0";
  PerformanceMetrics m = Compute(rows, options);
  EXPECT_EQ(m.task, Task::kBinary);
  EXPECT_EQ(m.output, OutputKind::kClassProbabilities);
  ExpectRates(m, {0.71, 0.7156862745098039, 0.7156862745098039, 0.7156862745098039});
  ExpectGolden(m.roc_auc, 0.7828131252500999, "roc_auc");
  ExpectGolden(m.log_loss, 0.5614467899636539, "log_loss");
  ExpectCalibration(
      m,
      {{17, 19, 15, 29, 18, 15, 25, 17, 25, 20},
       {0.05477265782611694, 0.14956505821675176, 0.26722959078214714, 0.3490404642832086,
        0.45408321283760483, 0.553471260922435, 0.6553258223721116, 0.7438604533761454,
        0.8426154323517021, 0.941371362003364},
       {0.17647058823529413, 0.15789473684210525, 0.26666666666666666,
        0.41379310344827586, 0.3888888888888889, 0.6, 0.52, 0.6470588235294118, 0.8, 1.0},
       0.06625779930509888});
  options.positive_label = "fraud";  // not a class of a two-column output
  EXPECT_EQ(ComputePerformance(rows, options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Performance, PredictedLabelsOnlyHaveNoProbabilityMetrics) {
  const std::vector<double> y = {0, 1, 1, 0, 1, 0, 0, 1, 1};
  const std::vector<std::string> pred = {"0", "1", "0", "0", "1", "1", "0", "1", "1"};
  std::vector<Outcome> rows;
  for (size_t i = 0; i < y.size(); ++i)
    rows.push_back(TextWithNumberLabel(pred[i], y[i]));
  PerformanceMetrics m = Compute(rows);
  EXPECT_EQ(m.task, Task::kBinary);
  EXPECT_EQ(m.output, OutputKind::kClass);
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{{3, 1}, {1, 4}}));
  ExpectRates(m, {0.7777777777777778, 0.8, 0.8, 0.8});
  EXPECT_FALSE(m.roc_auc || m.log_loss || m.ece);
  EXPECT_TRUE(m.reliability.empty());
  EXPECT_TRUE(HasNote(m, "roc_auc: the output is a predicted class, not probabilities"));
  EXPECT_TRUE(HasNote(m, "log_loss: the output is a predicted class, not probabilities"));
  EXPECT_TRUE(HasNote(m, "ece: the output is a predicted class, not probabilities"));
}

TEST(Performance, IntegerOutputsAreClassesWhenTheyCannotBeProbabilities) {
  // Labels 1/2 are not binary 0/1, so the integer outputs are classes.
  const std::vector<double> y = {1, 2, 2, 1, 2, 1, 1}, pred = {1, 2, 1, 1, 2, 2, 2};
  std::vector<Outcome> rows;
  for (size_t i = 0; i < y.size(); ++i) rows.push_back(Numeric({pred[i]}, y[i]));
  PerformanceOptions options;
  options.positive_label = "2";
  PerformanceMetrics m = Compute(rows, options);
  EXPECT_EQ(m.task, Task::kBinary);
  EXPECT_EQ(m.output, OutputKind::kClass);
  EXPECT_EQ(m.classes, (std::vector<std::string>{"1", "2"}));
  ExpectRates(m, {0.5714285714285714, 0.5, 0.6666666666666666, 0.5714285714285714});
  EXPECT_FALSE(m.roc_auc.has_value());
  // positive_label "1" by default: the same rows, the other class positive.
  PerformanceMetrics other = Compute(rows);
  EXPECT_EQ(other.task, Task::kBinary);
  ExpectGolden(other.precision, 2.0 / 3.0,
               "precision of class 1");  // tp 2 of 3 predicted 1
}

TEST(Performance, IntegerClassesStayClassesInAOneClassWindow) {
  // A window of a 1/2-class model (positive "2") where every label and
  // output is 1: the values fit [0, 1] and 0/1 labels, but 1 is a class
  // here, not a certainty that the row is positive.
  PerformanceOptions options;
  options.task = Task::kBinary;
  options.positive_label = "2";
  PerformanceMetrics m =
      Compute({Numeric({1}, 1), Numeric({1}, 1), Numeric({1}, 1)}, options);
  EXPECT_EQ(m.output, OutputKind::kClass);
  EXPECT_EQ(m.classes, (std::vector<std::string>{"1"}));
  ExpectGolden(m.accuracy, 1.0, "accuracy");
  ExpectGolden(m.precision, 0.0, "precision");  // "2" never predicted: zero_division=0
}

TEST(Performance, StringLabelsWithPositiveLabel) {
  const std::vector<std::string> y = {"fraud", "ok", "ok",    "fraud",
                                      "ok",    "ok", "fraud", "ok"};
  const std::vector<std::string> pred = {"fraud", "ok", "fraud", "fraud",
                                         "ok",    "ok", "ok",    "ok"};
  std::vector<Outcome> rows;
  for (size_t i = 0; i < y.size(); ++i) rows.push_back(Text(pred[i], y[i]));
  PerformanceOptions options;
  options.positive_label = "fraud";
  PerformanceMetrics m = Compute(rows, options);
  EXPECT_EQ(m.task, Task::kBinary);
  EXPECT_EQ(m.classes, (std::vector<std::string>{"fraud", "ok"}));
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{{2, 1}, {1, 4}}));
  ExpectRates(m, {0.75, 0.6666666666666666, 0.6666666666666666, 0.6666666666666666});
  // Without positive_label the default "1" is not a class: macro averages.
  EXPECT_EQ(Compute(rows).task, Task::kMulticlass);

  // The same labels with p(fraud) as the output.
  const std::vector<double> p = {0.8, 0.1, 0.6, 0.7, 0.2, 0.2, 0.4, 0.05};
  for (size_t i = 0; i < y.size(); ++i) {
    rows[i].output_text.clear();
    rows[i].output = {p[i]};
  }
  PerformanceMetrics s = Compute(rows, options);
  EXPECT_EQ(s.output, OutputKind::kProbability);
  EXPECT_EQ(s.confusion, (std::vector<std::vector<int64_t>>{{2, 1}, {1, 4}}));
  ExpectGolden(s.roc_auc, 0.9333333333333333, "roc_auc");
  ExpectGolden(s.log_loss, 0.3769176089593811, "log_loss");
  ExpectCalibration(s, {{2, 2, 1, 1, 1, 1},
                        {0.07500000000000001, 0.2, 0.4, 0.6, 0.7, 0.8},
                        {0.0, 0.0, 1.0, 0.0, 1.0, 1.0},
                        0.28125});
}

TEST(Performance, MulticlassProbabilitiesMatchSklearn) {
  PerformanceMetrics m = Compute(MulticlassRows(4, 150));
  EXPECT_EQ(m.task, Task::kMulticlass);
  EXPECT_EQ(m.classes, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{
                             {30, 11, 14}, {10, 26, 14}, {10, 14, 21}}));
  ExpectRates(m, {0.5133333333333333, 0.5127917833800187, 0.5107070707070708,
                  0.5110295224051281});
  ExpectGolden(m.roc_auc, 0.6985775600617706, "roc_auc");
  ExpectGolden(m.log_loss, 0.9738771469859284, "log_loss");
  ExpectCalibration(m, {{17, 58, 43, 23, 4, 5},
                        {0.3718370999084911, 0.44666309511348234, 0.5436301573951408,
                         0.6272020355406708, 0.7270742319220582, 0.8223118327521419},
                        {0.5294117647058824, 0.46551724137931033, 0.5813953488372093,
                         0.4782608695652174, 0.5, 0.6},
                        0.07227810617244661});
}

TEST(Performance, MulticlassAucOverTheClassesPresent) {
  std::vector<Outcome> rows;
  for (Outcome& o : MulticlassRows(4, 150)) {
    if (o.label_number != 2) rows.push_back(o);
  }
  PerformanceMetrics m = Compute(rows);
  EXPECT_EQ(m.task, Task::kMulticlass);
  ExpectGolden(m.roc_auc, 0.7305454545454546, "roc_auc");
  ExpectGolden(m.log_loss, 0.9818597114389354, "log_loss");
  EXPECT_EQ(m.classes.size(), 3u);  // class 2 is still predicted
  ExpectGolden(m.precision, 0.48423423423423423, "precision");
  ExpectGolden(m.recall, 0.35515151515151516, "recall");
  ExpectGolden(m.f1, 0.4097600322645694, "f1");
}

TEST(Performance, MulticlassStringClassesAverageOverLabelsAndPredictions) {
  const std::vector<std::string> y = {"cat", "dog", "bird", "cat",  "dog", "bird",
                                      "cat", "cat", "dog",  "bird", "dog"};
  const std::vector<std::string> pred = {"cat",  "dog", "cat", "cat",  "bird", "bird",
                                         "fish", "dog", "dog", "bird", "dog"};
  std::vector<Outcome> rows;
  for (size_t i = 0; i < y.size(); ++i) rows.push_back(Text(pred[i], y[i]));
  PerformanceMetrics m = Compute(rows);
  EXPECT_EQ(m.task, Task::kMulticlass);
  EXPECT_EQ(m.classes, (std::vector<std::string>{"bird", "cat", "dog", "fish"}));
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{
                             {2, 1, 0, 0}, {0, 2, 1, 1}, {1, 0, 3, 0}, {0, 0, 0, 0}}));
  ExpectRates(m, {0.6363636363636364, 0.5208333333333333, 0.47916666666666663,
                  0.49702380952380953});
  EXPECT_FALSE(m.roc_auc.has_value());
}

TEST(Performance, NumberLabelsNameTheirClassWithoutDecimals) {
  Outcome a = TextWithNumberLabel("1", 1.0);
  a.label = "1.0";  // as sent
  Outcome b = TextWithNumberLabel("2", 2.0);
  Outcome c = Text("10", "10");
  PerformanceMetrics m = Compute({a, b, c});
  EXPECT_EQ(m.task, Task::kMulticlass);
  EXPECT_EQ(m.output, OutputKind::kClass);
  EXPECT_EQ(m.classes,
            (std::vector<std::string>{"1", "2", "10"}));  // numeric order, not "10" < "2"
  EXPECT_EQ(m.accuracy, 1.0);
  // Integer outputs name classes the same way: 2.0 is "2".
  PerformanceMetrics n =
      Compute({Numeric({1.0}, 1.0), Numeric({2.0}, 2.0), Numeric({10.0}, 2.0)});
  EXPECT_EQ(n.classes, (std::vector<std::string>{"1", "2", "10"}));
  EXPECT_EQ(n.confusion,
            (std::vector<std::vector<int64_t>>{{1, 0, 0}, {0, 1, 1}, {0, 0, 0}}));
  // A text class that is not a number: byte order.
  EXPECT_EQ(Compute({Text("b", "10"), Text("2", "2")}).classes,
            (std::vector<std::string>{"10", "2", "b"}));
}

TEST(Performance, RegressionMatchesSklearn) {
  SplitMix64 rng(5);
  std::vector<Outcome> rows;
  for (int i = 0; i < 100; ++i) {
    const double y = rng.Uniform() * 10;
    rows.push_back(Numeric({y + (rng.Uniform() - 0.5)}, y));
  }
  PerformanceMetrics m = Compute(rows);
  EXPECT_EQ(m.task, Task::kRegression);
  EXPECT_EQ(m.output, OutputKind::kValue);
  ExpectGolden(m.mae, 0.2508268804430501, "mae");
  ExpectGolden(m.rmse, 0.2920205531714028, "rmse");
  ExpectGolden(m.r2, 0.9895645307322419, "r2");
  ExpectGolden(m.mean_error, -0.01915053268112335, "mean_error");
  EXPECT_FALSE(m.accuracy || m.roc_auc);
  EXPECT_TRUE(m.classes.empty());
}

TEST(Performance, ConstantLabelsFollowForceFinite) {
  PerformanceOptions regression;
  regression.task = Task::kRegression;
  PerformanceMetrics perfect = Compute({Numeric({2.5}, 2.5), Numeric({2.5}, 2.5),
                                        Numeric({2.5}, 2.5), Numeric({2.5}, 2.5)},
                                       regression);
  ExpectGolden(perfect.r2, 1.0, "perfect r2");
  ExpectGolden(perfect.mae, 0.0, "perfect mae");
  PerformanceMetrics off = Compute(
      {Numeric({2.5}, 2.5), Numeric({2.5}, 2.5), Numeric({3}, 2.5), Numeric({2.5}, 2.5)},
      regression);
  ExpectGolden(off.r2, 0.0, "r2");
  ExpectGolden(off.mae, 0.125, "mae");
  ExpectGolden(off.rmse, 0.25, "rmse");
  // sklearn gives -1.73e31 here: numpy's mean of [0.1] * 3 rounds to
  // 0.10000000000000002, so its denominator is 5.8e-34, not 0. Constant
  // labels are detected exactly instead.
  PerformanceMetrics tenths = Compute(
      {Numeric({0.1}, 0.1), Numeric({0.1}, 0.1), Numeric({0.2}, 0.1)}, regression);
  ExpectGolden(tenths.r2, 0.0, "r2 of tenths");
  // One row: r2_score is NaN (undefined).
  PerformanceMetrics one = Compute({Numeric({3.5}, 3)}, regression);
  EXPECT_FALSE(one.r2.has_value());
  EXPECT_TRUE(HasNote(one, "r2: needs at least two rows"));
  ExpectGolden(one.mean_error, 0.5, "mean_error");
}

TEST(Performance, OneClassInTheLabelsLeavesAucAbsent) {
  const std::vector<double> p = {0.9, 0.2, 0.6, 1.0, 0.45};
  std::vector<Outcome> rows;
  for (double v : p) rows.push_back(Numeric({v}, 1));
  PerformanceMetrics m = Compute(rows);
  EXPECT_EQ(m.task, Task::kBinary);
  EXPECT_FALSE(m.roc_auc.has_value());
  EXPECT_TRUE(HasNote(m, "roc_auc: only one class in the labels"));
  ExpectGolden(m.log_loss, 0.6048263496151379,
               "log_loss");  // log_loss(y, p, labels=[0, 1])
  ExpectCalibration(m, {{1, 1, 1, 1, 1},
                        {0.2, 0.45, 0.6, 0.9, 1.0},
                        {1.0, 1.0, 1.0, 1.0, 1.0},
                        0.37000000000000005});
  ExpectGolden(m.accuracy, 0.6, "accuracy");

  std::vector<Outcome> multi;
  for (Outcome& o : MulticlassRows(4, 150)) {
    if (o.label_number == 1) multi.push_back(o);
  }
  PerformanceMetrics mm = Compute(multi);
  EXPECT_EQ(mm.task, Task::kMulticlass);
  EXPECT_FALSE(mm.roc_auc.has_value());
  EXPECT_TRUE(HasNote(mm, "roc_auc: only one class in the labels"));
  EXPECT_TRUE(mm.log_loss.has_value());
}

TEST(Performance, NonFiniteRowsAreExcludedAndCounted) {
  std::vector<Outcome> rows = BinaryRows(1, 200);
  const double nan = std::numeric_limits<double>::quiet_NaN(),
               inf = std::numeric_limits<double>::infinity();
  rows.insert(rows.begin() + 3, Numeric({nan}, 1));
  rows.insert(rows.begin() + 50, Numeric({0.5}, inf));
  rows.push_back(Numeric({0.1, nan}, 0));  // a different width, but excluded first
  PerformanceMetrics m = Compute(rows);
  EXPECT_EQ(m.rows, 200);
  EXPECT_TRUE(HasNote(m, "3 rows with non-finite values excluded"))
      << testing::PrintToString(m.notes);
  ExpectGolden(m.roc_auc, 0.7872340425531915, "roc_auc");
  ExpectGolden(m.accuracy, 0.715, "accuracy");
  ExpectGolden(m.ece, 0.04491752717037789, "ece");
}

TEST(Performance, EmptyInputHasEveryMetricAbsent) {
  for (const std::vector<Outcome>& rows :
       {std::vector<Outcome>{},
        std::vector<Outcome>{Numeric({std::nan("")}, 1), Numeric({0.5}, std::nan(""))}}) {
    Result<PerformanceMetrics> r = ComputePerformance(rows, {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->rows, 0);
    EXPECT_NE(r->task, Task::kAuto);
    for (const char* name : {"accuracy", "precision", "recall", "f1", "roc_auc",
                             "log_loss", "ece", "mae", "rmse", "r2", "mean_error"}) {
      EXPECT_FALSE(PerformanceMetric(*r, name).has_value()) << name;
    }
    EXPECT_TRUE(r->confusion.empty() && r->reliability.empty());
    EXPECT_FALSE(r->notes.empty());
  }
  PerformanceOptions regression;
  regression.task = Task::kRegression;
  EXPECT_EQ(ComputePerformance({}, regression)->task, Task::kRegression);
}

TEST(Performance, MixedWidthsNameTheRow) {
  std::vector<Outcome> rows = {Numeric({0.2, 0.8}, 1), Numeric({0.3, 0.7}, 0),
                               Numeric({0.5}, 1), Numeric({0.1, 0.9}, 1)};
  Result<PerformanceMetrics> r = ComputePerformance(rows, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("row 2"), std::string::npos)
      << r.status().message();
  rows = {Numeric({1}, 1), TextWithNumberLabel("0", 0)};
  r = ComputePerformance(rows, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 1"), std::string::npos)
      << r.status().message();
}

TEST(Performance, ClassProbabilityLabelsMustBeColumns) {
  std::vector<Outcome> rows = {Numeric({0.2, 0.5, 0.3}, 1), Numeric({0.3, 0.3, 0.4}, 0),
                               Numeric({0.1, 0.1, 0.8}, 3)};
  Result<PerformanceMetrics> r = ComputePerformance(rows, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("row 2"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("'3'"), std::string::npos) << r.status().message();
  rows[2] = Numeric({0.1, 0.1, 0.8}, 1.5);
  r = ComputePerformance(rows, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'1.5'"), std::string::npos)
      << r.status().message();
  rows[2] = Outcome{{0.1, 0.1, 0.8}, "", "cat", false, 0};
  EXPECT_NE(ComputePerformance(rows, {}).status().message().find("'cat'"),
            std::string::npos);
  rows[2] = Outcome{
      {0.1, 0.1, 0.8}, "", "2", false, 0};  // a text label naming a column is fine
  EXPECT_TRUE(ComputePerformance(rows, {}).ok());
}

TEST(Performance, ProbabilityChecksFollowSklearn) {
  // Scores that are not probabilities: log_loss and calibration_curve
  // refuse them, and multiclass roc_auc wants rows summing to 1.
  std::vector<Outcome> rows = {Numeric({2.0, -1.0, 0.5}, 0), Numeric({0.1, 3.0, 0.2}, 1),
                               Numeric({0.0, 0.5, 4.0}, 2)};
  PerformanceMetrics m = Compute(rows);
  EXPECT_EQ(m.accuracy, 1.0);
  EXPECT_FALSE(m.roc_auc || m.log_loss || m.ece);
  EXPECT_TRUE(HasNote(m, "roc_auc: the class probabilities do not sum to 1"));
  EXPECT_TRUE(HasNote(m, "log_loss: outputs outside [0, 1] are not probabilities"));
  EXPECT_TRUE(HasNote(m, "ece: outputs outside [0, 1] are not probabilities"));
}

TEST(Performance, ArgmaxTiesPredictTheFirstClass) {
  // np.argmax: the first of equal probabilities.
  PerformanceMetrics m =
      Compute({Numeric({0.4, 0.4, 0.2}, 1), Numeric({0.2, 0.4, 0.4}, 2),
               Numeric({0.1, 0.1, 0.8}, 2)});
  EXPECT_EQ(m.confusion,
            (std::vector<std::vector<int64_t>>{{0, 0, 0}, {1, 0, 0}, {0, 1, 1}}));
  ExpectGolden(m.accuracy, 1.0 / 3.0, "accuracy");
}

TEST(Performance, ExplicitTasksMustFitTheData) {
  PerformanceOptions binary;
  binary.task = Task::kBinary;
  std::vector<Outcome> three = {Text("a", "a"), Text("b", "b"), Text("c", "a")};
  EXPECT_EQ(ComputePerformance(three, binary).status().code(),
            StatusCode::kInvalidArgument);
  binary.positive_label = "a";
  std::vector<Outcome> two = {Text("a", "a"), Text("b", "b")};
  EXPECT_EQ(Compute(two, binary).task, Task::kBinary);
  binary.positive_label = "z";  // sklearn: pos_label is not a valid label
  EXPECT_EQ(ComputePerformance(two, binary).status().code(),
            StatusCode::kInvalidArgument);

  PerformanceOptions regression;
  regression.task = Task::kRegression;
  Result<PerformanceMetrics> r = ComputePerformance(
      {Numeric({1.5}, 1), Outcome{{2.5}, "", "high", false, 0}}, regression);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 1"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(ComputePerformance(two, regression).ok());

  // Integer outputs with integer labels are classes unless regression is asked for.
  std::vector<Outcome> counts = {Numeric({3}, 3), Numeric({5}, 4), Numeric({7}, 7)};
  EXPECT_EQ(Compute(counts).task, Task::kMulticlass);
  PerformanceMetrics reg = Compute(counts, regression);
  EXPECT_EQ(reg.task, Task::kRegression);
  ExpectGolden(reg.mae, 1.0 / 3.0, "mae");
  // Non-integer labels make it regression by itself.
  EXPECT_EQ(Compute({Numeric({3}, 3.5), Numeric({5}, 4), Numeric({7}, 7)}).task,
            Task::kRegression);

  PerformanceOptions as_class;
  as_class.output = OutputKind::kClass;  // 0/1 outputs read as classes, not probabilities
  PerformanceMetrics c =
      Compute({Numeric({1}, 1), Numeric({0}, 1), Numeric({0}, 0)}, as_class);
  EXPECT_EQ(c.output, OutputKind::kClass);
  EXPECT_FALSE(c.roc_auc.has_value());
  as_class.output = OutputKind::kProbability;
  EXPECT_FALSE(ComputePerformance({Numeric({1.5}, 1)}, as_class).ok());

  // 0/1 labels with probabilities, but positive_label names no 0/1 class.
  PerformanceOptions fraud;
  fraud.positive_label = "fraud";
  Result<PerformanceMetrics> f = ComputePerformance(BinaryRows(1, 20), fraud);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("'fraud'"), std::string::npos)
      << f.status().message();

  PerformanceOptions bins;
  bins.calibration_bins = 0;
  EXPECT_FALSE(ComputePerformance({}, bins).ok());
}

TEST(Performance, NamesParseAndMetricsLookUp) {
  for (Task t : {Task::kAuto, Task::kBinary, Task::kMulticlass, Task::kRegression}) {
    Result<Task> parsed = ParseTask(TaskName(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
  }
  Result<Task> bad = ParseTask("ranking");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("ranking"), std::string::npos);
  for (OutputKind k : {OutputKind::kAuto, OutputKind::kClass, OutputKind::kProbability,
                       OutputKind::kClassProbabilities, OutputKind::kValue}) {
    EXPECT_EQ(*ParseOutputKind(OutputKindName(k)), k);
  }
  EXPECT_FALSE(ParseOutputKind("logits").ok());

  PerformanceMetrics m = Compute(BinaryRows(1, 200));
  EXPECT_EQ(PerformanceMetric(m, "auc"), m.roc_auc);
  EXPECT_EQ(PerformanceMetric(m, "roc_auc"), m.roc_auc);
  EXPECT_EQ(PerformanceMetric(m, "f1"), m.f1);
  EXPECT_EQ(PerformanceMetric(m, "ece"), m.ece);
  EXPECT_EQ(PerformanceMetric(m, "rows"), 200.0);
  EXPECT_FALSE(PerformanceMetric(m, "mae").has_value());
  EXPECT_FALSE(PerformanceMetric(m, "bogus").has_value());
}

TEST(Performance, JsonHasEveryKeyAndNullsForAbsentMetrics) {
  nlohmann::json j = PerformanceToJson(Compute(BinaryRows(1, 200)));
  EXPECT_EQ(j["task"], "binary");
  EXPECT_EQ(j["rows"], 200);
  EXPECT_EQ(j["classes"], nlohmann::json({"0", "1"}));
  EXPECT_EQ(j["confusion"][1][1], 64);
  EXPECT_DOUBLE_EQ(j["roc_auc"].get<double>(), 0.7872340425531915);
  EXPECT_TRUE(j["mae"].is_null());
  EXPECT_TRUE(j["r2"].is_null());
  EXPECT_EQ(j["reliability"].size(), 10u);
  EXPECT_EQ(j["reliability"][0]["count"], 20);
  nlohmann::json r =
      PerformanceToJson(Compute({Numeric({1.5}, 1), Numeric({2.5}, 2.25)}));
  EXPECT_EQ(r["task"], "regression");
  EXPECT_TRUE(r["accuracy"].is_null());
  EXPECT_TRUE(r["roc_auc"].is_null());
  EXPECT_DOUBLE_EQ(r["mae"].get<double>(), 0.375);
  EXPECT_TRUE(r["notes"].is_array());
}

}  // namespace
}  // namespace ferry::monitoring
