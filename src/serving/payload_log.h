// PayloadLog: every sampled request and its answer, written asynchronously
// for monitoring. The data plane only moves a record into a bounded queue;
// when the queue is full the record is dropped and counted (serving never
// waits on logging). A writer thread appends each record as one JSON line
// to <dir>/<deployment>/<YYYY-MM-DD>T<HH>.jsonl (UTC hour of the request):
//   {"prediction_id", "time" (ms), "deployment", "model", "version", "role",
//    "inputs": {name: {"datatype", "shape", "data"}}, "outputs": {...}}
// Shadow answers are logged as their own records with role "shadow" and
// the primary's prediction id. Lines are flushed per batch, not fsynced: a
// crash can lose the last moments of the log, never a served answer.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "serving/tensor.h"

namespace ferry::serving {

struct PayloadRecord {
  std::string prediction_id;
  int64_t time_ms = 0;
  std::string deployment;
  std::string model;
  int64_t version = 0;
  std::string role;
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs;
};

class PayloadLog {
 public:
  // `on_drop` is called for each dropped record (metrics).
  PayloadLog(std::string dir, size_t capacity = 8192, std::function<void()> on_drop = nullptr);
  ~PayloadLog();
  PayloadLog(const PayloadLog&) = delete;
  PayloadLog& operator=(const PayloadLog&) = delete;

  // Queues `record`; false (and counted) when the queue is full or closed.
  bool TryPush(PayloadRecord record);
  // Waits until everything queued so far is written (tests, shutdown).
  void Flush();
  uint64_t written() const { return written_.load(); }
  uint64_t dropped() const { return dropped_.load(); }
  const std::string& dir() const { return dir_; }

 private:
  void Loop();
  void Write(std::vector<PayloadRecord>& batch);

  const std::string dir_;
  const size_t capacity_;
  std::function<void()> on_drop_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable flushed_cv_;
  std::deque<PayloadRecord> queue_;  // guarded by mu_
  uint64_t pushed_ = 0;              // guarded by mu_
  uint64_t done_ = 0;                // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace ferry::serving
