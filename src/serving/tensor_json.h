// Tensors to and from JSON values, shared by the Open Inference Protocol
// and MLflow's scoring protocol. Numbers are range-checked against the
// datatype, BYTES come from strings, and errors name the input.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "serving/tensor.h"

namespace ferry::serving {

// Appends one JSON scalar as an element of `type` to `out`. JSON null is
// NaN for floating-point types and an error otherwise.
Status AppendJsonValue(const nlohmann::json& value, DataType type, std::string& out,
                       const std::string& input);
// Appends every scalar of a (possibly nested) array in row-major order and
// returns how many were appended.
Result<int64_t> AppendJsonData(const nlohmann::json& data, DataType type, std::string& out,
                               const std::string& input);
// Element `i` of a tensor as JSON (BYTES as a string; NaN/inf as null,
// since JSON has no such numbers).
nlohmann::json ElementToJson(const Tensor& tensor, int64_t i);
// All elements, flat (OIP) or nested by the shape (MLflow).
nlohmann::json TensorDataToJson(const Tensor& tensor, bool nested);

}  // namespace ferry::serving
