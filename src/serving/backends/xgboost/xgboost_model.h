// XGBoost backend: loads the model file through XGBoost's C API and predicts
// in place on a dense float matrix (no DMatrix copy). Inputs are either one
// [rows, features] tensor or one column per feature (the signature's column
// schema); both are assembled into a row-major float matrix, with NaN as
// "missing" as in XGBoost's Python API. A classifier (model_class
// XGBClassifier) answers labels, as MLflow's pyfunc does; anything else
// answers the booster's prediction (probabilities for binary:logistic).
#pragma once

#include <memory>

#include "serving/model.h"

namespace ferry::serving {

Result<std::unique_ptr<Model>> LoadXgboostModel(const ModelPackage& package);

}  // namespace ferry::serving
