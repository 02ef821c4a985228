// What train-xgboost and evaluate share: model outputs and labels turned
// into monitoring's Outcome rows, the metrics a step reports (by task, with
// flat names a gate policy can use), and writing a JSON file whole.
//
// Metric names: binary auc, logloss, accuracy, f1, precision, recall;
// multiclass auc, logloss, accuracy, f1 (macro); regression rmse, mae, r2.
// A metric monitoring leaves absent (AUC with one class) is left out.
// Thread-safe (pure functions; WriteJsonFile writes only its own path).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "monitoring/performance.h"

namespace ferry::pipelines::steps {

// One Outcome per label: the row's `per_row` outputs and the label as a
// number (its class text the shortest decimal form, "1" for 1.0).
std::vector<monitoring::Outcome> MakeOutcomes(const std::vector<double>& outputs,
                                              size_t per_row,
                                              const std::vector<float>& labels);

// The reported metrics of `m`, each name prefixed (e.g. "valid_").
std::map<std::string, double> ReportedMetrics(const monitoring::PerformanceMetrics& m,
                                              std::string_view prefix);

// Writes `value` (2-space indented, invalid UTF-8 replaced) to `path`
// through a temporary file renamed into place. Internal on I/O failure.
Status WriteJsonFile(const std::string& path, const nlohmann::json& value);

}  // namespace ferry::pipelines::steps
