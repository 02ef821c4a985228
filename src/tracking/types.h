// Experiment-tracking entities, shaped as MLflow's data model so that the
// MLflow-compatible API is a rendering of these structs and nothing more.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::tracking {

struct Tag {
  std::string key;
  std::string value;
};

struct Param {
  std::string key;
  std::string value;
};

struct Metric {
  std::string key;
  double value = 0;  // may be NaN or ±inf; stored faithfully
  int64_t timestamp = 0;
  int64_t step = 0;
};

struct Experiment {
  int64_t experiment_id = 0;
  std::string name;
  std::string artifact_location;
  std::string lifecycle_stage;  // "active" | "deleted"
  int64_t creation_time = 0;
  int64_t last_update_time = 0;
  std::vector<Tag> tags;
};

struct RunInfo {
  std::string run_id;
  int64_t experiment_id = 0;
  std::string run_name;
  std::string user_id;
  std::string status;  // RUNNING, SCHEDULED, FINISHED, FAILED, KILLED
  int64_t start_time = 0;
  std::optional<int64_t> end_time;
  std::string artifact_uri;
  std::string lifecycle_stage;
};

struct Dataset {
  std::string name;
  std::string digest;
  std::string source_type;
  std::string source;
  std::string schema;
  std::string profile;
};

// An uploaded artifact file's size and SHA-256 (path in the artifact store).
struct ArtifactDigest {
  std::string path;
  int64_t size = 0;
  std::string sha256;
};

struct DatasetInput {
  Dataset dataset;
  std::vector<Tag> tags;
};

struct Run {
  RunInfo info;
  std::vector<Metric> metrics;  // the latest value of each key
  std::vector<Param> params;
  std::vector<Tag> tags;
  std::vector<DatasetInput> inputs;
};

// The keys the runs of some experiments use (the runs table's column choices).
struct RunKeys {
  std::vector<std::string> metrics;
  std::vector<std::string> params;
  std::vector<std::string> tags;
};

inline constexpr const char* kActive = "active";
inline constexpr const char* kDeleted = "deleted";

}  // namespace ferry::tracking
