#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "core/sha256.h"
#include "core/text.h"
#include "pipelines/datasets/dataset_files_internal.h"

namespace ferry::datasets::internal {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

int Fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

std::string Quoted(std::string_view s) { return QuotedForMessage(s, 200); }

Status ErrnoStatus(StatusCode code, const std::string& what) {
  return Status(code, what + ": " + std::strerror(errno));
}

std::string JoinPath(const std::string& dir, std::string_view rel) {
  if (dir.empty()) return std::string(rel);
  std::string out = dir;
  if (out.back() != '/') out += '/';
  out += rel;
  return out;
}

Result<std::string> RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) {
    StatusCode code = errno == ENOENT || errno == ENOTDIR ? StatusCode::kNotFound : StatusCode::kInvalidArgument;
    return ErrnoStatus(code, "cannot resolve " + Quoted(path));
  }
  return std::string(buf);
}

bool IsWithin(const std::string& root_real, const std::string& real) {
  if (real == root_real) return true;
  std::string prefix = root_real == "/" ? "/" : root_real + "/";
  return real.starts_with(prefix);
}

Result<Fd> OpenRegular(int dir_fd, const std::string& path, bool follow, const std::string& shown, struct stat* st) {
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
  Fd fd(::openat(dir_fd, path.c_str(), flags));
  if (!fd.valid()) {
    StatusCode code = errno == ENOENT  ? StatusCode::kNotFound
                      : errno == ELOOP ? StatusCode::kInvalidArgument
                                       : StatusCode::kInternal;
    return ErrnoStatus(code, "cannot open " + Quoted(shown));
  }
  if (::fstat(fd.get(), st) != 0) return ErrnoStatus(StatusCode::kInternal, "cannot stat " + Quoted(shown));
  if (!S_ISREG(st->st_mode)) return InvalidArgument(Quoted(shown) + " is not a regular file");
  return fd;
}

Result<Fd> OpenSourceFile(DatasetKind kind, const std::string& source, const std::string& rel, struct stat* st) {
  if (kind == DatasetKind::kFile) return OpenRegular(AT_FDCWD, source, true, source, st);
  ASSIGN_OR_RETURN(std::string root_real, RealPath(source));
  ASSIGN_OR_RETURN(std::string real, RealPath(JoinPath(root_real, rel)));
  if (!IsWithin(root_real, real)) {
    return InvalidArgument(Quoted(rel) + " is a symlink to " + Quoted(real) + ", outside the dataset root");
  }
  return OpenRegular(AT_FDCWD, real, false, rel, st);
}

Status ReadChunks(int fd, std::string* buffer, const std::string& shown,
                  const std::function<Status(std::string_view)>& chunk) {
  if (buffer->size() < kChunkBytes) buffer->resize(kChunkBytes);
  for (;;) {
    ssize_t n = ::read(fd, buffer->data(), buffer->size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(StatusCode::kInternal, "cannot read " + Quoted(shown));
    if (n == 0) return Status::Ok();
    RETURN_IF_ERROR(chunk(std::string_view(buffer->data(), static_cast<size_t>(n))));
  }
}

Result<Digested> DigestFd(int fd, std::string* buffer, const std::string& shown) {
  Sha256 sha;
  Digested out;
  RETURN_IF_ERROR(ReadChunks(fd, buffer, shown, [&](std::string_view bytes) {
    sha.Update(bytes);
    out.size += bytes.size();
    return Status::Ok();
  }));
  out.sha256 = sha.HexDigest();
  return out;
}

}  // namespace ferry::datasets::internal
