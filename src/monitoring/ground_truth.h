// Ground truth: labels that arrive after the predictions they judge.
//
// A label names a logged request by its prediction id and, for a request of
// several rows, the row (default 0); it is a JSON number, string or boolean.
// ParseLabels validates a batch as the API receives it: one bad entry
// rejects the whole batch with an error naming its index and field, so a
// batch is stored whole or not at all. The same (id, row) twice in a batch:
// the later wins.
//
// PerformanceOf turns labels joined with their predictions into metrics per
// model version (and per window of prediction time): each label's outcome
// takes the request's output tensor (by name, or the first in name order)
// at the label's row; a row past the request's rows is counted, not used.
// Label delay is the time from prediction to label. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "monitoring/monitor_store.h"
#include "monitoring/performance.h"

namespace ferry::monitoring {

constexpr size_t kMaxLabelsPerBatch = 100000;

// {"labels": [{"prediction_id": "...", "row": 0, "label": 1}, ...]}
Result<std::vector<LabelEntry>> ParseLabels(const nlohmann::json& body);

struct GroundTruthOptions {
  std::string output;  // output tensor name; empty: the first
  PerformanceOptions performance;
  int64_t window_ms = 0;  // per-window breakdown; 0: none
};

struct LabelDelay {
  int64_t count = 0;
  double mean_s = 0, p50_s = 0, p90_s = 0, max_s = 0;
};

struct WindowPerformance {
  int64_t start_ms = 0, end_ms = 0;
  PerformanceMetrics metrics;
  LabelDelay delay;  // of the window's labelled rows
};

struct VersionPerformance {
  std::string model;
  int64_t version = 0;
  std::vector<std::string> roles;  // the roles its predictions were served in
  PerformanceMetrics metrics;
  LabelDelay delay;
  std::vector<WindowPerformance> windows;  // oldest first
  int64_t rows_out_of_range = 0;           // labels naming a row the request did not have
  int64_t outputs_missing = 0;             // requests without the output tensor
};

// Per model version, most labelled rows first. InvalidArgument from
// ComputePerformance (e.g. outputs of mixed widths) names the version.
Result<std::vector<VersionPerformance>> PerformanceOf(const std::vector<LabelledPrediction>& rows,
                                                      const GroundTruthOptions& options);

nlohmann::json VersionPerformanceToJson(const VersionPerformance& v);

}  // namespace ferry::monitoring
