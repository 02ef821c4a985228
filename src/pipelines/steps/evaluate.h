// The `evaluate` built-in step: scores a model package on a labelled CSV.
//
//   uses: evaluate
//   with:
//     model: model/           # a package folder Ferry can serve (MLmodel)
//     data: data/test.csv     # CSV with a header row (feature_matrix.h)
//     label: churned          # the label column (numbers)
//     task: binary            # optional: binary | multiclass | regression;
//                             #   default: guessed from outputs and labels
//     threshold: 0.5          # binary: positive when p >= threshold
//     features: [a, b]        # only for a package whose signature is one
//                             #   [rows, n] tensor (or absent): the CSV
//                             #   columns, in order; default every other one
//     output: .               # folder for metrics.json (default ".")
//
// The package is opened with serving's public loader (ReadModelPackage,
// LoadModel), so the step scores exactly what a deployment would answer.
// With a column signature each input is the CSV column of that name (a
// required one missing is InvalidArgument naming it; an optional one is
// filled as serving fills it). Features are read as 32-bit floats.
// Predictions run in batches of 8192 rows; metrics come from monitoring's
// ComputePerformance. Writes metrics.json (the flat names of
// step_metrics.h plus "rows") and performance.json (PerformanceToJson:
// every metric, the confusion matrix, calibration, notes).
//
// Thread-safe: each call loads its own model instance.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "monitoring/performance.h"

namespace ferry::pipelines::steps {

struct EvaluateOptions {
  std::string model;
  std::string data;
  std::string label;
  monitoring::Task task = monitoring::Task::kAuto;
  double threshold = 0.5;
  std::vector<std::string> features;  // tensor-input packages only
  std::string output = ".";
};

// InvalidArgument names the field as `with.<field>`.
Result<EvaluateOptions> EvaluateOptionsFromJson(const nlohmann::json& with);

struct EvaluateResult {
  monitoring::PerformanceMetrics performance;
  std::map<std::string, double> metrics;  // as metrics.json
  std::vector<std::string> features;      // the CSV columns fed to the model
  int64_t rows = 0;
  std::string metrics_path;
};

// InvalidArgument for a package serving refuses (with.model), a CSV that
// lacks a column or holds a bad cell (with.data, naming line and column),
// or outputs that do not fit the task; Internal for model or I/O failures.
Result<EvaluateResult> EvaluateModel(const EvaluateOptions& options);

}  // namespace ferry::pipelines::steps
