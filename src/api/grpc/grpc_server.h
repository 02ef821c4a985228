// The Open Inference Protocol over gRPC (inference.GRPCInferenceService),
// on gRPC's callback API: ModelInfer hands the request to the deployment's
// batcher and finishes the call from the batcher thread, so no gRPC thread
// waits on a model. Tensors travel as raw_input_contents /
// raw_output_contents (what tritonclient sends and reads) or as typed
// contents. A model name is a deployment name, as over HTTP. Every answer
// carries the initial metadata ferry-prediction-id and ferry-model-version.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "serving/deployments.h"

namespace ferry::api {

class GrpcServer {
 public:
  // Listens on host:port (0 = any free port); kUnavailable when taken.
  static Result<std::unique_ptr<GrpcServer>> Start(const std::string& host, int port,
                                                   serving::Deployments& deployments,
                                                   int max_message_bytes);
  virtual ~GrpcServer() = default;
  virtual int port() const = 0;
  // Stops accepting and waits (up to a few seconds) for calls in flight.
  virtual void Shutdown() = 0;
};

}  // namespace ferry::api
