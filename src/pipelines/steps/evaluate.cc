#include "pipelines/steps/evaluate.h"

#include <algorithm>
#include <filesystem>

#include "core/text.h"
#include "pipelines/steps/feature_matrix.h"
#include "pipelines/steps/step_metrics.h"
#include "pipelines/steps/with_args.h"
#include "serving/model.h"
#include "serving/runner.h"

namespace ferry::pipelines::steps {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using serving::DataType;
using serving::IoSpec;
using serving::Tensor;

constexpr int64_t kBatchRows = 8192;

Status InField(std::string_view field, const Status& s) {
  if (s.ok()) return s;
  return Status(s.code(), "with." + std::string(field) + ": " + s.message());
}

// Which CSV columns feed the model, and how: one column per input, or one
// [rows, n] matrix input.
struct InputPlan {
  bool matrix = false;
  std::vector<std::string> columns;
};

Result<InputPlan> PlanColumns(const serving::ModelIo& io,
                              const std::vector<std::string>& header,
                              const EvaluateOptions& o) {
  InputPlan plan;
  for (const IoSpec& spec : io.inputs) {
    if (spec.datatype == DataType::kBytes) {
      return InvalidArgument("with.model: input " + QuotedForMessage(spec.name) +
                             " is text; evaluate reads numeric columns only");
    }
    bool present = std::find(header.begin(), header.end(), spec.name) != header.end();
    if (present) {
      plan.columns.push_back(spec.name);
    } else if (spec.required) {
      return InvalidArgument("with.data: there is no column " +
                             QuotedForMessage(spec.name) +
                             " (an input of the model's signature) in " + o.data);
    }
  }
  if (plan.columns.empty())
    return InvalidArgument("with.data: no column of " + o.data + " is a model input");
  return plan;
}

Result<InputPlan> PlanInputs(const serving::ModelIo& io,
                             const std::vector<std::string>& header,
                             const EvaluateOptions& o) {
  bool columns = std::all_of(io.inputs.begin(), io.inputs.end(),
                             [](const IoSpec& s) { return s.shape.size() == 1; });
  if (columns && !io.inputs.empty()) {
    if (!o.features.empty()) {
      return InvalidArgument(
          "with.features: the model's signature names its input columns");
    }
    return PlanColumns(io, header, o);
  }
  if (io.inputs.size() != 1 || io.inputs[0].shape.size() != 2) {
    return InvalidArgument(
        "with.model: evaluate takes a model whose inputs are columns or one [rows, n] "
        "matrix");
  }
  InputPlan plan{true, o.features};
  if (plan.columns.empty()) {
    for (const std::string& name : header) {
      if (name != o.label) plan.columns.push_back(name);
    }
  }
  int64_t width = io.inputs[0].shape[1];
  if (width >= 0 && static_cast<int64_t>(plan.columns.size()) != width) {
    return InvalidArgument("with.features: the model takes " + std::to_string(width) +
                           " features; " + std::to_string(plan.columns.size()) +
                           " columns were chosen");
  }
  return plan;
}

std::vector<Tensor> BatchInputs(const serving::ModelIo& io, const InputPlan& plan,
                                const FeatureMatrix& m, int64_t start, int64_t n) {
  size_t width = m.features.size();
  const float* first = m.values.data() + static_cast<size_t>(start) * width;
  if (plan.matrix) {
    Tensor t{io.inputs[0].name, DataType::kFp32, {n, static_cast<int64_t>(width)}, {}};
    t.data.assign(reinterpret_cast<const char*>(first),
                  static_cast<size_t>(n) * width * sizeof(float));
    return {std::move(t)};
  }
  std::vector<Tensor> inputs;
  for (size_t c = 0; c < width; ++c) {
    Tensor t{m.features[c], DataType::kFp64, {n}, {}};
    t.data.reserve(static_cast<size_t>(n) * sizeof(double));
    for (int64_t r = 0; r < n; ++r)
      serving::AppendRaw<double>(t.data, first[static_cast<size_t>(r) * width + c]);
    inputs.push_back(std::move(t));
  }
  return inputs;
}

// Every row's outputs, `*per_row` values each.
Result<std::vector<double>> PredictAll(serving::Model& model, const InputPlan& plan,
                                       const FeatureMatrix& m, size_t* per_row) {
  std::vector<double> out;
  for (int64_t start = 0; start < m.rows; start += kBatchRows) {
    int64_t n = std::min(kBatchRows, m.rows - start);
    auto checked =
        serving::CheckInputs(model.io(), BatchInputs(model.io(), plan, m, start, n));
    if (!checked.ok()) return InField("model", checked.status());
    ASSIGN_OR_RETURN(std::vector<Tensor> outputs, model.Predict(*checked));
    if (outputs.empty() || outputs[0].datatype == DataType::kBytes ||
        outputs[0].Rows() != n) {
      return InvalidArgument("with.model: evaluate needs one numeric output per row");
    }
    const Tensor& y = outputs[0];
    *per_row = static_cast<size_t>(y.ElementCount() / n);
    for (int64_t i = 0; i < y.ElementCount(); ++i)
      out.push_back(serving::ElementAsDouble(y, i));
  }
  return out;
}

Result<std::unique_ptr<serving::Model>> Load(const std::string& dir) {
  auto package = serving::ReadModelPackage(dir);
  if (!package.ok()) return InField("model", package.status());
  auto model = serving::LoadModel(*package);
  if (!model.ok()) return InField("model", model.status());
  return std::move(*model);
}

Status WriteOutputs(const EvaluateOptions& o, EvaluateResult* r) {
  std::error_code ec;
  fs::create_directories(o.output, ec);
  if (ec) return Internal("cannot create " + o.output + ": " + ec.message());
  Json metrics(r->metrics);
  metrics["rows"] = r->rows;
  r->metrics_path = (fs::path(o.output) / "metrics.json").string();
  RETURN_IF_ERROR(WriteJsonFile(r->metrics_path, metrics));
  return WriteJsonFile((fs::path(o.output) / "performance.json").string(),
                       monitoring::PerformanceToJson(r->performance));
}

}  // namespace

Result<EvaluateOptions> EvaluateOptionsFromJson(const Json& with) {
  RETURN_IF_ERROR(CheckArguments(
      with, {"model", "data", "label", "task", "threshold", "features", "output"}));
  EvaluateOptions o;
  ASSIGN_OR_RETURN(o.model, RequiredTextArg(with, "model"));
  ASSIGN_OR_RETURN(o.data, RequiredTextArg(with, "data"));
  ASSIGN_OR_RETURN(o.label, RequiredTextArg(with, "label"));
  ASSIGN_OR_RETURN(std::optional<std::string> task, TextArg(with, "task"));
  if (task) {
    auto parsed = monitoring::ParseTask(*task);
    if (!parsed.ok()) return InField("task", parsed.status());
    o.task = *parsed;
  }
  ASSIGN_OR_RETURN(std::optional<double> threshold, NumberArg(with, "threshold", 0, 1));
  o.threshold = threshold.value_or(0.5);
  ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> features,
                   NameListArg(with, "features"));
  if (features) o.features = std::move(*features);
  ASSIGN_OR_RETURN(std::optional<std::string> output, TextArg(with, "output"));
  if (output) o.output = *output;
  return o;
}

Result<EvaluateResult> EvaluateModel(const EvaluateOptions& o) {
  ASSIGN_OR_RETURN(std::unique_ptr<serving::Model> model, Load(o.model));
  auto header = ReadCsvHeader(o.data);
  if (!header.ok()) return InField("data", header.status());
  if (std::find(header->begin(), header->end(), o.label) == header->end()) {
    return InvalidArgument("with.label: there is no column " + QuotedForMessage(o.label) +
                           " in " + o.data);
  }
  ASSIGN_OR_RETURN(InputPlan plan, PlanInputs(model->io(), *header, o));
  auto matrix = ReadFeatureMatrix({o.data, o.label, plan.columns, nullptr});
  if (!matrix.ok()) return InField("data", matrix.status());
  size_t per_row = 1;
  ASSIGN_OR_RETURN(std::vector<double> outputs,
                   PredictAll(*model, plan, *matrix, &per_row));
  monitoring::PerformanceOptions po;
  po.task = o.task;
  po.threshold = o.threshold;
  EvaluateResult r;
  ASSIGN_OR_RETURN(
      r.performance,
      monitoring::ComputePerformance(MakeOutcomes(outputs, per_row, matrix->labels), po));
  r.metrics = ReportedMetrics(r.performance, "");
  r.features = plan.columns;
  r.rows = matrix->rows;
  RETURN_IF_ERROR(WriteOutputs(o, &r));
  return r;
}

}  // namespace ferry::pipelines::steps
