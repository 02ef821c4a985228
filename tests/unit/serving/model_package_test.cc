// Reading MLmodel manifests: backend choice, paths kept inside the package,
// signatures (column and tensor schemas), Ferry's batching hints, and
// malformed or hostile manifests.
#include "serving/model_package.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace ferry::serving {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with the fixture.
class ModelPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    std::random_device rd;
    dir_ =
        fs::temp_directory_path() / ("ferry_model_package_test_" + std::to_string(rd()) +
                                     "_" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void WriteManifest(const std::string& text) {
    std::ofstream(dir_ / "MLmodel", std::ios::binary) << text;
  }
  Result<ModelPackage> Read(const std::string& text) {
    WriteManifest(text);
    return ReadModelPackage(dir_.string());
  }
  // A python_function package with the given signature inputs (JSON text).
  Result<ModelPackage> ReadWithInputs(const std::string& inputs_json) {
    return Read(
        "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n"
        "signature:\n  inputs: '" +
        inputs_json + "'\n");
  }

  fs::path dir_;
};

constexpr const char* kXgboostManifest = R"(artifact_path: model
flavors:
  python_function:
    data: model.xgb
    loader_module: mlflow.xgboost
    python_version: 3.11.4
  xgboost:
    code: null
    data: model.xgb
    model_class: xgboost.core.Booster
    model_format: xgb
    xgb_version: 1.7.4
mlflow_version: 2.9.2
model_uuid: 0123abcd
run_id: 5f1e2d3c
)";

TEST_F(ModelPackageTest, XgboostFlavorPicksTheXgboostBackend) {
  auto pkg = Read(kXgboostManifest);
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  EXPECT_EQ(pkg->backend, "xgboost");
  EXPECT_EQ(pkg->dir, dir_.string());
  EXPECT_EQ(fs::path(pkg->data_path), dir_ / "model.xgb");
  EXPECT_EQ(pkg->model_class, "xgboost.core.Booster");
  EXPECT_EQ(pkg->run_id, "5f1e2d3c");
  EXPECT_EQ(pkg->model_uuid, "0123abcd");
  EXPECT_FALSE(pkg->signature.has_value());
  EXPECT_EQ(pkg->max_batch_size, 0);
  EXPECT_EQ(pkg->max_queue_delay_us, -1);
  EXPECT_TRUE(pkg->input_example_path.empty());
}

TEST_F(ModelPackageTest, DataPathInASubfolderStaysInside) {
  auto pkg = Read("flavors:\n  xgboost:\n    data: sub/dir/model.json\n");
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  EXPECT_EQ(fs::path(pkg->data_path), dir_ / "sub" / "dir" / "model.json");
}

TEST_F(ModelPackageTest, PythonFunctionOnlyPicksThePythonBackend) {
  auto pkg = Read(
      "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n"
      "    model_path: model.pkl\n  sklearn:\n    pickled_model: model.pkl\n");
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  EXPECT_EQ(pkg->backend, "python");
  EXPECT_EQ(fs::path(pkg->data_path), dir_ / "model.pkl");
}

TEST_F(ModelPackageTest, ForcedXgboostWithoutTheFlavorIsAnError) {
  auto pkg = Read(
      "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n"
      "ferry:\n  backend: xgboost\n");
  ASSERT_FALSE(pkg.ok());
  EXPECT_EQ(pkg.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pkg.status().message().find("xgboost"), std::string::npos)
      << pkg.status().message();
}

TEST_F(ModelPackageTest, ForcedPythonOverridesTheXgboostFlavor) {
  auto pkg = Read(std::string(kXgboostManifest) + "ferry:\n  backend: python\n");
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  EXPECT_EQ(pkg->backend, "python");
}

TEST_F(ModelPackageTest, UnknownForcedBackendIsAnError) {
  auto pkg = Read(std::string(kXgboostManifest) + "ferry:\n  backend: tensorrt\n");
  ASSERT_FALSE(pkg.ok());
  EXPECT_NE(pkg.status().message().find("tensorrt"), std::string::npos);
}

TEST_F(ModelPackageTest, XgboostFlavorWithoutDataIsAnError) {
  auto pkg = Read("flavors:\n  xgboost:\n    model_format: xgb\n");
  ASSERT_FALSE(pkg.ok());
  EXPECT_EQ(pkg.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pkg.status().message().find("flavors.xgboost.data"), std::string::npos);
}

TEST_F(ModelPackageTest, NoServableFlavorIsAnError) {
  auto pkg = Read("flavors:\n  sklearn:\n    pickled_model: model.pkl\n");
  ASSERT_FALSE(pkg.ok());
  EXPECT_EQ(pkg.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Read("run_id: x\n").ok());        // no flavors at all
  EXPECT_FALSE(Read("flavors: [a, b]\n").ok());  // not a mapping
}

TEST_F(ModelPackageTest, MissingManifestIsAnError) {
  auto pkg = ReadModelPackage(dir_.string());
  ASSERT_FALSE(pkg.ok());
  EXPECT_EQ(pkg.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pkg.status().message().find("MLmodel"), std::string::npos);
  EXPECT_FALSE(ReadModelPackage((dir_ / "does-not-exist").string()).ok());
}

TEST_F(ModelPackageTest, InvalidYamlIsAnError) {
  auto pkg = Read("flavors: {xgboost: [unclosed\n");
  ASSERT_FALSE(pkg.ok());
  EXPECT_EQ(pkg.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pkg.status().message().find("YAML"), std::string::npos)
      << pkg.status().message();
  EXPECT_FALSE(Read("just a scalar\n").ok());
  EXPECT_FALSE(Read("").ok());
}

TEST_F(ModelPackageTest, DataPathEscapingThePackageIsRefused) {
  for (const char* hostile : {"../../etc/passwd", "/etc/passwd", "sub/../../x", "a//b"}) {
    auto pkg = Read(std::string("flavors:\n  xgboost:\n    data: ") + hostile + "\n");
    ASSERT_FALSE(pkg.ok()) << hostile;
    EXPECT_EQ(pkg.status().code(), StatusCode::kInvalidArgument) << hostile;
    EXPECT_NE(pkg.status().message().find("flavors.xgboost.data"), std::string::npos)
        << pkg.status().message();
  }
  auto python = Read("flavors:\n  python_function:\n    model_path: ../model.pkl\n");
  EXPECT_EQ(python.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ModelPackageTest, InputExamplePathIsResolvedAndChecked) {
  auto pkg = Read(std::string(kXgboostManifest) +
                  "saved_input_example_info:\n  artifact_path: input_example.json\n"
                  "  type: ndarray\n");
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  EXPECT_EQ(fs::path(pkg->input_example_path), dir_ / "input_example.json");

  auto hostile = Read(std::string(kXgboostManifest) +
                      "saved_input_example_info:\n  artifact_path: ../../secret.json\n");
  ASSERT_FALSE(hostile.ok());
  EXPECT_EQ(hostile.status().code(), StatusCode::kInvalidArgument);
}

// A flavor whose value is a scalar instead of a mapping is a malformed
// manifest: it must be refused with a Status, not an escaping exception.
TEST_F(ModelPackageTest, FlavorThatIsNotAMappingIsAnError) {
  // Regression test (found in review): src/serving/model_package.cc ChooseBackend calls Scalar(f, "data")
  // on the flavor node; yaml-cpp's operator[] throws YAML::BadSubscript on
  // a scalar node, and nothing catches it, so ReadModelPackage throws.
  EXPECT_NO_THROW({
    auto pkg = Read("flavors:\n  xgboost: model.json\n");
    EXPECT_FALSE(pkg.ok());
  });
  EXPECT_NO_THROW({
    auto pkg = Read("flavors:\n  python_function: yes\n");
    EXPECT_FALSE(pkg.ok());
  });
}

TEST_F(ModelPackageTest, ColumnSignature) {
  auto pkg = Read(
      std::string(kXgboostManifest) +
      "signature:\n"
      "  inputs: '[{\"type\": \"double\", \"name\": \"amount\", \"required\": true},"
      " {\"type\": \"long\", \"name\": \"count\", \"required\": false},"
      " {\"type\": \"string\", \"name\": \"city\"},"
      " {\"type\": \"integer\", \"name\": \"i\"}, {\"type\": \"float\", \"name\": \"f\"},"
      " {\"type\": \"boolean\", \"name\": \"b\"}]'\n"
      "  outputs: '[{\"type\": \"double\", \"name\": \"score\"}]'\n");
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  ASSERT_TRUE(pkg->signature.has_value());
  const Signature& sig = *pkg->signature;
  EXPECT_FALSE(sig.tensor_based);
  ASSERT_EQ(sig.inputs.size(), 6u);
  EXPECT_EQ(sig.inputs[0].name, "amount");
  EXPECT_EQ(sig.inputs[0].datatype, DataType::kFp64);
  EXPECT_EQ(sig.inputs[0].shape, (std::vector<int64_t>{-1}));
  EXPECT_TRUE(sig.inputs[0].required);
  EXPECT_EQ(sig.inputs[1].name, "count");
  EXPECT_EQ(sig.inputs[1].datatype, DataType::kInt64);
  EXPECT_EQ(sig.inputs[1].shape, (std::vector<int64_t>{-1}));
  EXPECT_FALSE(sig.inputs[1].required);
  EXPECT_EQ(sig.inputs[2].name, "city");
  EXPECT_EQ(sig.inputs[2].datatype, DataType::kBytes);
  EXPECT_TRUE(sig.inputs[2].required);  // the default
  EXPECT_EQ(sig.inputs[3].datatype, DataType::kInt32);
  EXPECT_EQ(sig.inputs[4].datatype, DataType::kFp32);
  EXPECT_EQ(sig.inputs[5].datatype, DataType::kBool);
  ASSERT_EQ(sig.outputs.size(), 1u);
  EXPECT_EQ(sig.outputs[0].name, "score");
  EXPECT_EQ(sig.outputs[0].datatype, DataType::kFp64);
}

TEST_F(ModelPackageTest, TensorSignature) {
  auto pkg = ReadWithInputs(
      R"([{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 30]}}])");
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  ASSERT_TRUE(pkg->signature.has_value());
  EXPECT_TRUE(pkg->signature->tensor_based);
  ASSERT_EQ(pkg->signature->inputs.size(), 1u);
  const IoSpec& in = pkg->signature->inputs[0];
  EXPECT_EQ(in.name, "input-0");  // unnamed tensors get positional names
  EXPECT_EQ(in.datatype, DataType::kFp32);
  EXPECT_EQ(in.shape, (std::vector<int64_t>{-1, 30}));
  EXPECT_TRUE(in.required);
}

TEST_F(ModelPackageTest, ParseSchemaNamesAndDtypes) {
  bool tensor_based = false;
  auto specs = ParseSchema("signature.inputs",
                           R"([{"name": "img", "type": "tensor",)"
                           R"(   "tensor-spec": {"dtype": "uint8", "shape": [-1, 2, 2]}},
          {"type": "tensor", "tensor-spec": {"dtype": "int64"}}])",
                           &tensor_based);
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  EXPECT_TRUE(tensor_based);
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].name, "img");
  EXPECT_EQ((*specs)[0].datatype, DataType::kUint8);
  EXPECT_EQ((*specs)[0].shape, (std::vector<int64_t>{-1, 2, 2}));
  EXPECT_EQ((*specs)[1].name, "input-1");
  EXPECT_EQ((*specs)[1].datatype, DataType::kInt64);
  EXPECT_TRUE((*specs)[1].shape.empty());

  bool ignored = false;
  auto outputs = ParseSchema("signature.outputs", R"([{"type": "double"}])", &ignored);
  ASSERT_TRUE(outputs.ok());
  EXPECT_EQ((*outputs)[0].name, "output-0");
  EXPECT_FALSE(ignored);
}

TEST_F(ModelPackageTest, MalformedSignatureNamesTheField) {
  const char* bad[] = {
      "not json",
      R"({"name": "x", "type": "double"})",     // not an array
      R"([{"name": "x"}])",                     // no type
      R"([{"name": "x", "type": "decimal"}])",  // unknown column type
      R"([{"type": "tensor"}])",                // no tensor-spec
      R"([{"type": "tensor", "tensor-spec": {"dtype": "complex128"}}])",
      R"([{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-2]}}])",
      R"([{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": ["a"]}}])",
      R"([5])",
  };
  for (const char* inputs : bad) {
    auto pkg = ReadWithInputs(inputs);
    ASSERT_FALSE(pkg.ok()) << inputs;
    EXPECT_EQ(pkg.status().code(), StatusCode::kInvalidArgument) << inputs;
    EXPECT_NE(pkg.status().message().find("signature.inputs"), std::string::npos)
        << inputs << " -> " << pkg.status().message();
  }
  auto bad_outputs = Read(
      "flavors:\n  python_function: {loader_module: m}\n"
      "signature:\n  inputs: '[{\"type\": \"double\"}]'\n  outputs: 'nope'\n");
  ASSERT_FALSE(bad_outputs.ok());
  EXPECT_NE(bad_outputs.status().message().find("signature.outputs"), std::string::npos);
}

TEST_F(ModelPackageTest, FerryBatchingHints) {
  auto pkg = Read(std::string(kXgboostManifest) +
                  "ferry:\n  max_batch_size: 256\n  max_queue_delay_us: 500\n");
  ASSERT_TRUE(pkg.ok()) << pkg.status().ToString();
  EXPECT_EQ(pkg->backend, "xgboost");
  EXPECT_EQ(pkg->max_batch_size, 256);
  EXPECT_EQ(pkg->max_queue_delay_us, 500);

  auto zero_delay =
      Read(std::string(kXgboostManifest) + "ferry:\n  max_queue_delay_us: 0\n");
  ASSERT_TRUE(zero_delay.ok()) << zero_delay.status().ToString();
  EXPECT_EQ(zero_delay->max_queue_delay_us, 0);
  EXPECT_EQ(zero_delay->max_batch_size, 0);
}

TEST_F(ModelPackageTest, NegativeOrNonIntegerHintsAreRefused) {
  for (const char* hints : {"  max_batch_size: -1\n", "  max_queue_delay_us: -5\n",
                            "  max_batch_size: lots\n", "  max_queue_delay_us: [1]\n"}) {
    auto pkg = Read(std::string(kXgboostManifest) + "ferry:\n" + hints);
    ASSERT_FALSE(pkg.ok()) << hints;
    EXPECT_EQ(pkg.status().code(), StatusCode::kInvalidArgument) << hints;
    EXPECT_NE(pkg.status().message().find("ferry"), std::string::npos)
        << pkg.status().message();
  }
}

}  // namespace
}  // namespace ferry::serving
