// Runner: one loaded model version ready to serve — its package, one model
// instance per batcher thread (each warmed up with a request of one zero
// row before the runner is handed out), and the batcher in front of them.
// Requests are checked against the model's inputs first, so a bad request
// never reaches a batch. Thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "serving/batcher.h"
#include "serving/model.h"

namespace ferry::serving {

class Runner {
 public:
  // `model` and `version` label the runner (the registry version it serves).
  static Result<std::shared_ptr<Runner>> Load(const ModelPackage& package, BatchOptions options,
                                              std::string model = "", int64_t version = 0,
                                              Batcher::ObserveFn observe = nullptr);
  ~Runner();

  const std::string& model() const { return model_; }
  int64_t version() const { return version_; }

  const ModelIo& io() const { return models_[0]->io(); }
  const ModelPackage& package() const { return package_; }
  const BatchOptions& options() const { return batcher_->options(); }

  // Checks and orders `inputs`, then queues them; `done` is called once
  // unless an error is returned.
  Status Infer(std::vector<Tensor> inputs, Batcher::Done done);
  // Infer and wait (batch scoring, tests).
  Batcher::Outputs InferSync(std::vector<Tensor> inputs);
  // Finishes queued requests and stops the threads.
  void Stop() { batcher_->Stop(); }
  size_t queued() const { return batcher_->queued(); }
  // Why an instance refuses work ("" when all are healthy).
  std::string Unhealthy() const;

 private:
  Runner() = default;
  ModelPackage package_;
  std::string model_;
  int64_t version_ = 0;
  std::vector<std::unique_ptr<Model>> models_;
  std::unique_ptr<Batcher> batcher_;
};

// Matches request inputs to the model's by name and returns them in the
// model's order. kInvalidArgument names the input: unknown, missing, wrong
// datatype (numbers for a BYTES input or the reverse), wrong rank or fixed
// dimension, rows unequal across inputs, or data that does not fill the
// shape, no rows. Inputs come back in one form per model input (its
// datatype; a column as [rows]) so that any requests can share a batch. A
// missing optional input is filled with NaN (missing; zeros for integer
// types, empty strings for BYTES).
Result<std::vector<Tensor>> CheckInputs(const ModelIo& io, std::vector<Tensor> inputs);
// A request of `rows` rows of zeros (empty strings for BYTES).
std::vector<Tensor> ZeroRequest(const ModelIo& io, int64_t rows);

}  // namespace ferry::serving
