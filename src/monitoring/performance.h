// Ground-truth performance of a model: its outputs judged against labels that
// arrived later, with scikit-learn's definitions so the numbers agree with
// sklearn 1.9 to rounding (tests compare against it).
//
// Classification: accuracy_score; precision / recall / F1 with
// average='binary' (pos_label = positive_label) or average='macro' over the
// union of labelled and predicted classes, zero_division=0; roc_auc_score
// (binary, or one-vs-rest macro over the classes present in the labels);
// log_loss (probabilities clipped to [eps, 1 - eps], rows not renormalised);
// a reliability diagram and the expected calibration error on
// calibration_curve(strategy='uniform') bins (multiclass: top-label, i.e.
// the confidence is the highest probability and a hit is a right argmax).
// Regression: mean_absolute_error, root_mean_squared_error, r2_score
// (force_finite: constant labels give 1 for perfect predictions, else 0)
// and the mean error (prediction - label).
//
// What the outputs mean (Task::kAuto and OutputKind::kAuto):
//   * a text output is the predicted class itself; so is a one-value output
//     that is an integer, when it is not read as a probability (below).
//   * one value per row, every value in [0, 1], and the labels binary (all
//     numbers in {0, 1} with positive_label "0" or "1", or text labels that
//     with positive_label make at most two classes): the probability of
//     positive_label; predicted positive when p >= threshold. Binary. (So
//     0/1 outputs with 0/1 labels are probabilities: roc_auc is that of hard
//     predictions and log_loss charges -log(eps) per miss, as in sklearn.)
//   * k >= 2 values per row: probabilities of the classes "0" .. "k-1" (a
//     label must be one of them); binary when k == 2 (p = the column of
//     positive_label, which must be "0" or "1"; predicted positive when
//     p >= threshold), else multiclass with the first argmax predicted.
//   * otherwise, with every label a number: regression.
// A predicted class (no probabilities) is binary when the labelled and
// predicted classes number at most two and positive_label is one of them or
// they are all "0"/"1"; else multiclass. roc_auc, log_loss and ece then stay
// absent, each with a note. An explicit task (or output kind) skips the
// guess but must fit the data: InvalidArgument otherwise.
//
// A number label's class is its shortest decimal form, integers without
// ".0" (1.0 -> "1"). Classes sort numerically when every class is a number,
// else by bytes.
//
// Rows with a NaN or infinite output or label are left out and counted in a
// note. No rows left: every metric absent, not an error. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace ferry::monitoring {

// One labelled prediction row.
struct Outcome {
  // The model's numeric output (k values); empty when the output is text.
  std::vector<double> output;
  std::string output_text;  // the output when it is a string (a class name)
  // The truth as sent: a number in JSON form ("1", "3.25") or a string.
  std::string label;
  // The label was a JSON number (or a bool, converted to 1/0 by the caller).
  bool label_is_number = false;
  double label_number = 0;  // valid when label_is_number
};

enum class Task { kAuto, kBinary, kMulticlass, kRegression };

// How the outputs are read (see the header comment); kAuto guesses.
enum class OutputKind {
  kAuto,
  kClass,               // the predicted class (text or an integer)
  kProbability,         // one value: the probability of positive_label
  kClassProbabilities,  // k >= 2 values: probabilities of classes "0".."k-1"
  kValue,               // a regression prediction
};

struct PerformanceOptions {
  Task task = Task::kAuto;
  OutputKind output = OutputKind::kAuto;
  std::string positive_label = "1";  // binary: the positive class, as label text
  double threshold = 0.5;            // binary: predicted positive when p >= threshold
  int calibration_bins = 10;         // >= 1
};

// A non-empty calibration_curve bin: (lower, upper], the first [0, upper].
struct ReliabilityBin {
  double lower = 0, upper = 0;
  int64_t count = 0;
  double mean_predicted = 0;
  double fraction_positive = 0;
};

struct PerformanceMetrics {
  // The task used, never kAuto (with no rows: the one asked for, binary
  // under kAuto), and how the outputs were read (kAuto only with no rows).
  Task task = Task::kAuto;
  OutputKind output = OutputKind::kAuto;
  int64_t rows = 0;  // rows used
  // classification
  std::vector<std::string> classes;             // labelled and predicted, sorted
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted], in `classes` order
  std::optional<double> accuracy, precision, recall, f1, roc_auc, log_loss, ece;
  std::vector<ReliabilityBin> reliability;  // non-empty bins only
  // regression
  std::optional<double> mae, rmse, r2, mean_error;  // mean_error: mean(pred - label)
  std::vector<std::string> notes;  // why a metric is absent; rows left out
};

// InvalidArgument when the outputs do not fit the task or output kind asked
// for, when rows differ in output width (naming the first differing row),
// when a label is not a class of a probability output (naming row and
// label), or for calibration_bins < 1.
Result<PerformanceMetrics> ComputePerformance(const std::vector<Outcome>& rows,
                                              const PerformanceOptions& options);

// Every metric key always present, absent ones as null; "task" as
// "binary" / "multiclass" / "regression".
nlohmann::json PerformanceToJson(const PerformanceMetrics& m);

// "auto", "binary", "multiclass", "regression"; parsing anything else is
// InvalidArgument naming the value.
std::string_view TaskName(Task t);
Result<Task> ParseTask(std::string_view name);
// "auto", "class", "probability", "class_probabilities", "value"; likewise.
std::string_view OutputKindName(OutputKind k);
Result<OutputKind> ParseOutputKind(std::string_view name);

// One metric by name: "accuracy", "precision", "recall", "f1", "roc_auc"
// (or "auc"), "log_loss", "ece", "mae", "rmse", "r2", "mean_error", "rows".
// nullopt when the metric is absent or the name unknown.
std::optional<double> PerformanceMetric(const PerformanceMetrics& m,
                                        std::string_view name);

}  // namespace ferry::monitoring
