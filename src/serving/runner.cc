#include "serving/runner.h"

#include <cmath>
#include <cstring>
#include <future>

namespace ferry::serving {
namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A column spec [-1] also takes [rows, 1].
bool ShapeFits(const IoSpec& spec, const Tensor& t) {
  if (spec.shape.empty()) return true;  // the signature did not say
  const auto& s = t.shape;
  if (spec.shape.size() == 1 && s.size() == 2 && s[1] == 1) return spec.shape[0] == -1;
  if (s.size() != spec.shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (spec.shape[i] != -1 && spec.shape[i] != s[i]) return false;
  }
  return true;
}

// Rows of zeros (empty strings for BYTES), or of NaN where the datatype
// has one and `nan` asks for it (a missing optional input).
Tensor Filled(const IoSpec& spec, int64_t rows, bool nan) {
  Tensor t{spec.name, spec.datatype, spec.shape, {}};
  if (t.shape.empty()) t.shape = {-1};
  for (auto& d : t.shape) d = d < 0 ? 1 : d;
  t.shape[0] = rows;
  auto n = static_cast<size_t>(t.ElementCount());
  if (spec.datatype == DataType::kBytes) {
    t.data.assign(n * 4, '\0');
  } else if (nan && spec.datatype == DataType::kFp32) {
    std::vector<float> values(n, std::nanf(""));
    t.data.assign(reinterpret_cast<const char*>(values.data()), n * 4);
  } else if (nan && spec.datatype == DataType::kFp64) {
    std::vector<double> values(n, std::nan(""));
    t.data.assign(reinterpret_cast<const char*>(values.data()), n * 8);
  } else {
    t.data.assign(n * ElementSize(spec.datatype), '\0');
  }
  return t;
}

// The form every request of a batch shares: the model's datatype, and a
// column as [rows] rather than [rows, 1].
Result<Tensor> Normalized(const IoSpec& spec, Tensor t) {
  if (spec.shape.size() == 1 && t.shape.size() == 2) t.shape.pop_back();
  if (t.datatype == spec.datatype) return t;
  return ConvertTensor(t, spec.datatype);
}

std::string Names(const std::vector<IoSpec>& specs) {
  std::string s;
  for (const auto& spec : specs) s += (s.empty() ? "" : ", ") + spec.name;
  return s;
}

}  // namespace

Result<std::vector<Tensor>> CheckInputs(const ModelIo& io, std::vector<Tensor> inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    for (size_t j = 0; j < i; ++j) {
      if (inputs[j].name == t.name) return InvalidArgument("input '" + t.name + "' is given twice");
    }
    bool known = false;
    for (const IoSpec& spec : io.inputs) known = known || spec.name == t.name;
    if (!known) {
      return InvalidArgument("unknown input '" + t.name + "'; the model takes: " + Names(io.inputs));
    }
  }
  std::vector<Tensor> ordered;
  ordered.reserve(io.inputs.size());
  int64_t rows = -1;
  std::vector<size_t> missing;
  for (const IoSpec& spec : io.inputs) {
    auto it = std::find_if(inputs.begin(), inputs.end(),
                           [&](const Tensor& t) { return t.name == spec.name; });
    if (it == inputs.end()) {
      if (spec.required) return InvalidArgument("missing input '" + spec.name + "'");
      missing.push_back(ordered.size());
      ordered.push_back({});
      continue;
    }
    Tensor& t = *it;
    if ((t.datatype == DataType::kBytes) != (spec.datatype == DataType::kBytes)) {
      return InvalidArgument("input '" + t.name + "' has datatype " +
                             std::string(DataTypeName(t.datatype)) + "; the model expects " +
                             std::string(DataTypeName(spec.datatype)));
    }
    if (t.shape.empty() || !ShapeFits(spec, t)) {
      return InvalidArgument("input '" + t.name + "' has shape " + ShapeText(t.shape) +
                             "; the model expects " + ShapeText(spec.shape));
    }
    RETURN_IF_ERROR(CheckTensorData(t));
    if (rows >= 0 && t.Rows() != rows) {
      return InvalidArgument("input '" + t.name + "' has " + std::to_string(t.Rows()) +
                             " rows; other inputs have " + std::to_string(rows));
    }
    rows = t.Rows();
    ASSIGN_OR_RETURN(Tensor normal, Normalized(spec, std::move(t)));
    ordered.push_back(std::move(normal));
  }
  if (rows < 0) return InvalidArgument("the request has no inputs");
  if (rows == 0) return InvalidArgument("the request has no rows");
  for (size_t i : missing) ordered[i] = Filled(io.inputs[i], rows, true);
  return ordered;
}

std::vector<Tensor> ZeroRequest(const ModelIo& io, int64_t rows) {
  std::vector<Tensor> out;
  for (const IoSpec& spec : io.inputs) out.push_back(Filled(spec, rows, false));
  return out;
}

Result<std::shared_ptr<Runner>> Runner::Load(const ModelPackage& package, BatchOptions options,
                                             std::string model, int64_t version,
                                             Batcher::ObserveFn observe) {
  std::shared_ptr<Runner> runner(new Runner());
  runner->package_ = package;
  runner->model_ = std::move(model);
  runner->version_ = version;
  if (package.max_batch_size > 0) options.max_batch_size = package.max_batch_size;
  if (package.max_queue_delay_us >= 0) options.max_queue_delay_us = package.max_queue_delay_us;
  options.instances = std::max(1, options.instances);
  // A native model answers in microseconds: when idle, run it on the
  // caller's thread. A Python model may take milliseconds and must never
  // hold an I/O thread.
  options.run_inline = package.backend == "xgboost";
  for (int i = 0; i < options.instances; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Model> model, LoadModel(package));
    // A model may refuse rows of zeros as input (kInvalidArgument); only a
    // failure to run at all stops the load.
    auto warm = model->Predict(ZeroRequest(model->io(), 1));
    if (!warm.ok() && warm.status().code() != StatusCode::kInvalidArgument) {
      return FailedPrecondition("warm-up prediction failed: " + warm.status().message());
    }
    runner->models_.push_back(std::move(model));
  }
  Runner* raw = runner.get();
  runner->batcher_ = std::make_unique<Batcher>(
      options, [raw](int instance, std::span<const Tensor> inputs) {
        return raw->models_[static_cast<size_t>(instance)]->Predict(inputs);
      },
      std::move(observe));
  return runner;
}

std::string Runner::Unhealthy() const {
  for (const auto& m : models_) {
    if (std::string why = m->Unhealthy(); !why.empty()) return why;
  }
  return "";
}

Runner::~Runner() {
  if (batcher_) batcher_->Stop();
}

Status Runner::Infer(std::vector<Tensor> inputs, Batcher::Done done) {
  ASSIGN_OR_RETURN(std::vector<Tensor> ordered, CheckInputs(io(), std::move(inputs)));
  return batcher_->Submit(std::move(ordered), std::move(done));
}

Batcher::Outputs Runner::InferSync(std::vector<Tensor> inputs) {
  std::promise<Batcher::Outputs> promise;
  auto future = promise.get_future();
  Status st = Infer(std::move(inputs), [&promise](Batcher::Outputs out, double) {
    promise.set_value(std::move(out));
  });
  if (!st.ok()) return st;
  return future.get();
}

}  // namespace ferry::serving
