// Serving metrics in Prometheus' text format, per deployment, model and
// version: requests by role and status code, latency histograms (total,
// time in the batch queue, model compute per batch) and batch sizes.
// Thread-safe (one mutex; an observation is a map lookup and a few adds).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/prometheus.h"
#include "core/status.h"
#include "serving/batcher.h"

namespace ferry::serving {

// A histogram's state: bucket upper bounds with cumulative counts (the last,
// +Inf, bucket is `count`), and the sum of the observations.
struct HistogramSnapshot {
  std::vector<double> bounds;
  std::vector<uint64_t> cumulative;
  uint64_t count = 0;
  double sum = 0;
};

// One model version's serving counters inside a deployment.
struct VersionStats {
  std::string model;
  int64_t version = 0;
  // role (primary, canary, shadow) -> status code name (OK, INTERNAL, ...) -> requests.
  std::map<std::string, std::map<std::string, uint64_t>> requests;
  HistogramSnapshot latency;  // total seconds of the successful requests
  HistogramSnapshot queue;    // seconds in the batch queue
};

class ServingMetrics {
 public:
  void ObserveRequest(const std::string& deployment, const std::string& model, int64_t version,
                      std::string_view role, StatusCode code, double total_seconds,
                      double queue_seconds);
  void ObserveBatch(const std::string& model, int64_t version, const BatchTiming& timing);
  // A deployment's requests so far: {all, failed with a server error (5xx)}.
  std::pair<uint64_t, uint64_t> RequestTotals(const std::string& deployment) const;
  // `dropped_payloads`: the payload log's count of dropped records.
  std::string Render(uint64_t dropped_payloads) const;
  // The counters of every model version that served `deployment`, by model and version.
  std::vector<VersionStats> DeploymentStats(const std::string& deployment) const;

 private:
  struct RequestSeries {
    Histogram total{kLatencyBuckets};
    Histogram queue{kLatencyBuckets};
  };
  struct BatchSeries {
    Histogram compute{kLatencyBuckets};
    Histogram size{kBatchBuckets};
  };
  static constexpr double kBatchBuckets[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  using Model = std::pair<std::string, int64_t>;
  using Series = std::tuple<std::string, std::string, int64_t>;  // deployment, model, version

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int64_t, std::string, StatusCode>, uint64_t>
      requests_;
  std::map<Series, RequestSeries> latency_;
  std::map<Model, BatchSeries> batches_;
};

}  // namespace ferry::serving
