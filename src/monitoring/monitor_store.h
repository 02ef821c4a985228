// MonitorStore: monitoring's rows in the metadata store — reference
// profiles per model version (with a sample of the reference rows as CSV),
// window profiles of served data per deployment and model version, the
// ingestion cursor of each payload-log file, the prediction index and the
// ground-truth labels joined on it.
//
// AddWindows merges each window into the stored one and moves the cursors in
// one transaction, so a crash between reading a log and storing its profile
// neither loses nor double-counts rows. Thread-safe (the Database is).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "monitoring/profile.h"
#include "store/database.h"

namespace ferry::monitoring {

// The start of the window of length `window_ms` (aligned to the epoch) that
// holds `time_ms`; correct for times before the epoch too.
inline int64_t WindowStart(int64_t time_ms, int64_t window_ms) {
  return time_ms - ((time_ms % window_ms) + window_ms) % window_ms;
}

struct WindowKey {
  std::string deployment;
  std::string model;
  int64_t version = 0;
  int64_t start_ms = 0;  // the hour's start (UTC)
};

struct WindowUpdate {
  WindowKey key;
  Profile profile;
};

// One logged request, for joining labels: its outputs as the JSON object the
// log holds ({name: {"shape", "data"}}), re-serialised compactly.
struct PredictionRow {
  std::string deployment, prediction_id, model;
  int64_t version = 0;
  std::string role;
  int64_t time_ms = 0;
  int64_t rows = 0;
  std::string outputs;
};

// A label as sent: `label` is its JSON text (a number or a string).
struct LabelEntry {
  std::string prediction_id;
  int64_t row = 0;
  std::string label;
};

struct LabelCounts {
  int64_t accepted = 0;
  int64_t matched = 0;  // whose prediction is already indexed
};

// A label joined with its prediction.
struct LabelledPrediction {
  std::string prediction_id;
  std::string model;
  int64_t version = 0;
  std::string role;
  int64_t time_ms = 0;
  int64_t rows = 0;  // of the request
  std::string outputs;
  int64_t row = 0;
  std::string label;
  int64_t received_ms = 0;
};

struct CursorUpdate {
  std::string path;
  int64_t position = 0;
};

struct WindowInfo {
  std::string model;
  int64_t version = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t rows = 0;
};

struct ReferenceInfo {
  Profile profile;
  int64_t rows = 0;
  int64_t created_ms = 0;
};

class MonitorStore {
 public:
  MonitorStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Replaces the version's reference.
  Status PutReference(const std::string& model, int64_t version, const Profile& profile,
                      const std::string& sample_csv);
  // NotFound naming the version when it has no reference.
  Result<ReferenceInfo> GetReference(const std::string& model, int64_t version);
  Result<std::string> GetReferenceSample(const std::string& model, int64_t version);

  // Merges the windows, indexes the predictions (a prediction already
  // indexed is kept) and moves the cursors, in one transaction.
  Status AddWindows(const std::vector<WindowUpdate>& windows, const std::vector<PredictionRow>& predictions,
                    const std::vector<CursorUpdate>& cursors);
  // The position reached in a payload-log file; 0 when never read.
  Result<int64_t> Cursor(const std::string& path);

  // Windows of a deployment starting in [from_ms, to_ms), oldest first.
  Result<std::vector<WindowInfo>> ListWindows(const std::string& deployment, int64_t from_ms, int64_t to_ms);
  // One model version's windows starting in [from_ms, to_ms), oldest first,
  // each with its profile.
  Result<std::vector<std::pair<WindowInfo, Profile>>> WindowProfiles(const std::string& deployment,
                                                                     const std::string& model, int64_t version,
                                                                     int64_t from_ms, int64_t to_ms);
  // The same, merged.
  // NotFound when there are none.
  Result<Profile> MergedWindows(const std::string& deployment, const std::string& model, int64_t version,
                                int64_t from_ms, int64_t to_ms);

  // Stores labels in one transaction (a label sent again replaces the
  // earlier one).
  Result<LabelCounts> AddLabels(const std::string& deployment, const std::vector<LabelEntry>& labels);
  // Labels joined with predictions made in [from_ms, to_ms), by prediction
  // time, the rows of one request together. `model` empty: every version.
  Result<std::vector<LabelledPrediction>> LabelledPredictions(const std::string& deployment, const std::string& model,
                                                              int64_t version, int64_t from_ms, int64_t to_ms);
  // The first output tensor's name of the version's latest indexed
  // prediction; empty when none.
  Result<std::string> OutputName(const std::string& deployment, const std::string& model, int64_t version);
  // Labels received in [from_ms, to_ms) that match no indexed prediction.
  Result<int64_t> UnmatchedLabels(const std::string& deployment, int64_t from_ms, int64_t to_ms);

 private:
  Status MergeWindow(store::SqlConnection& conn, const WindowUpdate& w);
  Status IndexPredictions(store::SqlConnection& conn, const std::vector<PredictionRow>& predictions);

  store::Database& db_;
  const Clock& clock_;
};

// Profile bytes as text for the store (base64), and back.
std::string EncodeProfile(const Profile& profile);
Result<Profile> DecodeProfile(const std::string& text);

}  // namespace ferry::monitoring
