#include "api/metrics.h"

#include <sstream>

namespace ferry::api {

void HttpMetrics::Observe(const std::string& route, std::string_view method,
                          int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, std::string(method), status}];
  auto key = std::make_pair(route, std::string(method));
  auto it = latency_.find(key);
  if (it == latency_.end()) it = latency_.emplace(key, Histogram(kBuckets)).first;
  it->second.Observe(seconds);
}

std::string HttpMetrics::Render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  out << "# HELP ferry_http_requests_total HTTP requests by route, method and "
         "status.\n# TYPE ferry_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out << "ferry_http_requests_total{route=\"" << EscapeLabel(route)
        << "\",method=\"" << method << "\",status=\"" << status << "\"} " << n
        << "\n";
  }
  out << "# HELP ferry_http_request_duration_seconds HTTP request latency.\n"
         "# TYPE ferry_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    h.Render(out, "ferry_http_request_duration_seconds",
             "route=\"" + EscapeLabel(key.first) + "\",method=\"" + key.second + "\"");
  }
  return out.str();
}

}  // namespace ferry::api
