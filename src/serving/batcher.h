// Batcher: dynamic batching for one loaded model version.
//
// Requests queue; each of `instances` threads takes the requests at the head
// of the queue (up to `max_batch_size` rows, waiting at most
// `max_queue_delay_us` after the oldest arrived for more to come),
// concatenates their inputs along dimension 0, runs the model once and
// splits the outputs back, answering each request in arrival order. A
// request larger than `max_batch_size` rows runs alone. When `max_queue`
// requests wait, Submit refuses with kResourceExhausted at once (the API
// answers 429 + Retry-After) instead of letting latency grow.
//
// Caller runs (`run_inline`, for cheap native models): when the batcher is
// entirely idle — nothing queued, no instance running — Submit runs the
// request on the caller's thread, saving the two thread wake-ups a hand-off
// costs. As soon as requests overlap they queue and batch as above, so
// inline runs never take batching away under load.
//
// Stop lets queued requests finish, then joins the threads; requests
// submitted after Stop get kUnavailable. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "core/status.h"
#include "serving/tensor.h"

namespace ferry::serving {

struct BatchOptions {
  int max_batch_size = 64;     // rows
  int max_queue_delay_us = 0;  // 0 = batch only what is already waiting
  int instances = 1;           // parallel model instances (threads)
  int max_queue = 1024;        // waiting requests
  bool run_inline = false;     // caller runs when idle (see above)
};

// What one batch cost, for metrics.
struct BatchTiming {
  int64_t rows = 0;
  int requests = 0;
  double compute_seconds = 0;
};

class Batcher {
 public:
  using Outputs = Result<std::vector<Tensor>>;
  // Called exactly once per accepted request, on a batcher thread, with
  // the seconds the request waited in the queue.
  using Done = std::function<void(Outputs outputs, double queue_seconds)>;
  // Runs one batch on instance `instance` (0 ≤ instance < instances).
  using RunFn = std::function<Outputs(int instance, std::span<const Tensor> inputs)>;
  using ObserveFn = std::function<void(const BatchTiming&)>;

  Batcher(BatchOptions options, RunFn run, ObserveFn observe = nullptr);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // `inputs` must all have the same rows (checked by the caller).
  Status Submit(std::vector<Tensor> inputs, Done done);
  void Stop();
  const BatchOptions& options() const { return options_; }
  size_t queued() const;

 private:
  struct Pending {
    std::vector<Tensor> inputs;
    int64_t rows;
    Done done;
    std::chrono::steady_clock::time_point arrived;
  };
  void Loop();
  // Runs `pending` alone on the caller's thread with `instance`.
  void RunInline(int instance, Pending pending);
  std::vector<Pending> TakeBatch(std::unique_lock<std::mutex>& lock);
  void RunBatch(int instance, std::vector<Pending>& batch);

  const BatchOptions options_;
  RunFn run_;
  ObserveFn observe_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  int64_t queued_rows_ = 0;    // guarded by mu_
  bool forming_ = false;       // a thread is waiting to fill a batch; guarded by mu_
  std::vector<int> idle_;      // instances not running a batch; guarded by mu_
  size_t instances_ = 1;
  bool stopping_ = false;      // guarded by mu_
  std::mutex stop_mu_;                 // serializes Stop
  std::vector<std::thread> threads_;  // guarded by stop_mu_ after construction
};

}  // namespace ferry::serving
