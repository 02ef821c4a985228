#include "pipelines/datasets/dataset_blobs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/sha256.h"
#include "pipelines/datasets/dataset_files_internal.h"

namespace ferry::datasets {

namespace {

namespace fs = std::filesystem;
using internal::ErrnoStatus;
using internal::Fd;
using internal::Quoted;

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create the folder " + Quoted(dir) + ": " + ec.message());
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return ErrnoStatus(StatusCode::kInternal, "cannot sync " + Quoted(dir));
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view bytes, const std::string& shown) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(StatusCode::kInternal, "cannot write " + Quoted(shown));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// A file created under a unique temporary name, removed on destruction
// unless Commit moved it into place.
class TempFile {
 public:
  TempFile() = default;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  Status Create(const std::string& folder, mode_t mode) {
    std::string name = internal::JoinPath(folder, ".tmp-XXXXXX");
    fd_ = Fd(::mkstemp(name.data()));
    if (!fd_.valid()) return ErrnoStatus(StatusCode::kInternal, "cannot create a file in " + Quoted(folder));
    path_ = name;
    if (::fchmod(fd_.get(), mode) != 0) return ErrnoStatus(StatusCode::kInternal, "cannot chmod " + Quoted(path_));
    return Status::Ok();
  }
  int fd() const { return fd_.get(); }

  // Syncs and closes the file, then renames it to `target` (replacing one
  // there) or, with `no_clobber`, links it there (AlreadyExists if taken).
  Status Commit(const std::string& target, bool no_clobber) {
    if (::fsync(fd_.get()) != 0) return ErrnoStatus(StatusCode::kInternal, "cannot sync " + Quoted(path_));
    fd_ = Fd();
    if (no_clobber) {
      if (::link(path_.c_str(), target.c_str()) != 0) {
        return errno == EEXIST ? AlreadyExists(Quoted(target) + " already exists")
                               : ErrnoStatus(StatusCode::kInternal, "cannot create " + Quoted(target));
      }
      return Status::Ok();  // the destructor unlinks the temporary name
    }
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      return ErrnoStatus(StatusCode::kInternal, "cannot rename to " + Quoted(target));
    }
    path_.clear();
    return Status::Ok();
  }

 private:
  Fd fd_;
  std::string path_;
};

Status Changed(const ManifestEntry& e) {
  return FailedPrecondition(Quoted(e.path) + " changed since it was scanned (its size or SHA-256 differs); scan again");
}

// Copies `from` to `to_fd`, hashing on the way; Changed/corrupt when the
// copy does not match `e`.
Status CopyVerified(int from, int to_fd, const ManifestEntry& e, std::string* buffer, bool source_side) {
  Sha256 sha;
  uint64_t size = 0;
  auto mismatch = [&] {
    return source_side ? Changed(e)
                       : Internal("the stored blob of " + Quoted(e.path) + " does not match its SHA-256 " + e.sha256);
  };
  RETURN_IF_ERROR(internal::ReadChunks(from, buffer, e.path, [&](std::string_view bytes) {
    size += bytes.size();
    if (size > e.size) return mismatch();
    sha.Update(bytes);
    return WriteAll(to_fd, bytes, e.path);
  }));
  if (size != e.size || sha.HexDigest() != e.sha256) return mismatch();
  return Status::Ok();
}

Status StoreOne(const ManifestEntry& e, DatasetKind kind, const std::string& source, const std::string& cas_root,
                std::string* buffer) {
  const std::string blob = BlobPath(cas_root, e.sha256);
  struct stat st{};
  if (::lstat(blob.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return Internal("the store holds something not a file at " + Quoted(blob));
    return Status::Ok();
  }
  const std::string folder = fs::path(blob).parent_path().string();
  RETURN_IF_ERROR(MakeDirs(folder));
  Result<Fd> src = internal::OpenSourceFile(kind, source, e.path, &st);
  if (!src.ok() && src.status().code() == StatusCode::kNotFound) return Changed(e);
  if (!src.ok()) return src.status();
  TempFile tmp;
  RETURN_IF_ERROR(tmp.Create(folder, 0444));
  RETURN_IF_ERROR(CopyVerified(src->get(), tmp.fd(), e, buffer, true));
  RETURN_IF_ERROR(tmp.Commit(blob, false));
  return FsyncDir(folder);
}

Status CheckBlobsPresent(const DatasetManifest& manifest, const std::string& cas_root) {
  for (const ManifestEntry& e : manifest.entries) {
    struct stat st{};
    if (::stat(BlobPath(cas_root, e.sha256).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return NotFound("the content of " + Quoted(e.path) + " (sha256 " + e.sha256 + ") is not in the store");
    }
  }
  return Status::Ok();
}

Result<Fd> OpenBlob(const ManifestEntry& e, const std::string& cas_root) {
  struct stat st{};
  return internal::OpenRegular(AT_FDCWD, BlobPath(cas_root, e.sha256), false, e.path, &st);
}

// Places one file of a tree being built in a fresh temporary folder.
Status PlaceInTree(const ManifestEntry& e, const std::string& cas_root, const std::string& target,
                   const MaterializeOptions& options, std::string* buffer) {
  RETURN_IF_ERROR(MakeDirs(fs::path(target).parent_path().string()));
  if (options.hard_links && ::link(BlobPath(cas_root, e.sha256).c_str(), target.c_str()) == 0) return Status::Ok();
  ASSIGN_OR_RETURN(Fd blob, OpenBlob(e, cas_root));
  Fd out(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!out.valid()) return ErrnoStatus(StatusCode::kInternal, "cannot create " + Quoted(target));
  return CopyVerified(blob.get(), out.get(), e, buffer, false);
}

std::string FolderOf(const std::string& path) {
  std::string parent = fs::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

Status MaterializeFile(const ManifestEntry& e, const std::string& cas_root, const std::string& dest,
                       const MaterializeOptions& options) {
  const std::string folder = FolderOf(dest);
  RETURN_IF_ERROR(MakeDirs(folder));
  if (options.hard_links) {
    if (::link(BlobPath(cas_root, e.sha256).c_str(), dest.c_str()) == 0) return Status::Ok();
    if (errno == EEXIST) return AlreadyExists(Quoted(dest) + " already exists");
  }
  ASSIGN_OR_RETURN(Fd blob, OpenBlob(e, cas_root));
  TempFile tmp;
  RETURN_IF_ERROR(tmp.Create(folder, 0644));
  std::string buffer;
  RETURN_IF_ERROR(CopyVerified(blob.get(), tmp.fd(), e, &buffer, false));
  return tmp.Commit(dest, true);
}

// Builds the tree in a temporary sibling of `dest`, then renames it there.
Status MaterializeTree(const DatasetManifest& manifest, const std::string& cas_root, const std::string& dest,
                       const MaterializeOptions& options) {
  const std::string folder = FolderOf(dest);
  RETURN_IF_ERROR(MakeDirs(folder));
  std::string tmp = internal::JoinPath(folder, ".materialize-XXXXXX");
  if (::mkdtemp(tmp.data()) == nullptr) {
    return ErrnoStatus(StatusCode::kInternal, "cannot create a folder in " + Quoted(folder));
  }
  auto cleanup = [&tmp] {
    std::error_code ec;
    fs::remove_all(tmp, ec);
  };
  std::string buffer;
  Status st = ::chmod(tmp.c_str(), 0755) == 0 ? Status::Ok() : ErrnoStatus(StatusCode::kInternal, "cannot chmod");
  for (size_t i = 0; st.ok() && i < manifest.entries.size(); ++i) {
    const ManifestEntry& e = manifest.entries[i];
    st = PlaceInTree(e, cas_root, internal::JoinPath(tmp, e.path), options, &buffer);
  }
  if (st.ok() && ::rename(tmp.c_str(), dest.c_str()) != 0) {
    bool taken = errno == EEXIST || errno == ENOTEMPTY || errno == ENOTDIR || errno == EISDIR;
    st = taken ? AlreadyExists(Quoted(dest) + " already exists and is not an empty folder")
               : ErrnoStatus(StatusCode::kInternal, "cannot rename to " + Quoted(dest));
  }
  if (!st.ok()) cleanup();
  return st;
}

}  // namespace

std::string BlobPath(const std::string& cas_root, const std::string& sha256) {
  return internal::JoinPath(cas_root, "sha256/" + sha256.substr(0, 2) + "/" + sha256.substr(2));
}

Status StoreBlobs(const DatasetManifest& manifest, const std::string& source_path, const std::string& cas_root) {
  RETURN_IF_ERROR(ValidateManifest(manifest));
  std::string buffer;
  for (const ManifestEntry& e : manifest.entries) {
    RETURN_IF_ERROR(StoreOne(e, manifest.kind, source_path, cas_root, &buffer));
  }
  return Status::Ok();
}

Status Materialize(const DatasetManifest& manifest, const std::string& cas_root, const std::string& dest,
                   const MaterializeOptions& options) {
  RETURN_IF_ERROR(ValidateManifest(manifest));
  RETURN_IF_ERROR(CheckBlobsPresent(manifest, cas_root));
  std::string target = dest;
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  if (target.empty()) return InvalidArgument("dest: empty path");
  if (manifest.kind == DatasetKind::kFile) return MaterializeFile(manifest.entries[0], cas_root, target, options);
  return MaterializeTree(manifest, cas_root, target, options);
}

}  // namespace ferry::datasets
