#include "pipelines/steps/step_metrics.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include "core/ids.h"
#include "pipelines/steps/with_args.h"

namespace ferry::pipelines::steps {
namespace {

namespace fs = std::filesystem;
using monitoring::PerformanceMetrics;
using monitoring::Task;

using Metric = std::pair<const char*, std::optional<double> PerformanceMetrics::*>;

std::vector<Metric> MetricsOf(Task task) {
  if (task == Task::kRegression) {
    return {{"rmse", &PerformanceMetrics::rmse},
            {"mae", &PerformanceMetrics::mae},
            {"r2", &PerformanceMetrics::r2}};
  }
  std::vector<Metric> metrics = {{"auc", &PerformanceMetrics::roc_auc},
                                 {"logloss", &PerformanceMetrics::log_loss},
                                 {"accuracy", &PerformanceMetrics::accuracy},
                                 {"f1", &PerformanceMetrics::f1}};
  if (task == Task::kBinary) {
    metrics.push_back({"precision", &PerformanceMetrics::precision});
    metrics.push_back({"recall", &PerformanceMetrics::recall});
  }
  return metrics;
}

}  // namespace

std::vector<monitoring::Outcome> MakeOutcomes(const std::vector<double>& outputs,
                                              size_t per_row,
                                              const std::vector<float>& labels) {
  std::vector<monitoring::Outcome> rows(labels.size());
  for (size_t r = 0; r < labels.size(); ++r) {
    monitoring::Outcome& o = rows[r];
    auto begin = outputs.begin() + static_cast<std::ptrdiff_t>(r * per_row);
    o.output.assign(begin, begin + static_cast<std::ptrdiff_t>(per_row));
    o.label_is_number = true;
    o.label_number = labels[r];
    o.label = ShortestText(labels[r]);
  }
  return rows;
}

std::map<std::string, double> ReportedMetrics(const PerformanceMetrics& m,
                                              std::string_view prefix) {
  std::map<std::string, double> out;
  for (const auto& [name, member] : MetricsOf(m.task)) {
    if ((m.*member).has_value()) out[std::string(prefix) + name] = *(m.*member);
  }
  return out;
}

Status WriteJsonFile(const std::string& path, const nlohmann::json& value) {
  std::string text =
      value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  fs::path target(path);
  fs::path temp = target;
  temp += ".tmp-" + NewRunId();
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Internal("cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (ec) {
    std::string why = ec.message();
    fs::remove(temp, ec);
    return Internal("cannot write " + target.string() + ": " + why);
  }
  return Status::Ok();
}

}  // namespace ferry::pipelines::steps
