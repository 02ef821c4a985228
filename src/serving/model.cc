#include "serving/model.h"

#include "serving/backends/xgboost/xgboost_model.h"

namespace ferry::serving {

Result<std::unique_ptr<Model>> LoadModel(const ModelPackage& package) {
  if (package.backend == "xgboost") return LoadXgboostModel(package);
  return FailedPrecondition("the '" + package.backend +
                            "' backend is not available in this build yet");
}

}  // namespace ferry::serving
