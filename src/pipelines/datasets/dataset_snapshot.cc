#include "pipelines/datasets/dataset_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>

#include "core/text.h"
#include "pipelines/datasets/dataset_files_internal.h"

namespace ferry::datasets {

namespace {

using internal::ErrnoStatus;
using internal::Fd;
using internal::Quoted;

Status CheckName(std::string_view name, const std::string& rel) {
  bool control =
      std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
  if (!IsValidUtf8(name) || control) {
    return InvalidArgument(Quoted(rel) + ": the name is not valid UTF-8 or holds a control character (a newline?)");
  }
  return Status::Ok();
}

// Walks one directory tree below a resolved root, collecting its files.
class Scanner {
 public:
  Scanner(std::string root_real, const ScanLimits& limits) : root_real_(std::move(root_real)), limits_(limits) {}

  // Lists the directory `dir` (whose path below the root is `rel`), taking
  // ownership of the descriptor.
  Status Walk(Fd dir, const std::string& rel);
  std::vector<ManifestEntry> TakeEntries() { return std::move(entries_); }

 private:
  Status Visit(int dir_fd, const std::string& name, const std::string& rel);
  Status CheckLimits(const std::string& rel) const;
  Status AddSymlink(const std::string& rel);
  Status AddFile(const Fd& fd, const std::string& rel);

  std::string root_real_;
  ScanLimits limits_;
  std::vector<ManifestEntry> entries_;
  std::string buffer_;
};

Status Scanner::Walk(Fd dir, const std::string& rel) {
  const std::string shown = rel.empty() ? "." : rel;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(dir.get()), ::closedir);
  if (!d) return ErrnoStatus(StatusCode::kInternal, "cannot list " + Quoted(shown));
  dir.release();  // closedir closes it now
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(d.get());
    if (e == nullptr) break;
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    RETURN_IF_ERROR(Visit(::dirfd(d.get()), name, rel.empty() ? name : rel + "/" + name));
  }
  if (errno != 0) return ErrnoStatus(StatusCode::kInternal, "cannot list " + Quoted(shown));
  return Status::Ok();
}

Status Scanner::Visit(int dir_fd, const std::string& name, const std::string& rel) {
  RETURN_IF_ERROR(CheckName(name, rel));
  RETURN_IF_ERROR(CheckLimits(rel));
  struct stat st{};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoStatus(StatusCode::kInternal, "cannot stat " + Quoted(rel));
  }
  if (S_ISDIR(st.st_mode)) {
    Fd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub.valid()) return ErrnoStatus(StatusCode::kInternal, "cannot open the folder " + Quoted(rel));
    return Walk(std::move(sub), rel);
  }
  if (S_ISLNK(st.st_mode)) return AddSymlink(rel);
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument(Quoted(rel) + " is a special file (fifo, socket or device); datasets hold regular files");
  }
  ASSIGN_OR_RETURN(Fd fd, internal::OpenRegular(dir_fd, name, false, rel, &st));
  return AddFile(fd, rel);
}

Status Scanner::CheckLimits(const std::string& rel) const {
  if (rel.size() > limits_.max_path_bytes) {
    return InvalidArgument(Quoted(rel) + ": path longer than " + std::to_string(limits_.max_path_bytes) + " bytes");
  }
  if (std::count(rel.begin(), rel.end(), '/') >= limits_.max_depth) {
    return InvalidArgument(Quoted(rel) + ": deeper than " + std::to_string(limits_.max_depth) + " levels");
  }
  return Status::Ok();
}

Status Scanner::AddSymlink(const std::string& rel) {
  Result<std::string> real = internal::RealPath(internal::JoinPath(root_real_, rel));
  if (!real.ok()) return InvalidArgument(Quoted(rel) + " is a symlink that cannot be resolved (dangling or a loop)");
  if (!internal::IsWithin(root_real_, *real)) {
    return InvalidArgument(Quoted(rel) + " is a symlink to a target outside the dataset root");
  }
  struct stat st{};
  if (::stat(real->c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return InvalidArgument(Quoted(rel) + " is a symlink to a folder; such symlinks are not followed");
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgument(Quoted(rel) + " is a symlink to something not a regular file");
  ASSIGN_OR_RETURN(Fd fd, internal::OpenRegular(AT_FDCWD, *real, false, rel, &st));
  return AddFile(fd, rel);
}

Status Scanner::AddFile(const Fd& fd, const std::string& rel) {
  if (entries_.size() >= limits_.max_files) {
    return InvalidArgument("more than " + std::to_string(limits_.max_files) + " files (at " + Quoted(rel) + ")");
  }
  ASSIGN_OR_RETURN(internal::Digested d, internal::DigestFd(fd.get(), &buffer_, rel));
  entries_.push_back({rel, d.size, std::move(d.sha256)});
  return Status::Ok();
}

Result<DatasetManifest> ScanFile(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  RETURN_IF_ERROR(CheckName(name, path));
  struct stat st{};
  ASSIGN_OR_RETURN(Fd fd, internal::OpenRegular(AT_FDCWD, path, true, path, &st));
  std::string buffer;
  ASSIGN_OR_RETURN(internal::Digested d, internal::DigestFd(fd.get(), &buffer, path));
  DatasetManifest m;
  m.kind = DatasetKind::kFile;
  m.entries.push_back({name, d.size, std::move(d.sha256)});
  m.digest = ManifestDigest(m);
  return m;
}

Result<DatasetManifest> ScanDirectory(const std::string& path, const ScanLimits& limits) {
  ASSIGN_OR_RETURN(std::string root_real, internal::RealPath(path));
  Fd root(::open(root_real.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoStatus(StatusCode::kInternal, "cannot open " + Quoted(path));
  Scanner scanner(root_real, limits);
  RETURN_IF_ERROR(scanner.Walk(std::move(root), ""));
  DatasetManifest m;
  m.kind = DatasetKind::kDirectory;
  m.entries = scanner.TakeEntries();
  std::sort(m.entries.begin(), m.entries.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
  m.digest = ManifestDigest(m);
  return m;
}

}  // namespace

Result<DatasetManifest> ScanDataset(const std::string& path, const ScanLimits& limits) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    StatusCode code = errno == ENOENT || errno == ENOTDIR ? StatusCode::kNotFound : StatusCode::kInvalidArgument;
    return ErrnoStatus(code, "cannot read the dataset " + Quoted(path));
  }
  if (S_ISREG(st.st_mode)) return ScanFile(path);
  if (S_ISDIR(st.st_mode)) return ScanDirectory(path, limits);
  return InvalidArgument(Quoted(path) + " is neither a regular file nor a folder");
}

}  // namespace ferry::datasets
