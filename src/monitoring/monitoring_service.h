// MonitoringService: the monitoring subsystem's door for the API and CLI —
// reference data per model version, ingestion of the serving payload log,
// and drift reports of a deployment's served data against the reference.
// Knows model versions by (name, number); resolving aliases is the caller's.
// Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "monitoring/alerts.h"
#include "monitoring/drift.h"
#include "monitoring/ground_truth.h"
#include "monitoring/ingest.h"
#include "monitoring/monitor_store.h"
#include "store/database.h"

namespace ferry::monitoring {

struct DriftQuery {
  std::string deployment;
  std::optional<std::string> model;  // default: the model version with the most rows in range
  std::optional<int64_t> version;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  DriftOptions options;
};

struct DeploymentDrift {
  std::string model;
  int64_t version = 0;
  int64_t from_ms = 0, to_ms = 0;
  DriftReport report;
};

// One window's drift against the reference, for time series and alerts.
struct WindowDrift {
  int64_t start_ms = 0, end_ms = 0;
  int64_t rows = 0;
  DriftReport report;
};

struct DriftSeries {
  std::string model;
  int64_t version = 0;
  std::vector<WindowDrift> windows;  // oldest first
};

struct PerformanceQuery {
  std::string deployment;
  std::optional<std::string> model;  // default: every version with labels
  std::optional<int64_t> version;
  int64_t from_ms = 0;  // prediction time
  int64_t to_ms = 0;
  GroundTruthOptions options;  // window_ms 0: the service's window
};

struct DeploymentPerformance {
  int64_t from_ms = 0, to_ms = 0;
  int64_t unmatched_labels = 0;  // received in the range, matching no logged prediction (yet)
  std::vector<VersionPerformance> versions;
};

class MonitoringService {
 public:
  static constexpr size_t kSampleRows = 5000;

  // `payload_dir` empty: no ingestion (RunIngest answers FailedPrecondition).
  // Served data is profiled in windows of `window_ms`.
  MonitoringService(store::Database& db, const Clock& clock, std::string payload_dir,
                    int64_t window_ms = kDefaultWindowMillis);

  // Profiles a CSV (header row) as the version's reference and keeps its
  // first kSampleRows rows as the stored sample. InvalidArgument names the
  // line of a bad CSV.
  Result<ReferenceInfo> SetReference(const std::string& model, int64_t version, std::string_view csv);
  Result<ReferenceInfo> GetReference(const std::string& model, int64_t version);
  Result<std::string> GetReferenceSample(const std::string& model, int64_t version);

  // One ingestion pass, then one alert evaluation.
  Result<IngestStats> RunIngest();
  // The same every `interval` on a background thread.
  void StartIngest(std::chrono::milliseconds interval);
  void StopIngest();

  Result<std::vector<WindowInfo>> Windows(const std::string& deployment, int64_t from_ms, int64_t to_ms);
  // NotFound when the range has no served data, or the version no reference.
  Result<DeploymentDrift> Drift(const DriftQuery& query);
  // The same per window of the range.
  Result<DriftSeries> Series(const DriftQuery& query);

  // A batch of labels as the API receives it (see ParseLabels): stored whole
  // or, on a bad entry, not at all (InvalidArgument naming it).
  Result<LabelCounts> AddLabels(const std::string& deployment, const nlohmann::json& body);
  // Ground-truth performance of the predictions made in the range.
  Result<DeploymentPerformance> Performance(const PerformanceQuery& query);
  int64_t window_ms() const { return window_ms_; }

  // Alert rules (alert_rule.h): created or replaced together, atomically.
  Status PutAlertRules(const std::vector<AlertRule>& rules);
  Result<std::vector<AlertRule>> AlertRules() { return alerts_.Rules(); }
  Result<AlertRule> GetAlertRule(const std::string& name) { return alerts_.Rule(name); }
  Status DeleteAlertRule(const std::string& name) { return alerts_.DeleteRule(name); }
  // Every rule with its state (inactive and never evaluated when new).
  Result<std::vector<std::pair<AlertRule, AlertStatus>>> Alerts() { return alerts_.RulesWithStates(); }
  Result<std::vector<AlertEvent>> AlertHistory(const std::string& rule, int64_t limit) {
    return alerts_.History(rule, limit);
  }
  Status EvaluateAlerts() { return evaluator_.EvaluateAll(); }
  // Wiring, before StartIngest: who hears firing/resolved transitions, and
  // serving's request counts for error_rate.
  void SetAlertNotifier(AlertNotifier notifier) { evaluator_.SetNotifier(std::move(notifier)); }
  void SetRequestCounts(RequestCounts counts) { evaluator_.SetRequestCounts(std::move(counts)); }
  // ferry_alert_state / ferry_alert_firing / ferry_alert_value gauges in
  // Prometheus' text format.
  Result<std::string> RenderAlertMetrics();

 private:
  // The model version a query is about: as given, or the one with the most
  // rows in its range.
  Result<std::pair<std::string, int64_t>> VersionOf(const DriftQuery& query);

  MonitorStore store_;
  const Clock& clock_;
  const int64_t window_ms_;
  AlertStore alerts_;
  AlertEvaluator evaluator_;
  std::unique_ptr<PayloadIngester> ingester_;
};

}  // namespace ferry::monitoring
