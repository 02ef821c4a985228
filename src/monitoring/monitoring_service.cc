#include "monitoring/monitoring_service.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/log.h"
#include "core/prometheus.h"
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

MonitoringService::MonitoringService(store::Database& db, const Clock& clock, std::string payload_dir,
                                     int64_t window_ms)
    : store_(db, clock),
      clock_(clock),
      window_ms_(window_ms),
      alerts_(db, clock),
      evaluator_(store_, alerts_, clock, window_ms) {
  if (!payload_dir.empty()) {
    ingester_ = std::make_unique<PayloadIngester>(std::move(payload_dir), store_, window_ms);
  }
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
  ASSIGN_OR_RETURN(IngestStats stats, ingester_->RunOnce());
  RETURN_IF_ERROR(evaluator_.EvaluateAll());
  return stats;
}

void MonitoringService::StartIngest(std::chrono::milliseconds interval) {
  if (!ingester_) return;
  ingester_->Start(interval, [this] {
    Status st = evaluator_.EvaluateAll();
    if (!st.ok()) Log(LogLevel::kError, "alert evaluation failed", {{"error", st.message()}});
  });
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

Result<LabelCounts> MonitoringService::AddLabels(const std::string& deployment, const nlohmann::json& body) {
  ASSIGN_OR_RETURN(std::vector<LabelEntry> labels, ParseLabels(body));
  return store_.AddLabels(deployment, labels);
}

Result<DeploymentPerformance> MonitoringService::Performance(const PerformanceQuery& q) {
  if (q.to_ms <= q.from_ms) return InvalidArgument("'to' must be after 'from'");
  if (q.model.has_value() != q.version.has_value()) return InvalidArgument("give both 'model' and 'version', or neither");
  DeploymentPerformance out{q.from_ms, q.to_ms, 0, {}};
  ASSIGN_OR_RETURN(auto rows, store_.LabelledPredictions(q.deployment, q.model.value_or(""), q.version.value_or(0),
                                                         q.from_ms, q.to_ms));
  GroundTruthOptions options = q.options;
  if (options.window_ms <= 0) options.window_ms = window_ms_;
  ASSIGN_OR_RETURN(out.versions, PerformanceOf(rows, options));
  ASSIGN_OR_RETURN(out.unmatched_labels, store_.UnmatchedLabels(q.deployment, q.from_ms, q.to_ms));
  return out;
}

Status MonitoringService::PutAlertRules(const std::vector<AlertRule>& rules) {
  std::set<std::string> names;
  for (const AlertRule& r : rules) {
    if (!names.insert(r.name).second) return InvalidArgument("alert rule '" + r.name + "' is given twice");
  }
  return alerts_.PutRules(rules);
}

Result<std::string> MonitoringService::RenderAlertMetrics() {
  ASSIGN_OR_RETURN(auto alerts, Alerts());
  std::string state = "# HELP ferry_alert_state Monitoring alert rule state: 0 inactive, 1 pending, 2 firing.\n"
                      "# TYPE ferry_alert_state gauge\n";
  std::string firing = "# HELP ferry_alert_firing 1 while the alert rule fires.\n# TYPE ferry_alert_firing gauge\n";
  std::string value = "# HELP ferry_alert_value The alert rule's metric on its newest evaluated window.\n"
                      "# TYPE ferry_alert_value gauge\n";
  for (const auto& [rule, status] : alerts) {
    std::string labels = "{rule=\"" + EscapeLabel(rule.name) + "\",deployment=\"" + EscapeLabel(rule.deployment) +
                         "\",severity=\"" + std::string(SeverityName(rule.severity)) + "\"}";
    state += "ferry_alert_state" + labels + " " + std::to_string(static_cast<int>(status.state)) + "\n";
    firing += "ferry_alert_firing" + labels + " " + (status.state == AlertState::kFiring ? "1" : "0") + "\n";
    if (status.value && std::isfinite(*status.value)) {
      char number[32];
      std::snprintf(number, sizeof number, "%.17g", *status.value);
      value += "ferry_alert_value" + labels + " " + number + "\n";
    }
  }
  return state + firing + value;
}

}  // namespace ferry::monitoring
