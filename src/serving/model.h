// The one interface every backend implements: a loaded model instance that
// describes its inputs and outputs and runs a batch.
//
// An instance is used by one batcher thread at a time (the batcher keeps one
// instance per parallel slot), so Predict need not be thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "serving/model_package.h"
#include "serving/tensor.h"

namespace ferry::serving {

struct ModelIo {
  std::vector<IoSpec> inputs;   // what a request must supply
  std::vector<IoSpec> outputs;  // what Predict returns, in order
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelIo& io() const = 0;
  // `inputs` match io().inputs one to one (checked by the caller: names,
  // datatypes convertible, equal rows). Returns io().outputs, each with the
  // batch's rows in dimension 0. Errors: kInvalidArgument for data the model
  // rejects, kInternal/kUnavailable for backend failures.
  virtual Result<std::vector<Tensor>> Predict(std::span<const Tensor> inputs) = 0;
  // Why the instance refuses work, or "" when it is healthy.
  virtual std::string Unhealthy() const { return ""; }
};

// Loads one instance of the package's model with its backend.
Result<std::unique_ptr<Model>> LoadModel(const ModelPackage& package);

}  // namespace ferry::serving
