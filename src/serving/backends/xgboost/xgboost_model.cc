#include "serving/backends/xgboost/xgboost_model.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace ferry::serving {
namespace {

Status XgbError(const std::string& what) {
  return Internal("xgboost: " + what + ": " + XGBGetLastError());
}

constexpr const char* kPredictConfig =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0,)"
    R"( "strict_shape": false, "missing": NaN, "cache_id": 0})";

class XgboostModel final : public Model {
 public:
  explicit XgboostModel(BoosterHandle booster) : booster_(booster) {}
  ~XgboostModel() override {
    if (proxy_) XGDMatrixFree(proxy_);
    XGBoosterFree(booster_);
  }

  Status Init(const ModelPackage& package) {
    // One proxy matrix per instance, reused: without it XGBoost makes one per
    // call, and each reads the cgroup CPU quota files to size its threads.
    if (XGProxyDMatrixCreate(&proxy_) != 0) return XgbError("creating a proxy matrix");
    bst_ulong features = 0;
    if (XGBoosterGetNumFeature(booster_, &features) != 0) return XgbError("reading features");
    features_ = static_cast<int64_t>(features);
    classifier_ = package.model_class.ends_with("XGBClassifier");
    if (package.signature) {
      io_.inputs = package.signature->inputs;
      io_.outputs = package.signature->outputs;
    }
    if (io_.inputs.empty()) {
      io_.inputs.push_back({"input-0", DataType::kFp32, {-1, features_}, true});
    }
    RETURN_IF_ERROR(CheckInputs());
    IoSpec out{"predictions", classifier_ ? DataType::kInt64 : DataType::kFp32, {-1}, true};
    if (io_.outputs.size() == 1) out.name = io_.outputs[0].name;
    io_.outputs = {out};
    return Status::Ok();
  }

  const ModelIo& io() const override { return io_; }

  Result<std::vector<Tensor>> Predict(std::span<const Tensor> inputs) override {
    if (inputs.empty()) return InvalidArgument("no inputs");
    int64_t rows = inputs[0].Rows();
    matrix_.resize(static_cast<size_t>(rows * features_));
    RETURN_IF_ERROR(Assemble(inputs, rows));
    std::string array = R"({"data": [)" +
                        std::to_string(reinterpret_cast<uintptr_t>(matrix_.data())) +
                        R"(, true], "shape": [)" + std::to_string(rows) + ", " +
                        std::to_string(features_) + R"(], "typestr": "<f4", "version": 3})";
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    if (XGBoosterPredictFromDense(booster_, array.c_str(), kPredictConfig, proxy_, &shape,
                                  &dim, &result) != 0) {
      return XgbError("predict");
    }
    size_t count = 1;
    for (bst_ulong i = 0; i < dim; ++i) count *= shape[i];
    int64_t per_row = rows > 0 ? static_cast<int64_t>(count) / rows : 1;
    Tensor out{io_.outputs[0].name, io_.outputs[0].datatype, {rows}, {}};
    if (classifier_) {
      out.data.resize(static_cast<size_t>(rows) * 8);
      for (int64_t r = 0; r < rows; ++r) {
        int64_t label = Label(result + r * per_row, per_row);
        std::memcpy(out.data.data() + r * 8, &label, 8);
      }
    } else {
      if (per_row > 1) out.shape.push_back(per_row);
      out.data.assign(reinterpret_cast<const char*>(result), count * sizeof(float));
    }
    return std::vector<Tensor>{std::move(out)};
  }

 private:
  // The signature must describe `features_` numeric values per row.
  Status CheckInputs() const {
    int64_t width = 0;
    for (const IoSpec& in : io_.inputs) {
      if (in.datatype == DataType::kBytes) {
        return InvalidArgument("xgboost model input '" + in.name + "' must be numeric");
      }
      int64_t w = 1;
      for (size_t i = 1; i < in.shape.size(); ++i) w *= std::max<int64_t>(in.shape[i], 1);
      if (io_.inputs.size() > 1 && w != 1) {
        return InvalidArgument("xgboost model input '" + in.name +
                               "': with several inputs each must be one column");
      }
      width += w;
    }
    if (io_.inputs.size() == 1 && io_.inputs[0].shape.size() == 2 &&
        io_.inputs[0].shape[1] == -1) {
      return Status::Ok();
    }
    if (width != features_) {
      return InvalidArgument("the signature describes " + std::to_string(width) +
                             " features; the xgboost model takes " + std::to_string(features_));
    }
    return Status::Ok();
  }

  Status Assemble(std::span<const Tensor> inputs, int64_t rows) {
    if (inputs.size() == 1) {
      const Tensor& t = inputs[0];
      if (t.ElementCount() != rows * features_) {
        return InvalidArgument("input '" + t.name + "' needs " + std::to_string(features_) +
                               " values per row");
      }
      return ToFloats(t, matrix_.data());
    }
    // One column per input: scatter column c into position c of each row.
    int64_t col = 0;
    std::vector<float> column(static_cast<size_t>(rows));
    for (const Tensor& t : inputs) {
      if (t.ElementCount() != rows) {
        return InvalidArgument("input '" + t.name + "' needs one value per row");
      }
      RETURN_IF_ERROR(ToFloats(t, column.data()));
      for (int64_t r = 0; r < rows; ++r) matrix_[r * features_ + col] = column[r];
      ++col;
    }
    return Status::Ok();
  }

  static int64_t Label(const float* p, int64_t n) {
    if (n == 1) return p[0] > 0.5f ? 1 : 0;
    return std::max_element(p, p + n) - p;
  }

  BoosterHandle booster_;
  DMatrixHandle proxy_ = nullptr;
  ModelIo io_;
  int64_t features_ = 0;
  bool classifier_ = false;
  std::vector<float> matrix_;  // reused across batches
};

}  // namespace

Result<std::unique_ptr<Model>> LoadXgboostModel(const ModelPackage& package) {
  BoosterHandle booster = nullptr;
  if (XGBoosterCreate(nullptr, 0, &booster) != 0) return XgbError("creating a booster");
  auto model = std::make_unique<XgboostModel>(booster);
  if (XGBoosterLoadModel(booster, package.data_path.c_str()) != 0) {
    return InvalidArgument("xgboost cannot load the model file: " +
                           std::string(XGBGetLastError()));
  }
  // Parallelism comes from batcher instances, one thread per prediction.
  if (XGBoosterSetParam(booster, "nthread", "1") != 0) return XgbError("setting nthread");
  RETURN_IF_ERROR(model->Init(package));
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace ferry::serving
