#include "artifacts/local/local_artifact_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <algorithm>
#include <filesystem>

#include "core/ids.h"
#include "core/sha256.h"

namespace ferry::artifacts {
namespace fs = std::filesystem;

Result<std::string> CheckRelativePath(std::string_view path, bool allow_root) {
  auto bad = [&](const char* why) {
    std::string shown(path.substr(0, 200));
    std::replace(shown.begin(), shown.end(), '\0', '?');
    return InvalidArgument("Invalid artifact path '" + shown + "': " + why);
  };
  if (!path.empty() && path.front() == '/') {
    return bad("absolute paths are not allowed");
  }
  if (path.find('\0') != std::string_view::npos ||
      path.find('\\') != std::string_view::npos) {
    return bad("NUL bytes and backslashes are not allowed");
  }
  std::string_view rest = path;
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string out;
  while (!rest.empty()) {
    size_t cut = rest.find('/');
    std::string_view seg = rest.substr(0, cut);
    rest = cut == std::string_view::npos ? "" : rest.substr(cut + 1);
    if (seg.empty()) return bad("empty path segment");
    if (seg == "." || seg == "..") return bad("'.' and '..' are not allowed");
    if (cut != std::string_view::npos && rest.empty()) return bad("empty path segment");
    if (!out.empty()) out += '/';
    out += seg;
  }
  if (out.empty() && !allow_root) return bad("the path is empty");
  return out;
}

namespace {

Status ErrnoStatus(const std::string& what) {
  return Internal(what + ": " + std::strerror(errno));
}

class LocalWriter final : public ArtifactWriter {
 public:
  LocalWriter(int fd, fs::path tmp, fs::path target)
      : fd_(fd), tmp_(std::move(tmp)), target_(std::move(target)) {}
  ~LocalWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) {
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }

  Status Write(const char* data, size_t size) override {
    hash_.Update(data, size);
    size_ += size;
    while (size > 0) {
      ssize_t n = ::write(fd_, data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("artifact write failed");
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Result<FileDigest> Commit() override {
    if (::fsync(fd_) != 0) return ErrnoStatus("artifact fsync failed");
    ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    fs::create_directories(target_.parent_path(), ec);
    if (ec) return Internal("cannot create artifact directory: " + ec.message());
    if (fs::is_directory(target_, ec)) {
      return InvalidArgument("artifact path is an existing directory");
    }
    fs::rename(tmp_, target_, ec);
    if (ec) return Internal("cannot move artifact into place: " + ec.message());
    committed_ = true;
    return FileDigest{size_, hash_.HexDigest()};
  }

 private:
  int fd_;
  fs::path tmp_, target_;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

class LocalArtifactStore final : public ArtifactStore {
 public:
  explicit LocalArtifactStore(fs::path root) : root_(std::move(root)) {}

  Result<std::unique_ptr<ArtifactWriter>> OpenWriter(
      std::string_view path) override {
    ASSIGN_OR_RETURN(fs::path target, Resolve(path, false));
    fs::path tmp = root_ / ".tmp" / NewRunId();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {  // the temp directory was removed: recreate
      std::error_code ec;
      fs::create_directories(tmp.parent_path(), ec);
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    }
    if (fd < 0) return ErrnoStatus("cannot create temporary artifact file");
    return std::unique_ptr<ArtifactWriter>(
        std::make_unique<LocalWriter>(fd, std::move(tmp), std::move(target)));
  }

  Result<std::string> LocalFile(std::string_view path) override {
    ASSIGN_OR_RETURN(fs::path file, Resolve(path, false));
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      return NotFound("Artifact '" + std::string(path) + "' does not exist");
    }
    return file.string();
  }

  Result<std::vector<ArtifactEntry>> List(std::string_view path) override {
    ASSIGN_OR_RETURN(fs::path dir, Resolve(path, true));
    std::vector<ArtifactEntry> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (dir == root_ && name == ".tmp") continue;
      bool is_dir = entry.is_directory(ec);
      out.push_back({name, is_dir, is_dir ? 0 : entry.file_size(ec)});
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    return out;
  }

  Status Delete(std::string_view path) override {
    ASSIGN_OR_RETURN(fs::path target, Resolve(path, false));
    std::error_code ec;
    fs::remove_all(target, ec);
    if (ec) return Internal("cannot delete artifact: " + ec.message());
    return Status::Ok();
  }

 private:
  // Lexical check, then the resolved path (symlinks followed) must stay
  // inside the root.
  Result<fs::path> Resolve(std::string_view path, bool allow_root) {
    ASSIGN_OR_RETURN(std::string rel, CheckRelativePath(path, allow_root));
    fs::path full = rel.empty() ? root_ : root_ / rel;
    std::error_code ec;
    fs::path real = fs::weakly_canonical(full, ec);
    if (ec) return Internal("cannot resolve artifact path: " + ec.message());
    auto [r, p] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
    if (r != root_.end()) {
      return InvalidArgument("Invalid artifact path '" + std::string(path) +
                             "': it resolves outside the artifact root");
    }
    return real;
  }

  const fs::path root_;  // canonical
};

}  // namespace

Result<std::unique_ptr<ArtifactStore>> OpenLocalArtifactStore(
    const std::string& root) {
  std::error_code ec;
  fs::create_directories(fs::path(root) / ".tmp", ec);
  if (ec) {
    return Internal("cannot create artifact root '" + root + "': " + ec.message());
  }
  fs::path canonical = fs::canonical(root, ec);
  if (ec) return Internal("cannot resolve artifact root: " + ec.message());
  return std::unique_ptr<ArtifactStore>(
      std::make_unique<LocalArtifactStore>(canonical));
}

}  // namespace ferry::artifacts
