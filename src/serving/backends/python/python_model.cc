#include "serving/backends/python/python_model.h"

#include <cstdlib>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "serving/backends/python/worker_process.h"

namespace ferry::serving {
namespace {

using worker::Kind;
using worker::WorkerProcess;
using SteadyClock = std::chrono::steady_clock;

class PythonModel final : public Model {
 public:
  PythonModel(const ModelPackage& package, PythonOptions options)
      : package_(package), options_(std::move(options)) {
    if (package.signature) {
      io_.inputs = package.signature->inputs;
      io_.outputs = package.signature->outputs;
    }
  }

  // The LOAD request: the inputs/outputs the server knows (none when the
  // package has no signature: the worker then describes the model).
  std::string LoadRequest() const {
    nlohmann::json load = {{"dir", package_.dir},
                           {"tensor_based", package_.signature && package_.signature->tensor_based},
                           {"inputs", nlohmann::json::array()},
                           {"outputs", nlohmann::json::array()}};
    if (package_.signature) {
      for (const auto& in : io_.inputs) load["inputs"].push_back(in.name);
      for (const auto& out : io_.outputs) load["outputs"].push_back(out.name);
    }
    return load.dump();
  }

  // A model without a signature may describe itself in the LOAD reply
  // (an ONNX graph's typed inputs); otherwise it cannot be served.
  Status AdoptDescription(const std::string& reply) {
    if (!io_.inputs.empty()) return Status::Ok();
    nlohmann::json j = nlohmann::json::parse(reply, nullptr, false);
    auto read = [](const nlohmann::json& list, std::vector<IoSpec>& out) {
      if (!list.is_array()) return;
      for (const auto& t : list) {
        if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
        auto dt = ParseDataType(t.value("datatype", "FP32"));
        std::vector<int64_t> shape;
        for (const auto& d : t.value("shape", nlohmann::json::array())) {
          if (d.is_number_integer()) shape.push_back(d.get<int64_t>());
        }
        out.push_back({t["name"], dt.value_or(DataType::kFp32), shape, true});
      }
    };
    if (j.is_object()) {
      read(j.value("inputs", nlohmann::json()), io_.inputs);
      read(j.value("outputs", nlohmann::json()), io_.outputs);
    }
    if (io_.inputs.empty()) {
      return FailedPrecondition(
          "the model has no signature: log it with an input_example or a signature so that "
          "requests can be checked before they reach Python");
    }
    return Status::Ok();
  }

  const ModelIo& io() const override { return io_; }
  std::string Unhealthy() const override {
    std::lock_guard lock(mu_);
    return unhealthy_;
  }

  Status Start() {
    ASSIGN_OR_RETURN(worker_, WorkerProcess::Spawn(options_.python));
    auto reply = worker_->Call(Kind::kLoad, LoadRequest(), options_.load_timeout);
    if (!reply.ok()) {
      return FailedPrecondition("the Python worker could not load the model: " +
                                reply.status().message());
    }
    if (reply->first == Kind::kError) {
      return FailedPrecondition("the Python worker could not load the model: " +
                                ErrorText(reply->second));
    }
    RETURN_IF_ERROR(AdoptDescription(reply->second));
    if (io_.outputs.empty()) io_.outputs.push_back({"predictions", DataType::kFp64, {-1}, true});
    return Status::Ok();
  }

  Result<std::vector<Tensor>> Predict(std::span<const Tensor> inputs) override {
    if (std::string why = Unhealthy(); !why.empty()) {
      return Unavailable("the model is unhealthy: " + why);
    }
    if (!worker_ || !worker_->alive()) {
      Status started = Start();
      if (!started.ok()) return Crashed(started.message());
    }
    std::vector<Tensor> converted;
    converted.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      ASSIGN_OR_RETURN(Tensor t, ConvertTensor(inputs[i], io_.inputs[i].datatype));
      converted.push_back(std::move(t));
    }
    auto reply = worker_->Call(Kind::kPredict, worker::EncodeTensors(converted), options_.timeout);
    if (!reply.ok()) return Crashed(reply.status().message());
    if (reply->first == Kind::kError) {
      bool bad_input = !reply->second.empty() &&
                       reply->second[0] == static_cast<char>(worker::ErrorCode::kBadInput);
      std::string message = "the model raised " + ErrorText(reply->second);
      return bad_input ? InvalidArgument(message) : Internal(message);
    }
    auto outputs = worker::DecodeTensors(reply->second);
    if (!outputs.ok()) return Internal("the Python worker: " + outputs.status().message());
    return outputs;
  }

 private:
  static std::string ErrorText(const std::string& body) {
    return body.empty() ? "(no message)" : body.substr(1);
  }

  // The worker died or hung: note it, maybe mark the model unhealthy.
  Status Crashed(const std::string& what) {
    auto now = SteadyClock::now();
    crashes_.push_back(now);
    while (!crashes_.empty() && now - crashes_.front() > options_.crash_window) crashes_.pop_front();
    worker_.reset();
    Log(LogLevel::kError, "python worker failed",
        {{"model", package_.dir}, {"error", what}, {"recent_crashes", std::to_string(crashes_.size())}});
    if (static_cast<int>(crashes_.size()) >= options_.max_crashes) {
      std::lock_guard lock(mu_);
      unhealthy_ = "its Python worker failed " + std::to_string(crashes_.size()) + " times in " +
                   std::to_string(options_.crash_window.count()) + " s; last: " + what;
    }
    return Unavailable(what + "; the worker is restarted for the next request");
  }

  ModelPackage package_;
  PythonOptions options_;
  ModelIo io_;
  std::unique_ptr<WorkerProcess> worker_;
  std::deque<SteadyClock::time_point> crashes_;
  mutable std::mutex mu_;
  std::string unhealthy_;  // guarded by mu_ (read by status requests)
};

}  // namespace

Result<std::unique_ptr<Model>> LoadPythonModel(const ModelPackage& package,
                                               const PythonOptions& options) {
  PythonOptions opts = options;
  if (const char* python = std::getenv("FERRY_PYTHON"); python && *python) opts.python = python;
  auto model = std::make_unique<PythonModel>(package, opts);
  RETURN_IF_ERROR(model->Start());
  return std::unique_ptr<Model>(std::move(model));
}

}  // namespace ferry::serving
