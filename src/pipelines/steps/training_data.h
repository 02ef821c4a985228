// train-xgboost's data: the training CSV read into a feature matrix (with
// the labels its objective accepts), and the validation set — a second CSV
// with the same feature columns, or a seeded shuffle split of the first.
//
// The split is deterministic for a seed on every platform (a Fisher-Yates
// shuffle driven by std::mt19937_64, whose output the standard fixes): the
// first round(rows * fraction) shuffled rows (at least one) validate, the
// rest train; each set keeps file order. Thread-safe (pure functions).
#pragma once

#include "core/status.h"
#include "pipelines/steps/feature_matrix.h"
#include "pipelines/steps/train_xgboost.h"

namespace ferry::pipelines::steps {

struct TrainingData {
  FeatureMatrix train;
  FeatureMatrix valid;  // rows == 0: no validation set
};

// InvalidArgument names the field: with.label or with.features for a column
// the data lacks, with.data / with.validation_data for bad cells (file,
// line and column), with.validation_fraction when no training row is left.
Result<TrainingData> LoadTrainingData(const TrainXgboostOptions& options);

// Row indexes [0, rows) split as described above; `valid` gets `valid_rows`.
void SplitRows(int64_t rows, int64_t valid_rows, int64_t seed,
               std::vector<int64_t>* train, std::vector<int64_t>* valid);

}  // namespace ferry::pipelines::steps
