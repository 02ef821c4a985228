// The `train-xgboost` built-in step: trains an XGBoost booster on a CSV
// through XGBoost's C API and writes a model package that Ferry serves and
// MLflow loads (docs/model-package.md).
//
//   uses: train-xgboost
//   with:
//     data: data/train.csv        # CSV with a header row (feature_matrix.h)
//     label: churned              # the label column
//     features: [age, plan, ...]  # optional; default every other column
//     validation_data: valid.csv  # optional; else a seeded shuffle split of data:
//     validation_fraction: 0.2    #   [0, 1), default 0.2 (0: no validation set)
//     seed: 0                     # the split's and XGBoost's seed, default 0
//     objective: binary:logistic  # or reg:squarederror, multi:softprob (+ num_class)
//     num_class: 3                # multi:softprob only, 2..10000
//     num_boost_round: 100        # 1..100000
//     early_stopping_rounds: 10   # optional: stop when the validation metric
//                                 #   (the last eval_metric) has not improved
//                                 #   for this many rounds; the best round is kept
//     params: {max_depth: 6, eta: 0.3, subsample: 0.8, eval_metric: [logloss, auc]}
//                                 # XGBoost booster params, passed as text
//     nthread: 4                  # 0..1024; default 0, XGBoost's (all cores)
//     output: model               # the package folder (default "model")
//
// Labels: binary:logistic takes 0 or 1, multi:softprob integers in
// [0, num_class), reg:squarederror any finite number. The package folder
// must not exist or be empty; it appears whole or not at all (written
// beside it, then renamed). It holds MLmodel (flavors xgboost and
// python_function, model_class xgboost.core.Booster so both Ferry and
// pyfunc answer probabilities; a column signature of doubles), model.json
// (the booster in XGBoost's JSON format, its feature names set), the
// Python environment files, metrics.json (train_* and valid_* metrics from
// monitoring's ComputePerformance: binary auc, logloss, accuracy, f1,
// precision, recall; multiclass auc, logloss, accuracy, f1; regression
// rmse, mae, r2) and params.json (the effective arguments and params).
//
// Thread-safe: each call has its own booster and matrices.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ferry::pipelines::steps {

struct TrainXgboostOptions {
  std::string data;
  std::string label;
  std::vector<std::string> features;  // empty: every column but the label
  std::string validation_data;        // empty: split `data`
  double validation_fraction = 0.2;   // of `data` when validation_data is empty
  int64_t seed = 0;
  std::string objective = "binary:logistic";
  int num_class = 0;  // multi:softprob only
  int num_boost_round = 100;
  int early_stopping_rounds = 0;  // 0: off
  // Booster params in the order given; a key may repeat (eval_metric).
  std::vector<std::pair<std::string, std::string>> params;
  int nthread = 0;  // 0: XGBoost's default
  std::string output = "model";
};

// The options `with:` describes. InvalidArgument names the field as
// `with.<field>` (an unknown argument too); `params` may not set what has its
// own argument (objective, num_class, nthread, seed).
Result<TrainXgboostOptions> TrainXgboostOptionsFromJson(const nlohmann::json& with);

struct TrainResult {
  std::string output;                     // the package folder
  std::vector<std::string> features;      // in the model's column order
  std::map<std::string, double> metrics;  // as metrics.json: train_auc, valid_auc, ...
  nlohmann::json params;                  // as params.json
  int rounds = 0;                         // boosting rounds run
  int best_iteration = 0;                 // 0-based; the model keeps rounds 0..best
  int64_t train_rows = 0, valid_rows = 0;
  std::string model_uuid;
};

// Reads the data, trains, scores, and writes the package. InvalidArgument
// (naming the with.<field>) for bad data (with the file, line and column),
// params XGBoost rejects, or an output folder that is not empty; Internal
// for I/O and XGBoost failures.
Result<TrainResult> TrainXgboost(const TrainXgboostOptions& options);

}  // namespace ferry::pipelines::steps
