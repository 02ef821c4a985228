#include "serving/model.h"

#include "serving/backends/python/python_model.h"
#include "serving/backends/xgboost/xgboost_model.h"

namespace ferry::serving {

Result<std::unique_ptr<Model>> LoadModel(const ModelPackage& package) {
  if (package.backend == "xgboost") return LoadXgboostModel(package);
  // ONNX Runtime has no C/C++ distribution on Debian 12; ONNX models run
  // through MLflow's onnx flavor in the Python worker.
  if (package.backend == "python" || package.backend == "onnx") return LoadPythonModel(package);
  return FailedPrecondition("the '" + package.backend +
                            "' backend is not available in this build yet");
}

}  // namespace ferry::serving
