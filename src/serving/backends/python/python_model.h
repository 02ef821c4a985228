// Python backend: any model MLflow's pyfunc loads (scikit-learn, LightGBM,
// XGBoost's sklearn API, a user's PythonModel class), run in a Python
// worker process per instance, fed batches over the binary worker protocol.
//
// A model that raises answers the request with its exception (kInvalidArgument
// for ValueError/TypeError/KeyError, kInternal otherwise) and the worker
// lives on. A worker that dies or hangs (past `timeout`) is killed, the
// batch gets kUnavailable naming what happened, and the next batch starts
// a fresh worker; after `max_crashes` deaths within `crash_window` the
// instance is marked unhealthy and refuses work (the deployment reports it)
// until the version is reloaded. Models need a signature (log them with an
// input example) so requests can be checked before they reach Python; a
// model logged without one may describe itself when loaded (an ONNX graph's
// typed inputs and outputs, through onnxruntime in the worker).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "serving/model.h"

namespace ferry::serving {

struct PythonOptions {
  std::string python = "python3";  // FERRY_PYTHON overrides
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds load_timeout{120000};
  int max_crashes = 3;
  std::chrono::seconds crash_window{60};
};

Result<std::unique_ptr<Model>> LoadPythonModel(const ModelPackage& package,
                                               const PythonOptions& options = {});

}  // namespace ferry::serving
