// ArtifactStore: files of runs and models, addressed by relative paths such
// as "<experiment>/<run>/artifacts/model/model.json".
//
// Every path is checked before use: absolute paths, "..", ".", empty
// segments, backslashes, NUL bytes and symlinks that lead out of the root
// are rejected with kInvalidArgument. Writes go to a temporary file and are
// renamed into place on Commit, so a reader never sees half a file; the
// SHA-256 and size are computed while streaming. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ferry::artifacts {

struct FileDigest {
  uint64_t size = 0;
  std::string sha256;  // lowercase hex
};

// Streams one upload. Destroying it without Commit discards the data.
class ArtifactWriter {
 public:
  virtual ~ArtifactWriter() = default;
  virtual Status Write(const char* data, size_t size) = 0;
  // Makes the file visible at its path (replacing an older one).
  virtual Result<FileDigest> Commit() = 0;
};

struct ArtifactEntry {
  std::string path;  // relative to the listed directory's root
  bool is_dir = false;
  uint64_t size = 0;
};

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;
  virtual Result<std::unique_ptr<ArtifactWriter>> OpenWriter(
      std::string_view path) = 0;
  // The local file that holds `path`, for zero-copy sending; kNotFound when
  // it does not exist or is a directory.
  virtual Result<std::string> LocalFile(std::string_view path) = 0;
  // The direct children of directory `path` ("" = the root). A missing
  // directory lists as empty, as in MLflow.
  virtual Result<std::vector<ArtifactEntry>> List(std::string_view path) = 0;
  virtual Status Delete(std::string_view path) = 0;
};

// Checks a relative artifact path lexically and returns it normalised (no
// leading/trailing slash). "" is allowed only when `allow_root`.
Result<std::string> CheckRelativePath(std::string_view path, bool allow_root);

}  // namespace ferry::artifacts
