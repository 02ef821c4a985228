// The XGBoost backend against XGBoost itself: tiny models are trained here
// through the C API, saved into a package with an MLmodel manifest, loaded
// through ReadModelPackage + LoadModel, and their predictions compared with
// the C API's own DMatrix predictions on the same rows. Then the Runner in
// front of such a model (instances, batching, input checks, NaN fill).
#include "serving/backends/xgboost/xgboost_model.h"

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "serving/model.h"
#include "serving/model_package.h"
#include "serving/runner.h"

namespace ferry::serving {
namespace {

namespace fs = std::filesystem;

constexpr int kRows = 40;
constexpr int kFeatures = 4;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Deterministic features in [0, 1) (a fixed LCG, not std:: distributions,
// whose output may differ between standard libraries).
std::vector<float> Features(int rows, uint32_t seed = 12345) {
  std::vector<float> x(static_cast<size_t>(rows) * kFeatures);
  uint32_t state = seed;
  for (float& v : x) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 8) / static_cast<float>(1u << 24);
  }
  return x;
}

float Label(const std::string& objective, const float* row) {
  if (objective == "binary:logistic") return row[0] + row[1] > 1.0f ? 1.0f : 0.0f;
  if (objective == "multi:softprob") {
    return row[0] < 0.33f ? 0.0f : row[0] < 0.66f ? 1.0f : 2.0f;
  }
  return 2.0f * row[0] - row[1] + 0.5f * row[2] * row[3];
}

#define XGB_CHECK(call) ASSERT_EQ((call), 0) << #call << ": " << XGBGetLastError()

// Predictions of `booster` on `x` (rows x kFeatures) through a DMatrix.
void DMatrixPredict(BoosterHandle booster, const std::vector<float>& x,
                    std::vector<float>* out) {
  DMatrixHandle dmat = nullptr;
  bst_ulong rows = x.size() / kFeatures;
  XGB_CHECK(XGDMatrixCreateFromMat(x.data(), rows, kFeatures, kNaN, &dmat));
  bst_ulong len = 0;
  const float* result = nullptr;
  int rc = XGBoosterPredict(booster, dmat, 0, 0, 0, &len, &result);
  if (rc == 0) out->assign(result, result + len);
  XGDMatrixFree(dmat);
  ASSERT_EQ(rc, 0) << XGBGetLastError();
}

Tensor Fp32Matrix(const std::vector<float>& x, const std::string& name = "input-0") {
  Tensor t{
      name, DataType::kFp32, {static_cast<int64_t>(x.size() / kFeatures), kFeatures}, {}};
  t.data.assign(reinterpret_cast<const char*>(x.data()), x.size() * sizeof(float));
  return t;
}

// Column `c` of `x` as an FP64 [rows] tensor.
Tensor Fp64Column(const std::vector<float>& x, int c, const std::string& name) {
  std::vector<double> col;
  for (size_t r = 0; r < x.size() / kFeatures; ++r) col.push_back(x[r * kFeatures + c]);
  Tensor t{name, DataType::kFp64, {static_cast<int64_t>(col.size())}, {}};
  t.data.assign(reinterpret_cast<const char*>(col.data()), col.size() * sizeof(double));
  return t;
}

std::vector<float> AsFloats(const Tensor& t) {
  auto s = t.As<float>();
  return {s.begin(), s.end()};
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-6) << "element " << i;
}

constexpr const char* kColumns4 =
    R"([{"name": "a", "type": "double"}, {"name": "b", "type": "double"},)"
    R"( {"name": "c", "type": "double"}, {"name": "d", "type": "double"}])";

class XgboostModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("ferry_xgboost_test_" + std::to_string(rd()) +
                                        "_" + std::to_string(counter++));
    fs::create_directories(dir_);
    x_ = Features(kRows);
  }
  void TearDown() override {
    if (booster_) XGBoosterFree(booster_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Trains ~10 rounds on x_, saves <dir>/model.json, and records the C
  // API's predictions on x_ in expected_.
  void Train(const std::string& objective) {
    std::vector<float> y;
    for (int r = 0; r < kRows; ++r) y.push_back(Label(objective, &x_[r * kFeatures]));
    DMatrixHandle dtrain = nullptr;
    XGB_CHECK(XGDMatrixCreateFromMat(x_.data(), kRows, kFeatures, kNaN, &dtrain));
    XGB_CHECK(XGDMatrixSetFloatInfo(dtrain, "label", y.data(), kRows));
    XGB_CHECK(XGBoosterCreate(&dtrain, 1, &booster_));
    XGB_CHECK(XGBoosterSetParam(booster_, "objective", objective.c_str()));
    if (objective == "multi:softprob") {
      XGB_CHECK(XGBoosterSetParam(booster_, "num_class", "3"));
    }
    XGB_CHECK(XGBoosterSetParam(booster_, "max_depth", "3"));
    XGB_CHECK(XGBoosterSetParam(booster_, "nthread", "1"));
    XGB_CHECK(XGBoosterSetParam(booster_, "min_child_weight", "0"));
    for (int i = 0; i < 10; ++i) XGB_CHECK(XGBoosterUpdateOneIter(booster_, i, dtrain));
    XGDMatrixFree(dtrain);
    XGB_CHECK(XGBoosterSaveModel(booster_, (dir_ / "model.json").string().c_str()));
    DMatrixPredict(booster_, x_, &expected_);
    ASSERT_FALSE(expected_.empty());
  }

  void WriteManifest(const std::string& model_class, const std::string& inputs_json = "",
                     const std::string& extra = "") {
    std::ofstream out(dir_ / "MLmodel", std::ios::binary);
    out << "flavors:\n  python_function:\n    loader_module: mlflow.xgboost\n"
        << "    data: model.json\n  xgboost:\n    data: model.json\n"
        << "    model_class: " << model_class << "\n    model_format: json\n";
    if (!inputs_json.empty()) out << "signature:\n  inputs: '" << inputs_json << "'\n";
    out << extra;
  }

  Result<ModelPackage> Package() { return ReadModelPackage(dir_.string()); }

  std::unique_ptr<Model> Load() {
    auto pkg = Package();
    EXPECT_TRUE(pkg.ok()) << pkg.status().ToString();
    if (!pkg.ok()) return nullptr;
    EXPECT_EQ(pkg->backend, "xgboost");
    auto model = LoadModel(*pkg);
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    return model.ok() ? std::move(*model) : nullptr;
  }

  fs::path dir_;
  std::vector<float> x_;
  BoosterHandle booster_ = nullptr;
  std::vector<float> expected_;  // the C API's predictions on x_
};

TEST_F(XgboostModelTest, RegressionMatchesTheCApi) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  const ModelIo& io = model->io();
  ASSERT_EQ(io.inputs.size(), 1u);
  EXPECT_EQ(io.inputs[0].name, "input-0");
  EXPECT_EQ(io.inputs[0].datatype, DataType::kFp32);
  EXPECT_EQ(io.inputs[0].shape, (std::vector<int64_t>{-1, kFeatures}));
  ASSERT_EQ(io.outputs.size(), 1u);
  EXPECT_EQ(io.outputs[0].datatype, DataType::kFp32);

  std::vector<Tensor> inputs = {Fp32Matrix(x_)};
  auto out = model->Predict(inputs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  const Tensor& y = (*out)[0];
  EXPECT_EQ(y.name, io.outputs[0].name);
  EXPECT_EQ(y.datatype, DataType::kFp32);
  EXPECT_EQ(y.shape, (std::vector<int64_t>{kRows}));
  ExpectNear(AsFloats(y), expected_);
  // The model learned something: predictions are not all equal.
  EXPECT_NE(*std::min_element(expected_.begin(), expected_.end()),
            *std::max_element(expected_.begin(), expected_.end()));
}

TEST_F(XgboostModelTest, PredictsAgainWithFewerRows) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  std::vector<Tensor> all = {Fp32Matrix(x_)};
  ASSERT_TRUE(model->Predict(all).ok());
  // The reused matrix shrinks: rows 3..5 only.
  std::vector<float> few(x_.begin() + 3 * kFeatures, x_.begin() + 6 * kFeatures);
  std::vector<Tensor> some = {Fp32Matrix(few)};
  auto out = model->Predict(some);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectNear(AsFloats((*out)[0]),
             std::vector<float>(expected_.begin() + 3, expected_.begin() + 6));
}

TEST_F(XgboostModelTest, BinaryBoosterAnswersProbabilities) {
  ASSERT_NO_FATAL_FAILURE(Train("binary:logistic"));
  WriteManifest("xgboost.core.Booster");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  std::vector<Tensor> inputs = {Fp32Matrix(x_)};
  auto out = model->Predict(inputs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].datatype, DataType::kFp32);
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{kRows}));
  ExpectNear(AsFloats((*out)[0]), expected_);
}

TEST_F(XgboostModelTest, BinaryClassifierAnswersInt64Labels) {
  ASSERT_NO_FATAL_FAILURE(Train("binary:logistic"));
  WriteManifest("xgboost.sklearn.XGBClassifier");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->io().outputs[0].datatype, DataType::kInt64);
  std::vector<Tensor> inputs = {Fp32Matrix(x_)};
  auto out = model->Predict(inputs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Tensor& labels = (*out)[0];
  EXPECT_EQ(labels.datatype, DataType::kInt64);
  EXPECT_EQ(labels.shape, (std::vector<int64_t>{kRows}));
  auto got = labels.As<int64_t>();
  ASSERT_EQ(got.size(), static_cast<size_t>(kRows));
  int ones = 0;
  for (int r = 0; r < kRows; ++r) {
    EXPECT_EQ(got[r], expected_[r] > 0.5f ? 1 : 0)
        << "row " << r << " p=" << expected_[r];
    ones += static_cast<int>(got[r]);
  }
  EXPECT_GT(ones, 0);
  EXPECT_LT(ones, kRows);
}

TEST_F(XgboostModelTest, MultiSoftprobAnswersRowsByClasses) {
  ASSERT_NO_FATAL_FAILURE(Train("multi:softprob"));
  ASSERT_EQ(expected_.size(), static_cast<size_t>(kRows * 3));
  WriteManifest("xgboost.core.Booster");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  std::vector<Tensor> inputs = {Fp32Matrix(x_)};
  auto out = model->Predict(inputs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{kRows, 3}));
  ExpectNear(AsFloats((*out)[0]), expected_);
}

TEST_F(XgboostModelTest, MultiClassifierAnswersArgmaxLabels) {
  ASSERT_NO_FATAL_FAILURE(Train("multi:softprob"));
  WriteManifest("xgboost.sklearn.XGBClassifier");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  std::vector<Tensor> inputs = {Fp32Matrix(x_)};
  auto out = model->Predict(inputs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{kRows}));
  auto got = (*out)[0].As<int64_t>();
  for (int r = 0; r < kRows; ++r) {
    const float* p = &expected_[r * 3];
    int64_t want = std::max_element(p, p + 3) - p;
    EXPECT_EQ(got[r], want) << "row " << r;
  }
}

TEST_F(XgboostModelTest, TensorSignatureWithOtherNumericTypes) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster",
                R"([{"name": "x", "type": "tensor",)"
                R"(  "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}])");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->io().inputs[0].name, "x");
  EXPECT_EQ(model->io().inputs[0].datatype, DataType::kFp64);
  std::vector<double> doubles(x_.begin(), x_.end());
  Tensor t{"x", DataType::kFp64, {kRows, kFeatures}, {}};
  t.data.assign(reinterpret_cast<const char*>(doubles.data()), doubles.size() * 8);
  std::vector<Tensor> inputs = {t};
  auto out = model->Predict(inputs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectNear(AsFloats((*out)[0]), expected_);
}

TEST_F(XgboostModelTest, ColumnSignatureAssemblesColumnsInOrder) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster", kColumns4);
  auto model = Load();
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(model->io().inputs.size(), 4u);
  EXPECT_EQ(model->io().inputs[2].name, "c");
  std::vector<Tensor> inputs = {Fp64Column(x_, 0, "a"), Fp64Column(x_, 1, "b"),
                                Fp64Column(x_, 2, "c"), Fp64Column(x_, 3, "d")};
  auto out = model->Predict(inputs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{kRows}));
  ExpectNear(AsFloats((*out)[0]), expected_);

  // Swapping two columns changes the answer: position matters.
  std::swap(inputs[0].data, inputs[1].data);
  auto swapped = model->Predict(inputs);
  ASSERT_TRUE(swapped.ok());
  EXPECT_NE(AsFloats((*swapped)[0]), AsFloats((*out)[0]));
}

TEST_F(XgboostModelTest, SignatureWidthMismatchFailsToLoad) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster",
                R"([{"name": "a", "type": "double"}, {"name": "b", "type": "double"},)"
                R"( {"name": "c", "type": "double"}, {"name": "d", "type": "double"},)"
                R"( {"name": "e", "type": "double"}])");
  auto pkg = Package();
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  auto model = LoadModel(*pkg);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("5"), std::string::npos)
      << model.status().message();
  EXPECT_NE(model.status().message().find("4"), std::string::npos)
      << model.status().message();
}

TEST_F(XgboostModelTest, TensorWidthMismatchFailsToLoad) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest(
      "xgboost.core.Booster",
      R"([{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 30]}}])");
  auto pkg = Package();
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  auto model = LoadModel(*pkg);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(XgboostModelTest, StringColumnFailsToLoad) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest(
      "xgboost.core.Booster",
      R"([{"name": "a", "type": "double"}, {"name": "b", "type": "double"},)"
      R"( {"name": "c", "type": "double"}, {"name": "city", "type": "string"}])");
  auto model = LoadModel(*Package());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("city"), std::string::npos);
}

TEST_F(XgboostModelTest, CorruptModelFileIsAnErrorNotACrash) {
  {
    std::ofstream out(dir_ / "model.json", std::ios::binary);
    std::string garbage;
    uint32_t state = 7;
    for (int i = 0; i < 4096; ++i) {
      state = state * 1664525u + 1013904223u;
      garbage.push_back(static_cast<char>(state >> 24));
    }
    out << garbage;
  }
  WriteManifest("xgboost.core.Booster");
  auto pkg = Package();
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  auto model = LoadModel(*pkg);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("xgboost"), std::string::npos);

  // Truncated JSON, an empty file, and no file at all.
  std::ofstream(dir_ / "model.json", std::ios::binary)
      << R"({"learner": {"attributes": )";
  EXPECT_FALSE(LoadModel(*pkg).ok());
  std::ofstream(dir_ / "model.json", std::ios::binary).flush();
  EXPECT_FALSE(LoadModel(*pkg).ok());
  fs::remove(dir_ / "model.json");
  EXPECT_FALSE(LoadModel(*pkg).ok());
}

TEST_F(XgboostModelTest, PredictRefusesInputsOfTheWrongSize) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  Tensor narrow{"input-0", DataType::kFp32, {2, 3}, std::string(24, '\0')};
  std::vector<Tensor> inputs = {narrow};
  auto out = model->Predict(inputs);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(model->Predict(std::span<const Tensor>()).ok());
}

// A request of zero rows passes CheckInputs; the model must answer zero
// rows (or refuse), not invoke undefined behaviour. Run in a child
// process, since UBSan aborts the whole binary. The child re-runs the
// fixture's SetUp but not its TearDown, so it removes its own package
// directory first (the model is already in memory).
[[noreturn]] void PredictZeroRowsAndExit(Model& model, const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::vector<Tensor> inputs = {Tensor{"input-0", DataType::kFp32, {0, kFeatures}, {}}};
  auto out = model.Predict(inputs);
  bool zero_rows =
      out.ok() && (*out)[0].shape == std::vector<int64_t>{0} && (*out)[0].data.empty();
  bool refused = !out.ok() && out.status().code() == StatusCode::kInvalidArgument;
  std::_Exit(zero_rows || refused ? 0 : 1);
}

using XgboostModelDeathTest = XgboostModelTest;

TEST_F(XgboostModelDeathTest, ZeroRowsAnswerZeroRows) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster");
  auto model = Load();
  ASSERT_NE(model, nullptr);
  // Regression test (found in review): src/serving/backends/xgboost/xgboost_model.cc Predict resizes
  // matrix_ to 0 floats, so matrix_.data() is null, and ToFloats
  // (src/serving/tensor.cc:203) calls memcpy(nullptr, ..., 0): undefined
  // behaviour that UBSan reports ("null pointer passed as argument 1") and,
  // with -fno-sanitize-recover, aborts on.
  EXPECT_EXIT(PredictZeroRowsAndExit(*model, dir_), ::testing::ExitedWithCode(0), "");
}

TEST_F(XgboostModelTest, UnknownBackendIsNotAvailable) {
  ModelPackage pkg;
  pkg.backend = "tensorrt";
  auto model = LoadModel(pkg);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(model.status().message().find("tensorrt"), std::string::npos);
}

// --- Runner in front of an XGBoost model ---

TEST_F(XgboostModelTest, RunnerWithTwoInstancesMatchesTheCApi) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster", "", "ferry:\n  max_batch_size: 16\n");
  auto pkg = Package();
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  auto runner = Runner::Load(
      *pkg,
      {.max_batch_size = 64, .max_queue_delay_us = 100, .instances = 2, .max_queue = 100},
      "fraud", 3);
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  EXPECT_EQ((*runner)->model(), "fraud");
  EXPECT_EQ((*runner)->version(), 3);
  EXPECT_EQ((*runner)->options().max_batch_size, 16);  // the package's hint wins
  EXPECT_EQ((*runner)->options().instances, 2);
  EXPECT_EQ((*runner)->io().inputs[0].name, "input-0");

  auto whole = (*runner)->InferSync({Fp32Matrix(x_)});
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  ExpectNear(AsFloats((*whole)[0]), expected_);

  // Row by row from several threads: each answer is its own row's.
  std::vector<std::thread> threads;
  std::vector<float> got(kRows, kNaN);
  std::vector<int> errors(kRows, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int r = t; r < kRows; r += 4) {
        std::vector<float> row(x_.begin() + r * kFeatures,
                               x_.begin() + (r + 1) * kFeatures);
        auto out = (*runner)->InferSync({Fp32Matrix(row)});
        if (!out.ok() || (*out)[0].shape != std::vector<int64_t>{1}) {
          errors[r] = 1;
          continue;
        }
        got[r] = (*out)[0].As<float>()[0];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < kRows; ++r) EXPECT_EQ(errors[r], 0) << "row " << r;
  ExpectNear(got, expected_);
  (*runner)->Stop();
  EXPECT_FALSE((*runner)->InferSync({Fp32Matrix(x_)}).ok());
}

TEST_F(XgboostModelTest, RunnerOrdersColumnsByName) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster", kColumns4);
  auto runner = Runner::Load(*Package(), {.instances = 1});
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  // Sent in a shuffled order; the runner puts them in the signature's.
  auto out = (*runner)->InferSync({Fp64Column(x_, 3, "d"), Fp64Column(x_, 1, "b"),
                                   Fp64Column(x_, 0, "a"), Fp64Column(x_, 2, "c")});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectNear(AsFloats((*out)[0]), expected_);
}

TEST_F(XgboostModelTest, RunnerFillsAMissingOptionalColumnWithNaN) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster",
                R"([{"name": "a", "type": "double"}, {"name": "b", "type": "double"},)"
                R"( {"name": "c", "type": "double"},)"
                R"( {"name": "d", "type": "long", "required": false}])");
  auto runner = Runner::Load(*Package(), {.instances = 1});
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  auto out = (*runner)->InferSync(
      {Fp64Column(x_, 0, "a"), Fp64Column(x_, 1, "b"), Fp64Column(x_, 2, "c")});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // What XGBoost predicts with column d missing.
  std::vector<float> missing_d = x_;
  for (int r = 0; r < kRows; ++r) missing_d[r * kFeatures + 3] = kNaN;
  std::vector<float> want;
  ASSERT_NO_FATAL_FAILURE(DMatrixPredict(booster_, missing_d, &want));
  ExpectNear(AsFloats((*out)[0]), want);
}

// Two one-row requests that are each valid (CheckInputs accepts any
// numeric datatype for a numeric column, and a column as [rows] or
// [rows, 1]) but spelled differently, forced into one batch: the package
// asks for batches of 2 rows and a minute's delay, so the batch forms when
// (and only when) both have arrived. Each must get its own prediction.
class MixedBatchTest : public XgboostModelTest {
 protected:
  void SetUp() override {
    XgboostModelTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
    WriteManifest("xgboost.core.Booster", kColumns4,
                  "ferry:\n  max_batch_size: 2\n  max_queue_delay_us: 60000000\n");
    auto runner = Runner::Load(*Package(), {.instances = 1});
    ASSERT_TRUE(runner.ok()) << runner.status().ToString();
    runner_ = *runner;
  }

  // Submits both requests back to back and expects rows 0 and 1's
  // predictions.
  void ExpectBothAnswered(std::vector<Tensor> first, std::vector<Tensor> second) {
    // Shared, so a callback that runs after an early return stays valid.
    auto p1 = std::make_shared<std::promise<Batcher::Outputs>>();
    auto p2 = std::make_shared<std::promise<Batcher::Outputs>>();
    auto f1 = p1->get_future(), f2 = p2->get_future();
    ASSERT_TRUE(
        runner_
            ->Infer(std::move(first),
                    [p1](Batcher::Outputs out, double) { p1->set_value(std::move(out)); })
            .ok());
    ASSERT_TRUE(
        runner_
            ->Infer(std::move(second),
                    [p2](Batcher::Outputs out, double) { p2->set_value(std::move(out)); })
            .ok());
    // Liveness only: Stop cuts the delay short if the batch never formed.
    if (f1.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      runner_->Stop();
    }
    Batcher::Outputs out1 = f1.get(), out2 = f2.get();
    ASSERT_TRUE(out1.ok()) << out1.status().ToString();
    ASSERT_TRUE(out2.ok()) << out2.status().ToString();
    ExpectNear(AsFloats((*out1)[0]), {expected_[0]});
    ExpectNear(AsFloats((*out2)[0]), {expected_[1]});
  }

  static std::vector<Tensor> Row(const std::vector<float>& x, int r) {
    std::vector<float> row(x.begin() + r * kFeatures, x.begin() + (r + 1) * kFeatures);
    return {Fp64Column(row, 0, "a"), Fp64Column(row, 1, "b"), Fp64Column(row, 2, "c"),
            Fp64Column(row, 3, "d")};
  }

  std::shared_ptr<Runner> runner_;
};

TEST_F(MixedBatchTest, SameSpellingShareABatch) {
  ExpectBothAnswered(Row(x_, 0), Row(x_, 1));
}

TEST_F(MixedBatchTest, DifferentNumericDatatypesShareABatch) {
  // Regression test (found in review): src/serving/runner.cc CheckInputs accepts FP32 for an FP64 column
  // but passes the tensor on unconverted; the batcher's Concat
  // (src/serving/tensor.cc) then refuses the batch ("requests in one batch
  // differ in datatype or shape") and BOTH requests fail with
  // kInvalidArgument, though each alone succeeds.
  std::vector<Tensor> second = Row(x_, 1);
  for (Tensor& t : second) {
    float v = static_cast<float>(t.As<double>()[0]);
    t.datatype = DataType::kFp32;
    t.data.assign(reinterpret_cast<const char*>(&v), 4);
  }
  ExpectBothAnswered(Row(x_, 0), std::move(second));
}

TEST_F(MixedBatchTest, ColumnAsRowsByOneSharesABatch) {
  // Regression test (found in review): as above for shapes: a column sent as [1, 1] (which CheckInputs
  // accepts for a [-1] column) cannot be concatenated with one sent as [1].
  std::vector<Tensor> second = Row(x_, 1);
  for (Tensor& t : second) t.shape = {1, 1};
  ExpectBothAnswered(Row(x_, 0), std::move(second));
}

TEST_F(XgboostModelTest, RunnerRefusesBadRequestsBeforeBatching) {
  ASSERT_NO_FATAL_FAILURE(Train("reg:squarederror"));
  WriteManifest("xgboost.core.Booster", kColumns4);
  auto runner = Runner::Load(*Package(), {.instances = 1});
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  auto out = (*runner)->InferSync({Fp64Column(x_, 0, "a"), Fp64Column(x_, 1, "b")});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("'c'"), std::string::npos)
      << out.status().message();
}

TEST_F(XgboostModelTest, RunnerLoadFailsForABadModel) {
  std::ofstream(dir_ / "model.json", std::ios::binary) << "not a model";
  WriteManifest("xgboost.core.Booster");
  auto runner = Runner::Load(*Package(), {.instances = 2});
  EXPECT_FALSE(runner.ok());
}

}  // namespace
}  // namespace ferry::serving
