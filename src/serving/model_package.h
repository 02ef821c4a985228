// A model package as serving reads it: MLflow's `MLmodel` manifest (see
// docs/model-package.md) parsed into the backend to use, the model file,
// the signature and Ferry's batching hints. Reading a package never runs
// user code. Every path the manifest names must stay inside the package.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "serving/tensor.h"

namespace ferry::serving {

// One input or output of a signature. Column schemas give 1-D columns
// (shape [-1]); tensor schemas give their shape (-1 = any size).
struct IoSpec {
  std::string name;
  DataType datatype = DataType::kFp32;
  std::vector<int64_t> shape;
  bool required = true;
};

struct Signature {
  bool tensor_based = false;  // a tensor schema rather than columns
  std::vector<IoSpec> inputs;
  std::vector<IoSpec> outputs;
};

struct ModelPackage {
  std::string dir;          // local directory holding MLmodel
  std::string backend;      // "xgboost" | "python" | "onnx"
  std::string data_path;    // the flavor's model file, absolute
  std::string model_class;  // e.g. xgboost.sklearn.XGBClassifier
  std::optional<Signature> signature;
  std::string input_example_path;  // absolute; empty when none
  int max_batch_size = 0;          // 0 = the server's default
  int max_queue_delay_us = -1;     // -1 = the server's default
  std::string run_id;
  std::string model_uuid;
};

// Parses "<dir>/MLmodel". kInvalidArgument names what is wrong (missing
// manifest, no servable flavor, a path escaping the package, a malformed
// signature).
Result<ModelPackage> ReadModelPackage(const std::string& dir);
// Parses MLflow's signature JSON text ("[{"name": "x", "type": "double"}]").
Result<std::vector<IoSpec>> ParseSchema(const std::string& field, const std::string& json,
                                        bool* tensor_based);

}  // namespace ferry::serving
