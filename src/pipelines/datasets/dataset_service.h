// DatasetService: named, versioned datasets on the server. Registering a
// file or folder scans it (a manifest of SHA-256 digests), stores each file
// once in the content-addressed store, profiles its CSV tables, and records
// a new version in the metadata store (dataset_versions, migration 9) —
// unless its digest equals the latest version's, which is then returned
// as it is. A new version is announced (the pipelines' `dataset:` trigger).
// Diffs compare two versions' stored manifests and profiles: the files are
// not read again.
//
// Thread-safe (the Database is). Two registrations of the same new content
// at once make one version: the digest is compared again inside the
// writing transaction (on PostgreSQL a concurrent new version of the same
// name can still fail on the primary key; the caller sees the error).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "pipelines/datasets/dataset_diff.h"
#include "store/database.h"

namespace ferry::datasets {

struct DatasetVersion {
  std::string name;
  int64_t version = 0;
  std::string digest, source, description;
  uint64_t files = 0, bytes = 0;
  int64_t created_ms = 0;
};

struct DatasetDetail {
  DatasetVersion version;
  nlohmann::json manifest, profile;
};

struct Registered {
  DatasetVersion version;
  bool created = false;  // false: the content equals the latest version
};

// Called after a new version is stored.
using NewVersionFn = std::function<void(const DatasetVersion&)>;

class DatasetService {
 public:
  DatasetService(store::Database& db, const Clock& clock, std::string cas_root, NewVersionFn on_new = nullptr)
      : db_(db), clock_(clock), cas_root_(std::move(cas_root)), on_new_(std::move(on_new)) {}

  // `path`: an absolute file or folder on the server. InvalidArgument names
  // the field (name, path) or the file that cannot be taken.
  Result<Registered> Register(const std::string& name, const std::string& path, const std::string& description);
  Result<std::vector<DatasetVersion>> Datasets();  // the latest version of each, by name
  Result<std::vector<DatasetVersion>> Versions(const std::string& name);  // newest first; NotFound
  Result<DatasetDetail> Version(const std::string& name, int64_t version);  // 0: the latest
  Result<DatasetDiff> Diff(const std::string& name, int64_t a, int64_t b);
  // Recreates a version's files at `dest` (which must not exist).
  Status Materialize(const std::string& name, int64_t version, const std::string& dest);

 private:
  Result<std::vector<DatasetVersion>> Query(const std::string& where, const store::SqlParams& params);

  store::Database& db_;
  const Clock& clock_;
  std::string cas_root_;
  NewVersionFn on_new_;
};

}  // namespace ferry::datasets
