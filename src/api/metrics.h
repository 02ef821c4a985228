// HttpMetrics: request counts and latency histograms per route pattern (not
// per raw path, so cardinality stays bounded), rendered in Prometheus' text
// exposition format. Thread-safe (one mutex; an observation is a map lookup
// and a few increments).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "core/prometheus.h"

namespace ferry::api {

class HttpMetrics {
 public:
  void Observe(const std::string& route, std::string_view method, int status,
               double seconds);
  std::string Render() const;

  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
};

}  // namespace ferry::api
