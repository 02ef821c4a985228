#include "pipelines/steps/xgboost_package.h"

#include <xgboost/c_api.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "core/text.h"
#include "pipelines/steps/step_metrics.h"

namespace ferry::pipelines::steps {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kModelFile = "model.json";
// The Python the environment files ask for; pyfunc only warns when the
// loading interpreter differs.
constexpr const char* kPythonVersion = "3.11";

std::string XgboostVersion() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." +
         std::to_string(patch);
}

std::string XgboostRequirement() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return "xgboost>=" + std::to_string(major) + "." + std::to_string(minor);
}

// MLflow's format: str(datetime.utcnow()), "2024-05-01 12:34:56.123456".
std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch())
          .count() %
      1000000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%06lld", static_cast<long long>(micros));
  return std::string(buf, n) + frac;
}

std::string SignatureInputs(const std::vector<std::string>& features) {
  Json inputs = Json::array();
  for (const std::string& f : features)
    inputs.push_back({{"type", "double"}, {"name", f}});
  return inputs.dump();
}

std::string SignatureOutputs(const XgboostPackage& p) {
  Json shape = p.num_class > 0 ? Json::array({-1, p.num_class}) : Json::array({-1});
  Json spec = {{"dtype", "float32"}, {"shape", shape}};
  return Json::array(
             {{{"name", "predictions"}, {"type", "tensor"}, {"tensor-spec", spec}}})
      .dump();
}

void EmitFlavors(YAML::Emitter& e) {
  e << YAML::Key << "flavors" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "python_function" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "data" << YAML::Value << kModelFile;
  e << YAML::Key << "env" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "conda" << YAML::Value << "conda.yaml";
  e << YAML::Key << "virtualenv" << YAML::Value << "python_env.yaml" << YAML::EndMap;
  e << YAML::Key << "loader_module" << YAML::Value << "mlflow.xgboost";
  e << YAML::Key << "python_version" << YAML::Value << YAML::DoubleQuoted
    << kPythonVersion << YAML::EndMap;
  e << YAML::Key << "xgboost" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "data" << YAML::Value << kModelFile;
  e << YAML::Key << "model_class" << YAML::Value << "xgboost.core.Booster";
  e << YAML::Key << "model_format" << YAML::Value << "json";
  e << YAML::Key << "xgb_version" << YAML::Value << XgboostVersion() << YAML::EndMap;
  e << YAML::EndMap;
}

std::string Manifest(const XgboostPackage& p, const std::string& uuid) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  EmitFlavors(e);
  e << YAML::Key << "model_uuid" << YAML::Value << uuid;
  e << YAML::Key << "signature" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "inputs" << YAML::Value << YAML::SingleQuoted
    << SignatureInputs(p.features);
  e << YAML::Key << "outputs" << YAML::Value << YAML::SingleQuoted << SignatureOutputs(p);
  e << YAML::Key << "params" << YAML::Value << YAML::Null << YAML::EndMap;
  e << YAML::Key << "utc_time_created" << YAML::Value << YAML::SingleQuoted << UtcNow();
  e << YAML::Key << "ferry" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "backend" << YAML::Value << "xgboost";
  e << YAML::Key << "created_by" << YAML::Value << "train-xgboost";
  e << YAML::Key << "objective" << YAML::Value << p.objective;
  e << YAML::Key << "label" << YAML::Value << YAML::DoubleQuoted << p.label;
  e << YAML::Key << "best_iteration" << YAML::Value << p.best_iteration << YAML::EndMap;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Internal("cannot write " + path.string());
  return Status::Ok();
}

Status WriteFiles(const fs::path& dir, const XgboostPackage& p, const std::string& uuid) {
  std::string requirement = XgboostRequirement();
  RETURN_IF_ERROR(WriteText(dir / kModelFile, p.model_json));
  RETURN_IF_ERROR(WriteText(dir / "MLmodel", Manifest(p, uuid)));
  RETURN_IF_ERROR(WriteText(dir / "requirements.txt", "mlflow\n" + requirement + "\n"));
  RETURN_IF_ERROR(WriteText(
      dir / "python_env.yaml",
      std::string("python: \"") + kPythonVersion + "\"" +
          "\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n"));
  RETURN_IF_ERROR(WriteText(
      dir / "conda.yaml",
      std::string("channels:\n- conda-forge\ndependencies:\n- python=") + kPythonVersion +
          "\n- pip\n- pip:\n  - mlflow\n  - " + requirement + "\nname: mlflow-env\n"));
  RETURN_IF_ERROR(WriteJsonFile((dir / "metrics.json").string(), p.metrics));
  return WriteJsonFile((dir / "params.json").string(), p.params);
}

}  // namespace

Status CheckPackageFolder(const std::string& output) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(output, ec);
  if (!fs::exists(st)) return Status::Ok();
  if (!fs::is_directory(st)) {
    return InvalidArgument("with.output: " + QuotedForMessage(output, 200) +
                           " exists and is not a folder");
  }
  if (!fs::is_empty(output, ec) || ec) {
    return InvalidArgument(
        "with.output: " + QuotedForMessage(output, 200) +
        " exists and is not empty (a package is never written over another)");
  }
  return Status::Ok();
}

Result<std::string> WriteXgboostPackage(const std::string& output,
                                        const XgboostPackage& package) {
  RETURN_IF_ERROR(CheckPackageFolder(output));
  fs::path target = fs::absolute(output).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  fs::path partial = target;
  partial += ".partial-" + NewRunId();
  std::error_code ec;
  fs::create_directories(partial, ec);
  if (ec) return Internal("cannot create " + partial.string() + ": " + ec.message());
  std::string uuid = NewRunId();
  Status written = WriteFiles(partial, package, uuid);
  if (written.ok()) {
    fs::rename(partial, target, ec);  // replaces an empty folder
    if (ec)
      written =
          Internal("cannot move the package to " + target.string() + ": " + ec.message());
  }
  if (!written.ok()) {
    fs::remove_all(partial, ec);
    return written;
  }
  return uuid;
}

}  // namespace ferry::pipelines::steps
