// PayloadIngester: turns the serving payload log (JSON lines written by
// serving/payload_log.h under <dir>/<deployment>/<hour>.jsonl) into window
// profiles (hourly by default) of each model version's inputs and outputs,
// and the prediction index labels join on, in the MonitorStore.
//
// A pass reads every file from its stored cursor up to its last complete
// line (the writer may be mid-line), in chunks, and stores each chunk's
// window profiles and predictions with the new cursor in one transaction: a crash
// never loses or double-counts a line. Lines that are not valid records are
// skipped and counted. Columns: a tensor of shape [n] or [n, 1] is one column
// named after it; a [n, k] tensor's columns take the names of the version's
// reference columns (the k not named after another tensor) or else
// "name[i]". Values follow WindowProfiler's rules.
//
// Thread safety: RunOnce is serialised internally; Start runs passes on a
// background thread every `interval` until Stop or destruction.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "monitoring/monitor_store.h"
#include "monitoring/payload_records.h"

namespace ferry::monitoring {


class PayloadIngester {
 public:
  static constexpr size_t kChunkBytes = 32 << 20;

  PayloadIngester(std::string payload_dir, MonitorStore& store, int64_t window_ms = kDefaultWindowMillis)
      : dir_(std::move(payload_dir)), store_(store), window_ms_(window_ms) {}
  ~PayloadIngester() { Stop(); }
  PayloadIngester(const PayloadIngester&) = delete;
  PayloadIngester& operator=(const PayloadIngester&) = delete;

  // Reads everything new now.
  Result<IngestStats> RunOnce();
  // `after_pass`, when given, runs on the background thread after each pass.
  void Start(std::chrono::milliseconds interval, std::function<void()> after_pass = nullptr);
  void Stop();

 private:
  Status IngestFile(const std::string& deployment, const std::string& file, const ReferenceLookup& lookup,
                    IngestStats* stats);

  const std::string dir_;
  MonitorStore& store_;
  const int64_t window_ms_;
  std::mutex pass_mu_;  // one pass at a time
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ferry::monitoring
