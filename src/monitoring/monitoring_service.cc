#include "monitoring/monitoring_service.h"

#include <algorithm>
#include <map>

#include "monitoring/csv_reader.h"

namespace ferry::monitoring {

namespace {

// The header and the first `rows` rows of a CSV (line-based: a quoted cell
// with a line break may be cut; the sample is for people, not for tests).
std::string Head(std::string_view csv, size_t rows) {
  size_t end = 0;
  for (size_t line = 0; line <= rows && end < csv.size(); ++line) {
    size_t nl = csv.find('\n', end);
    end = nl == std::string_view::npos ? csv.size() : nl + 1;
  }
  return std::string(csv.substr(0, end));
}

}  // namespace

MonitoringService::MonitoringService(store::Database& db, const Clock& clock, std::string payload_dir)
    : store_(db, clock), clock_(clock) {
  if (!payload_dir.empty()) ingester_ = std::make_unique<PayloadIngester>(std::move(payload_dir), store_);
}

Result<ReferenceInfo> MonitoringService::SetReference(const std::string& model, int64_t version,
                                                      std::string_view csv) {
  ASSIGN_OR_RETURN(Table table, ParseCsv(csv));
  if (table.rows == 0) return InvalidArgument("the reference CSV has a header but no rows");
  Profile profile = ProfileOf(table);
  RETURN_IF_ERROR(store_.PutReference(model, version, profile, Head(csv, kSampleRows)));
  return ReferenceInfo{std::move(profile), static_cast<int64_t>(table.rows), clock_.NowMillis()};
}

Result<ReferenceInfo> MonitoringService::GetReference(const std::string& model, int64_t version) {
  return store_.GetReference(model, version);
}

Result<std::string> MonitoringService::GetReferenceSample(const std::string& model, int64_t version) {
  return store_.GetReferenceSample(model, version);
}

Result<IngestStats> MonitoringService::RunIngest() {
  if (!ingester_) return FailedPrecondition("this server keeps no payload log (--payload-dir)");
  return ingester_->RunOnce();
}

void MonitoringService::StartIngest(std::chrono::milliseconds interval) {
  if (ingester_) ingester_->Start(interval);
}

void MonitoringService::StopIngest() {
  if (ingester_) ingester_->Stop();
}

Result<std::vector<WindowInfo>> MonitoringService::Windows(const std::string& deployment, int64_t from_ms,
                                                           int64_t to_ms) {
  return store_.ListWindows(deployment, from_ms, to_ms);
}

Result<std::pair<std::string, int64_t>> MonitoringService::VersionOf(const DriftQuery& q) {
  if (q.to_ms <= q.from_ms) return InvalidArgument("'to' must be after 'from'");
  if (q.model && q.version) return std::pair{*q.model, *q.version};
  ASSIGN_OR_RETURN(std::vector<WindowInfo> windows, store_.ListWindows(q.deployment, q.from_ms, q.to_ms));
  std::map<std::pair<std::string, int64_t>, int64_t> rows;
  for (const WindowInfo& w : windows) {
    if ((!q.model || w.model == *q.model) && (!q.version || w.version == *q.version)) {
      rows[{w.model, w.version}] += w.rows;
    }
  }
  if (rows.empty()) {
    return NotFound("deployment '" + q.deployment + "' has no monitored data in that time range");
  }
  auto most = std::max_element(rows.begin(), rows.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return most->first;
}

Result<DeploymentDrift> MonitoringService::Drift(const DriftQuery& q) {
  ASSIGN_OR_RETURN(auto version, VersionOf(q));
  DeploymentDrift out{version.first, version.second, q.from_ms, q.to_ms, {}};
  ASSIGN_OR_RETURN(ReferenceInfo reference, store_.GetReference(out.model, out.version));
  ASSIGN_OR_RETURN(Profile current, store_.MergedWindows(q.deployment, out.model, out.version, q.from_ms, q.to_ms));
  ASSIGN_OR_RETURN(out.report, ComputeProfileDrift(reference.profile, current, q.options));
  return out;
}

Result<DriftSeries> MonitoringService::Series(const DriftQuery& q) {
  ASSIGN_OR_RETURN(auto version, VersionOf(q));
  DriftSeries out{version.first, version.second, {}};
  ASSIGN_OR_RETURN(ReferenceInfo reference, store_.GetReference(out.model, out.version));
  ASSIGN_OR_RETURN(auto windows, store_.WindowProfiles(q.deployment, out.model, out.version, q.from_ms, q.to_ms));
  for (const auto& [w, current] : windows) {
    ASSIGN_OR_RETURN(DriftReport report, ComputeProfileDrift(reference.profile, current, q.options));
    out.windows.push_back({w.start_ms, w.end_ms, w.rows, std::move(report)});
  }
  return out;
}

}  // namespace ferry::monitoring
