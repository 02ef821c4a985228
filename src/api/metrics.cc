#include "api/metrics.h"

#include <sstream>

namespace ferry::api {
namespace {
std::string Escape(const std::string& label) {
  std::string out;
  for (char c : label) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

void HttpMetrics::Observe(const std::string& route, std::string_view method,
                          int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, std::string(method), status}];
  Histogram& h = latency_[{route, std::string(method)}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string HttpMetrics::Render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  out << "# HELP ferry_http_requests_total HTTP requests by route, method and "
         "status.\n# TYPE ferry_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out << "ferry_http_requests_total{route=\"" << Escape(route)
        << "\",method=\"" << method << "\",status=\"" << status << "\"} " << n
        << "\n";
  }
  out << "# HELP ferry_http_request_duration_seconds HTTP request latency.\n"
         "# TYPE ferry_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    std::string labels =
        "route=\"" + Escape(key.first) + "\",method=\"" + key.second + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out << "ferry_http_request_duration_seconds_bucket{" << labels
          << ",le=\"" << kBuckets[i] << "\"} " << h.counts[i] << "\n";
    }
    out << "ferry_http_request_duration_seconds_bucket{" << labels
        << ",le=\"+Inf\"} " << h.count << "\n";
    out << "ferry_http_request_duration_seconds_sum{" << labels << "} "
        << h.sum << "\n";
    out << "ferry_http_request_duration_seconds_count{" << labels << "} "
        << h.count << "\n";
  }
  return out.str();
}

}  // namespace ferry::api
