#include "serving/model_package.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "artifacts/artifact_store.h"

namespace ferry::serving {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::optional<DataType> ColumnType(const std::string& type) {
  if (type == "boolean") return DataType::kBool;
  if (type == "integer") return DataType::kInt32;
  if (type == "long") return DataType::kInt64;
  if (type == "float") return DataType::kFp32;
  if (type == "double") return DataType::kFp64;
  if (type == "string" || type == "binary" || type == "datetime") return DataType::kBytes;
  return std::nullopt;
}

std::optional<DataType> NumpyType(const std::string& dtype) {
  static const std::pair<const char*, DataType> kMap[] = {
      {"bool", DataType::kBool},       {"uint8", DataType::kUint8},
      {"uint16", DataType::kUint16},   {"uint32", DataType::kUint32},
      {"uint64", DataType::kUint64},   {"int8", DataType::kInt8},
      {"int16", DataType::kInt16},     {"int32", DataType::kInt32},
      {"int64", DataType::kInt64},     {"float16", DataType::kFp16},
      {"float32", DataType::kFp32},    {"float64", DataType::kFp64},
      {"str", DataType::kBytes},       {"object", DataType::kBytes},
      {"bytes", DataType::kBytes},
  };
  for (const auto& [name, type] : kMap) {
    if (dtype == name) return type;
  }
  return std::nullopt;
}

Result<IoSpec> ParseSpec(const std::string& field, const Json& item, size_t index,
                         bool* tensor_based) {
  std::string where = field + "[" + std::to_string(index) + "]";
  if (!item.is_object() || !item.contains("type") || !item["type"].is_string()) {
    return InvalidArgument(where + ": each entry needs a string 'type'");
  }
  IoSpec spec;
  if (item.contains("name") && item["name"].is_string()) spec.name = item["name"];
  if (spec.name.empty()) spec.name = (field.ends_with("outputs") ? "output-" : "input-") +
                                     std::to_string(index);
  if (item.contains("required") && item["required"].is_boolean()) spec.required = item["required"];
  const std::string type = item["type"];
  if (type == "tensor") {
    *tensor_based = true;
    const Json* ts = item.contains("tensor-spec") ? &item["tensor-spec"] : nullptr;
    if (!ts || !ts->is_object() || !ts->contains("dtype") || !(*ts)["dtype"].is_string()) {
      return InvalidArgument(where + ": a tensor needs 'tensor-spec' with a 'dtype'");
    }
    auto dt = NumpyType((*ts)["dtype"]);
    if (!dt) return InvalidArgument(where + ": unsupported dtype " + (*ts)["dtype"].dump());
    spec.datatype = *dt;
    if (ts->contains("shape") && (*ts)["shape"].is_array()) {
      for (const Json& d : (*ts)["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < -1) {
          return InvalidArgument(where + ": shape entries are integers >= -1");
        }
        spec.shape.push_back(d.get<int64_t>());
      }
    }
    return spec;
  }
  auto dt = ColumnType(type);
  if (!dt) return InvalidArgument(where + ": unsupported column type '" + type + "'");
  spec.datatype = *dt;
  spec.shape = {-1};
  return spec;
}

// A path the manifest names, resolved inside `dir` (no escape).
Result<std::string> InsidePackage(const std::string& dir, const std::string& field,
                                  const std::string& relative) {
  auto checked = artifacts::CheckRelativePath(relative, false);
  if (!checked.ok()) {
    return InvalidArgument("MLmodel '" + field + "': " + checked.status().message());
  }
  return (fs::path(dir) / *checked).string();
}

std::string Scalar(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return "";
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : "";
}

Status ReadSignature(const YAML::Node& root, ModelPackage& pkg) {
  const YAML::Node sig = root["signature"];
  if (!sig || !sig.IsMap()) return Status::Ok();
  Signature s;
  bool tensor_based = false;
  std::string inputs = Scalar(sig, "inputs");
  if (!inputs.empty()) {
    ASSIGN_OR_RETURN(s.inputs, ParseSchema("signature.inputs", inputs, &tensor_based));
  }
  s.tensor_based = tensor_based;
  std::string outputs = Scalar(sig, "outputs");
  if (!outputs.empty()) {
    bool ignored = false;
    ASSIGN_OR_RETURN(s.outputs, ParseSchema("signature.outputs", outputs, &ignored));
  }
  if (!s.inputs.empty()) pkg.signature = std::move(s);
  return Status::Ok();
}

Status ReadHints(const YAML::Node& root, ModelPackage& pkg) {
  const YAML::Node ferry = root["ferry"];
  if (!ferry || !ferry.IsMap()) return Status::Ok();
  try {
    if (ferry["max_batch_size"]) pkg.max_batch_size = ferry["max_batch_size"].as<int>();
    if (ferry["max_queue_delay_us"]) {
      pkg.max_queue_delay_us = ferry["max_queue_delay_us"].as<int>();
    }
  } catch (const YAML::Exception&) {
    return InvalidArgument("MLmodel 'ferry': max_batch_size and max_queue_delay_us are integers");
  }
  if (pkg.max_batch_size < 0 || pkg.max_queue_delay_us < -1) {
    return InvalidArgument("MLmodel 'ferry': batching limits must not be negative");
  }
  return Status::Ok();
}

Status ChooseBackend(const std::string& dir, const YAML::Node& flavors, const std::string& forced,
                     ModelPackage& pkg) {
  auto pick = [&](const char* flavor, const char* backend) -> Status {
    pkg.backend = backend;
    const YAML::Node f = flavors[flavor];
    if (!f.IsMap()) return InvalidArgument(std::string("MLmodel 'flavors.") + flavor + "' must be a mapping");
    std::string data = Scalar(f, "data");
    if (data.empty()) data = Scalar(f, "model_path");
    if (!data.empty()) {
      ASSIGN_OR_RETURN(pkg.data_path,
                       InsidePackage(dir, std::string("flavors.") + flavor + ".data", data));
    }
    pkg.model_class = Scalar(f, "model_class");
    return Status::Ok();
  };
  if (forced == "xgboost" || (forced.empty() && flavors["xgboost"])) {
    if (!flavors["xgboost"]) return InvalidArgument("MLmodel: ferry.backend is xgboost but there is no xgboost flavor");
    RETURN_IF_ERROR(pick("xgboost", "xgboost"));
    if (pkg.data_path.empty()) return InvalidArgument("MLmodel 'flavors.xgboost.data' is missing");
    return Status::Ok();
  }
  if (forced == "onnx" || (forced.empty() && flavors["onnx"])) return pick("onnx", "onnx");
  if (forced == "python" || (forced.empty() && flavors["python_function"])) {
    return pick("python_function", "python");
  }
  if (!forced.empty()) return InvalidArgument("MLmodel 'ferry.backend': unknown backend '" + forced + "'");
  return InvalidArgument("MLmodel has no flavor Ferry can serve (xgboost, onnx, python_function)");
}

// The package a parsed manifest describes (may throw YAML::Exception on an
// unexpected shape; ReadModelPackage turns that into an error).
Result<ModelPackage> FromManifest(const std::string& dir, const YAML::Node& root) {
  const YAML::Node flavors = root["flavors"];
  ModelPackage pkg;
  pkg.dir = dir;
  pkg.run_id = Scalar(root, "run_id");
  pkg.model_uuid = Scalar(root, "model_uuid");
  std::string forced;
  if (root["ferry"] && root["ferry"].IsMap()) forced = Scalar(root["ferry"], "backend");
  RETURN_IF_ERROR(ChooseBackend(dir, flavors, forced, pkg));
  RETURN_IF_ERROR(ReadSignature(root, pkg));
  RETURN_IF_ERROR(ReadHints(root, pkg));
  const YAML::Node example = root["saved_input_example_info"];
  if (example && example.IsMap()) {
    std::string path = Scalar(example, "artifact_path");
    if (!path.empty()) {
      ASSIGN_OR_RETURN(pkg.input_example_path,
                       InsidePackage(dir, "saved_input_example_info.artifact_path", path));
    }
  }
  return pkg;
}

}  // namespace

Result<std::vector<IoSpec>> ParseSchema(const std::string& field, const std::string& text,
                                        bool* tensor_based) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_array()) {
    return InvalidArgument("MLmodel '" + field + "' is not a JSON array");
  }
  std::vector<IoSpec> specs;
  for (size_t i = 0; i < json.size(); ++i) {
    ASSIGN_OR_RETURN(IoSpec spec, ParseSpec(field, json[i], i, tensor_based));
    specs.push_back(std::move(spec));
  }
  return specs;
}

Result<ModelPackage> ReadModelPackage(const std::string& dir) {
  fs::path manifest = fs::path(dir) / "MLmodel";
  std::error_code ec;
  if (!fs::is_regular_file(manifest, ec)) {
    return InvalidArgument("model package has no MLmodel file");
  }
  if (fs::file_size(manifest, ec) > (1u << 20)) {
    return InvalidArgument("MLmodel is larger than 1 MiB");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(manifest.string());
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("MLmodel is not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) return InvalidArgument("MLmodel is not a YAML mapping");
  const YAML::Node flavors = root["flavors"];
  if (!flavors || !flavors.IsMap()) return InvalidArgument("MLmodel has no 'flavors' mapping");
  try {
    return FromManifest(dir, root);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("MLmodel has an unexpected shape: ") + e.what());
  }
}

}  // namespace ferry::serving
