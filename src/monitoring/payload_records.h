// Parsing the payload log's JSON lines (simdjson on-demand) into window
// profiles (hourly by default) per deployment, model and version, and the
// prediction index that ground-truth labels join on. Used by the ingester
// and by the ingestion benchmark. Thread-compatible (pure but for `stats`).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "monitoring/monitor_store.h"

namespace ferry::monitoring {

struct IngestStats {
  uint64_t files = 0;
  uint64_t records = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t skipped_lines = 0;
  uint64_t windows = 0;
};

constexpr int64_t kDefaultWindowMillis = 3600 * 1000;

struct ProfiledLines {
  std::vector<WindowUpdate> windows;
  std::vector<PredictionRow> predictions;  // records with a prediction id
};

// The version's reference profile, or null when it has none.
using ReferenceLookup = std::function<const Profile*(const std::string& model, int64_t version)>;

// Profiles complete JSON lines (each ending in '\n') into windows of
// `window_ms` aligned to the epoch. Lines that are not payload records are
// skipped and counted in `stats`.
ProfiledLines ProfileRecords(std::string_view lines, const ReferenceLookup& reference_of, IngestStats* stats,
                             int64_t window_ms = kDefaultWindowMillis);

// The same on `threads` slices of whole lines, merged. `reference_of` is
// called under a lock.
ProfiledLines ProfileRecordsParallel(std::string_view lines, const ReferenceLookup& reference_of,
                                     IngestStats* stats, int threads, int64_t window_ms = kDefaultWindowMillis);

}  // namespace ferry::monitoring
