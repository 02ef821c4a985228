// StepCache: skip a step whose command, environment, parameters and input
// contents are unchanged since a run that succeeded, and reuse that run's
// outputs (what DVC's run cache and Kubeflow's step caching do).
//
// The key is SHA-256 over the substituted command, env, params and `with`,
// and the path and content digest of every input (a directory: each file's
// relative path and digest, sorted). Entries live as small JSON files in a
// folder (<workspace>/.ferry/cache by default); an entry is a hit only while
// every output it names still exists. Thread-safe (files are written to a
// temporary name and renamed).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/status.h"
#include "pipelines/pipeline_spec.h"

namespace ferry::pipelines {

// The content digest (hex SHA-256) of a file, or of a directory tree.
// NotFound naming the path when it does not exist.
Result<std::string> ContentDigest(const std::string& path);

// What a step's cache key is made of, after substitution.
struct CacheInputs {
  std::vector<std::string> command;  // argv, or {"/bin/sh", "-c", shell}
  std::map<std::string, std::string> env, params, with;
  std::vector<std::string> inputs;  // absolute paths
};

// The key (hex SHA-256). NotFound naming an input that does not exist.
Result<std::string> CacheKey(const CacheInputs& what);

class StepCache {
 public:
  explicit StepCache(std::string dir) : dir_(std::move(dir)) {}

  // The outputs (name → absolute path) stored for `key`, when every one
  // still exists.
  std::optional<std::map<std::string, std::string>> Find(const std::string& key) const;
  Status Store(const std::string& key, const std::map<std::string, std::string>& outputs) const;

 private:
  std::string dir_;
};

}  // namespace ferry::pipelines
