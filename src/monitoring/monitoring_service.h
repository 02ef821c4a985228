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
#include "monitoring/drift.h"
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

class MonitoringService {
 public:
  static constexpr size_t kSampleRows = 5000;

  // `payload_dir` empty: no ingestion (RunIngest answers FailedPrecondition).
  MonitoringService(store::Database& db, const Clock& clock, std::string payload_dir);

  // Profiles a CSV (header row) as the version's reference and keeps its
  // first kSampleRows rows as the stored sample. InvalidArgument names the
  // line of a bad CSV.
  Result<ReferenceInfo> SetReference(const std::string& model, int64_t version, std::string_view csv);
  Result<ReferenceInfo> GetReference(const std::string& model, int64_t version);
  Result<std::string> GetReferenceSample(const std::string& model, int64_t version);

  Result<IngestStats> RunIngest();
  void StartIngest(std::chrono::milliseconds interval);
  void StopIngest();

  Result<std::vector<WindowInfo>> Windows(const std::string& deployment, int64_t from_ms, int64_t to_ms);
  // NotFound when the range has no served data, or the version no reference.
  Result<DeploymentDrift> Drift(const DriftQuery& query);
  // The same per hourly window of the range.
  Result<DriftSeries> Series(const DriftQuery& query);

 private:
  // The model version a query is about: as given, or the one with the most
  // rows in its range.
  Result<std::pair<std::string, int64_t>> VersionOf(const DriftQuery& query);

  MonitorStore store_;
  const Clock& clock_;
  std::unique_ptr<PayloadIngester> ingester_;
};

}  // namespace ferry::monitoring
