#include "serving/serving_metrics.h"

#include <sstream>

namespace ferry::serving {
namespace {

std::string ModelLabels(const std::string& model, int64_t version) {
  return "model=\"" + EscapeLabel(model) + "\",version=\"" + std::to_string(version) + "\"";
}

HistogramSnapshot Snapshot(const Histogram& h) {
  HistogramSnapshot out;
  out.bounds.assign(h.bounds().begin(), h.bounds().end());
  out.cumulative = h.cumulative_counts();
  out.count = h.count();
  out.sum = h.sum();
  return out;
}

}  // namespace

void ServingMetrics::ObserveRequest(const std::string& deployment, const std::string& model,
                                    int64_t version, std::string_view role, StatusCode code,
                                    double total_seconds, double queue_seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{deployment, model, version, std::string(role), code}];
  if (code != StatusCode::kOk) return;
  RequestSeries& s = latency_[{deployment, model, version}];
  s.total.Observe(total_seconds);
  s.queue.Observe(queue_seconds);
}

std::pair<uint64_t, uint64_t> ServingMetrics::RequestTotals(const std::string& deployment) const {
  std::lock_guard lock(mu_);
  std::pair<uint64_t, uint64_t> totals{0, 0};
  for (auto it = requests_.lower_bound({deployment, "", 0, "", StatusCode::kOk});
       it != requests_.end() && std::get<0>(it->first) == deployment; ++it) {
    totals.first += it->second;
    StatusCode code = std::get<4>(it->first);
    if (code == StatusCode::kInternal || code == StatusCode::kUnavailable) totals.second += it->second;
  }
  return totals;
}

void ServingMetrics::ObserveBatch(const std::string& model, int64_t version,
                                  const BatchTiming& timing) {
  std::lock_guard lock(mu_);
  BatchSeries& s = batches_[{model, version}];
  s.compute.Observe(timing.compute_seconds);
  s.size.Observe(static_cast<double>(timing.rows));
}

std::vector<VersionStats> ServingMetrics::DeploymentStats(const std::string& deployment) const {
  std::lock_guard lock(mu_);
  std::map<Model, VersionStats> by_version;
  auto entry = [&](const std::string& model, int64_t version) -> VersionStats& {
    VersionStats& v = by_version[{model, version}];
    v.model = model;
    v.version = version;
    return v;
  };
  for (auto it = requests_.lower_bound({deployment, "", 0, "", StatusCode::kOk});
       it != requests_.end() && std::get<0>(it->first) == deployment; ++it) {
    const auto& [name, model, version, role, code] = it->first;
    entry(model, version).requests[role][std::string(StatusCodeName(code))] += it->second;
  }
  for (auto it = latency_.lower_bound({deployment, "", 0});
       it != latency_.end() && std::get<0>(it->first) == deployment; ++it) {
    VersionStats& v = entry(std::get<1>(it->first), std::get<2>(it->first));
    v.latency = Snapshot(it->second.total);
    v.queue = Snapshot(it->second.queue);
  }
  std::vector<VersionStats> out;
  out.reserve(by_version.size());
  for (auto& [key, v] : by_version) {
    if (v.latency.bounds.empty()) v.latency = Snapshot(Histogram(kLatencyBuckets));
    if (v.queue.bounds.empty()) v.queue = Snapshot(Histogram(kLatencyBuckets));
    out.push_back(std::move(v));
  }
  return out;
}

std::string ServingMetrics::Render(uint64_t dropped_payloads) const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  out << "# HELP ferry_inference_requests_total Inference requests by deployment, model "
         "version, arm and status code.\n# TYPE ferry_inference_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [deployment, model, version, role, code] = key;
    out << "ferry_inference_requests_total{deployment=\"" << EscapeLabel(deployment) << "\","
        << ModelLabels(model, version) << ",role=\"" << role << "\",code=\""
        << StatusCodeName(code) << "\"} " << n << "\n";
  }
  const std::pair<const char*, const char*> kLatency[] = {
      {"ferry_inference_request_duration_seconds", "Time from request to answer"},
      {"ferry_inference_queue_duration_seconds", "Time a request waited for its batch"}};
  for (int which = 0; which < 2; ++which) {
    out << "# HELP " << kLatency[which].first << " " << kLatency[which].second
        << " (successful requests).\n# TYPE " << kLatency[which].first << " histogram\n";
    for (const auto& [key, s] : latency_) {
      const auto& [deployment, model, version] = key;
      std::string labels = "deployment=\"" + EscapeLabel(deployment) + "\"," +
                           ModelLabels(model, version);
      (which == 0 ? s.total : s.queue).Render(out, kLatency[which].first, labels);
    }
  }
  out << "# HELP ferry_inference_compute_duration_seconds Model time per batch.\n"
         "# TYPE ferry_inference_compute_duration_seconds histogram\n";
  for (const auto& [key, s] : batches_) {
    s.compute.Render(out, "ferry_inference_compute_duration_seconds",
                     ModelLabels(key.first, key.second));
  }
  out << "# HELP ferry_inference_batch_size Rows per batch the model ran.\n"
         "# TYPE ferry_inference_batch_size histogram\n";
  for (const auto& [key, s] : batches_) {
    s.size.Render(out, "ferry_inference_batch_size", ModelLabels(key.first, key.second));
  }
  out << "# HELP ferry_payload_logs_dropped_total Payload log records dropped because the "
         "log queue was full.\n# TYPE ferry_payload_logs_dropped_total counter\n"
      << "ferry_payload_logs_dropped_total " << dropped_payloads << "\n";
  return out.str();
}

}  // namespace ferry::serving
