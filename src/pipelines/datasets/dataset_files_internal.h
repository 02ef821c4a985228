// File-system pieces shared by the dataset snapshot, blob store and
// profiler: owned descriptors, opening a file without leaving a root, and
// streaming reads. POSIX only. Not part of the public headers. Thread-safe
// (no shared state).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "pipelines/datasets/dataset_manifest.h"

namespace ferry::datasets::internal {

// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();

 private:
  int fd_ = -1;
};

// `s` quoted for an error message (long paths kept, bad bytes as '?').
std::string Quoted(std::string_view s);

// strerror(errno) text after `what`.
Status ErrnoStatus(StatusCode code, const std::string& what);

std::string JoinPath(const std::string& dir, std::string_view rel);

// realpath(3): NotFound when the path does not exist.
Result<std::string> RealPath(const std::string& path);

// Whether `real` (a resolved path) is `root_real` or below it.
bool IsWithin(const std::string& root_real, const std::string& real);

// Opens a regular file for reading, failing on anything else (a fifo is
// opened without blocking, then refused). `shown` names it in errors.
Result<Fd> OpenRegular(int dir_fd, const std::string& path, bool follow, const std::string& shown, struct stat* st);

// Opens the file `rel` of a dataset whose source is `source`: for a
// single-file dataset the file `source` itself; for a directory the file
// `rel` under it, resolving symlinks and refusing (InvalidArgument) a
// target outside the directory or that is not a regular file; NotFound when
// it is gone.
Result<Fd> OpenSourceFile(DatasetKind kind, const std::string& source, const std::string& rel, struct stat* st);

// Reads `fd` to its end in chunks of `buffer->size()` bytes, handing each
// to `chunk`; stops at the first error.
Status ReadChunks(int fd, std::string* buffer, const std::string& shown,
                  const std::function<Status(std::string_view)>& chunk);

// The SHA-256 (hex) and size of what `fd` holds from its current offset.
struct Digested {
  std::string sha256;
  uint64_t size = 0;
};
Result<Digested> DigestFd(int fd, std::string* buffer, const std::string& shown);

constexpr size_t kChunkBytes = 1 << 20;

}  // namespace ferry::datasets::internal
