// The Open Inference Protocol (KServe V2) over HTTP: the JSON inference
// request and response, with the binary tensor data extension — when the
// request carries header Inference-Header-Content-Length: N, the first N
// bytes of the body are JSON and the rest holds the raw data of the inputs
// whose parameters say "binary_data_size", in order. Outputs are answered
// in binary when the request asks (per output "binary_data": true, or
// "binary_data_output": true for all).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/json_util.h"
#include "serving/tensor.h"

namespace ferry::api {

struct OipRequest {
  std::string id;
  std::vector<serving::Tensor> inputs;
  struct Output {
    std::string name;
    bool binary = false;
  };
  std::vector<Output> outputs;  // empty = every output
  bool binary_output = false;   // parameters.binary_data_output
};

// `json_length` is the Inference-Header-Content-Length header, if any.
// Errors are kInvalidArgument naming the field or input.
Result<OipRequest> ParseOipRequest(std::string_view body, std::optional<size_t> json_length);

struct OipBody {
  std::string body;
  std::optional<size_t> json_length;  // set when binary data follows
};

// Renders the outputs the request asked for (all when it named none);
// kInvalidArgument when it named an output the model lacks.
Result<OipBody> RenderOipResponse(const std::string& model, int64_t version,
                                  const OipRequest& request,
                                  const std::vector<serving::Tensor>& outputs);

}  // namespace ferry::api
