// Writing a trained XGBoost booster as a model package (docs/model-package.md)
// that Ferry's serving reads (serving/model_package.h) and MLflow's pyfunc
// loads (mlflow.xgboost): MLmodel, model.json, requirements.txt,
// python_env.yaml, conda.yaml, metrics.json and params.json.
//
// MLmodel: flavors `xgboost` (data model.json, model_format json — MLflow
// names the file model.<model_format> — model_class xgboost.core.Booster,
// so pyfunc and Ferry answer the booster's probabilities, not labels) and
// `python_function` (loader_module mlflow.xgboost); a signature with one
// `double` column per feature and a float32 tensor output named
// "predictions" ([-1], or [-1, num_class] for multi:softprob); model_uuid,
// utc_time_created; and a `ferry:` block (backend, objective, label,
// best_iteration) that MLflow ignores.
//
// Thread-safe: each call writes its own folder.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry::pipelines::steps {

struct XgboostPackage {
  std::string model_json;  // the booster in XGBoost's JSON model format
  std::vector<std::string> features;
  std::string objective;
  int num_class = 0;  // multi:softprob
  std::string label;
  int best_iteration = 0;
  nlohmann::json metrics;  // metrics.json
  nlohmann::json params;   // params.json
};

// InvalidArgument ("with.output: ...") unless `output` is absent or an empty
// folder: checked before training so a bad folder fails fast.
Status CheckPackageFolder(const std::string& output);

// Writes the package into a fresh folder beside `output` and renames it into
// place, so the package appears whole or not at all. Returns its model_uuid.
// Internal on I/O failure (the partial folder is removed).
Result<std::string> WriteXgboostPackage(const std::string& output,
                                        const XgboostPackage& package);

}  // namespace ferry::pipelines::steps
