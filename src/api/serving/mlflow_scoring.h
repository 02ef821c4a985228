// MLflow's scoring protocol (POST /invocations, as `mlflow models serve`
// answers it): a JSON body with exactly one of
//   dataframe_split   {"columns": [...], "data": [[...], ...]}
//   dataframe_records [{"col": value, ...}, ...]
//   instances | inputs  a list of rows, a list of records, or {col: [values]}
// turned into the model's input tensors; the answer is
// {"predictions": [...]} (one output) or {"predictions": {name: [...]}}.
// Column models take named columns (extra columns are ignored, as MLflow's
// schema enforcement does); a model with one [-1, n] tensor input takes
// rows of n values.
#pragma once

#include <vector>

#include "api/json_util.h"
#include "serving/model.h"

namespace ferry::api {

Result<std::vector<serving::Tensor>> ScoringInputs(const Json& body, const serving::ModelIo& io);
Json ScoringOutput(const std::vector<serving::Tensor>& outputs);

}  // namespace ferry::api
