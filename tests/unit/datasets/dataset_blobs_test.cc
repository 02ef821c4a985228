// StoreBlobs and Materialize: each content stored once, read-only, at its
// documented path; files changed after the scan refused with nothing left
// behind; round trips by hard link and by copy; path traversal refused;
// missing and corrupt blobs; destinations that already exist.
#include "pipelines/datasets/dataset_blobs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "pipelines/datasets/dataset_snapshot.h"
#include "unit/datasets/test_files.h"
#include "util/status_assertions.h"

namespace ferry::datasets {
namespace {

namespace fs = std::filesystem;
using test_files::CountEntries;
using test_files::ReadFile;
using test_files::ScratchDir;
using test_files::WriteFile;

// sha256 of "x,y\n1,2\n" (Python hashlib).
constexpr char kShaA[] = "81bf9fa83c6f7f151bd491a98cd7d933de3965289e3ebd77c6c425f7eaa16392";

DatasetManifest Scan(const std::string& path) {
  Result<DatasetManifest> m = ScanDataset(path);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(m).value() : DatasetManifest{};
}

void MakeTree(const std::string& root) {
  WriteFile(root + "/a.csv", "x,y\n1,2\n");
  WriteFile(root + "/copy/of_a.csv", "x,y\n1,2\n");
  WriteFile(root + "/sub/b.txt", "hello\n");
}

// Files under the store, temporary ones included.
std::vector<std::string> StoreFiles(const std::string& cas) {
  std::vector<std::string> out;
  if (!fs::exists(cas)) return out;
  for (const auto& e : fs::recursive_directory_iterator(cas)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), cas).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StoreBlobs, StoresEachContentOnceReadOnlyAtItsPath) {
  ScratchDir dir;
  MakeTree(dir / "data");
  DatasetManifest m = Scan(dir / "data");
  ASSERT_TRUE(StoreBlobs(m, dir / "data", dir / "cas").ok());
  std::vector<std::string> files = StoreFiles(dir / "cas");
  ASSERT_EQ(files.size(), 2u);  // a.csv and copy/of_a.csv share one blob
  std::string blob = BlobPath(dir / "cas", kShaA);
  EXPECT_EQ(blob, dir / "cas/sha256/81/bf9fa83c6f7f151bd491a98cd7d933de3965289e3ebd77c6c425f7eaa16392");
  EXPECT_EQ(ReadFile(blob), "x,y\n1,2\n");
  struct stat st{};
  ASSERT_EQ(::stat(blob.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  ASSERT_TRUE(StoreBlobs(m, dir / "data", dir / "cas").ok());  // again: nothing new
  EXPECT_EQ(StoreFiles(dir / "cas"), files);
}

TEST(StoreBlobs, RefusesAFileChangedSinceTheScanAndLeavesNothingBehind) {
  ScratchDir dir;
  MakeTree(dir / "data");
  DatasetManifest m = Scan(dir / "data");
  WriteFile(dir / "data/sub/b.txt", "HELLO\n");  // same size, other bytes
  Status st = StoreBlobs(m, dir / "data", dir / "cas");
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("'sub/b.txt' changed since it was scanned"), std::string::npos) << st.message();
  for (const std::string& f : StoreFiles(dir / "cas")) {
    EXPECT_EQ(f.find(".tmp-"), std::string::npos) << f;
    EXPECT_EQ(f, "sha256/81/" + std::string(kShaA).substr(2));  // only the unchanged a.csv
  }
  WriteFile(dir / "data/sub/b.txt", "hello, longer now\n");
  EXPECT_EQ(StoreBlobs(m, dir / "data", dir / "cas").code(), StatusCode::kFailedPrecondition);
  fs::remove(dir / "data/sub/b.txt");
  EXPECT_EQ(StoreBlobs(m, dir / "data", dir / "cas").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(StoreFiles(dir / "cas").size(), 1u);
}

TEST(StoreBlobs, RefusesAFileSwappedForAnEscapingSymlink) {
  ScratchDir dir;
  MakeTree(dir / "data");
  WriteFile(dir / "outside.txt", "hello\n");  // even with the scanned content
  DatasetManifest m = Scan(dir / "data");
  fs::remove(dir / "data/sub/b.txt");
  ASSERT_EQ(::symlink((dir / "outside.txt").c_str(), (dir / "data/sub/b.txt").c_str()), 0);
  Status st = StoreBlobs(m, dir / "data", dir / "cas");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("outside the dataset root"), std::string::npos) << st.message();
}

TEST(Materialize, RoundTripsATreeByHardLinks) {
  ScratchDir dir;
  MakeTree(dir / "data");
  DatasetManifest m = Scan(dir / "data");
  ASSERT_TRUE(StoreBlobs(m, dir / "data", dir / "cas").ok());
  Status st = Materialize(m, dir / "cas", dir / "out/restored");
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(Scan(dir / "out/restored").digest, m.digest);
  struct stat blob{}, copy{};
  ASSERT_EQ(::stat(BlobPath(dir / "cas", kShaA).c_str(), &blob), 0);
  ASSERT_EQ(::stat((dir / "out/restored/copy/of_a.csv").c_str(), &copy), 0);
  EXPECT_EQ(blob.st_ino, copy.st_ino);
  EXPECT_EQ(CountEntries(dir / "out"), 6u);  // restored, a.csv, copy/, of_a.csv, sub/, b.txt: no temporaries
}

TEST(Materialize, RoundTripsByCopyAndIntoAnEmptyFolder) {
  ScratchDir dir;
  MakeTree(dir / "data");
  DatasetManifest m = Scan(dir / "data");
  ASSERT_TRUE(StoreBlobs(m, dir / "data", dir / "cas").ok());
  fs::create_directories(dir / "empty");
  ASSERT_TRUE(Materialize(m, dir / "cas", dir / "empty", {.hard_links = false}).ok());
  EXPECT_EQ(Scan(dir / "empty").digest, m.digest);
  struct stat blob{}, copy{};
  ASSERT_EQ(::stat(BlobPath(dir / "cas", kShaA).c_str(), &blob), 0);
  ASSERT_EQ(::stat((dir / "empty/a.csv").c_str(), &copy), 0);
  EXPECT_NE(blob.st_ino, copy.st_ino);
  EXPECT_EQ(copy.st_mode & 0777, 0644u);
}

TEST(Materialize, RoundTripsASingleFile) {
  ScratchDir dir;
  WriteFile(dir / "train.csv", "x,y\n1,2\n");
  DatasetManifest m = Scan(dir / "train.csv");
  ASSERT_TRUE(StoreBlobs(m, dir / "train.csv", dir / "cas").ok());
  for (bool links : {true, false}) {
    std::string dest = dir / (links ? "linked.csv" : "copied.csv");
    ASSERT_TRUE(Materialize(m, dir / "cas", dest, {.hard_links = links}).ok());
    EXPECT_EQ(ReadFile(dest), "x,y\n1,2\n");
    EXPECT_EQ(Materialize(m, dir / "cas", dest, {.hard_links = links}).code(), StatusCode::kAlreadyExists);
  }
  EXPECT_EQ(CountEntries(dir.path()), 7u);  // train.csv, cas, sha256, 81, the blob, linked.csv, copied.csv
}

TEST(Materialize, RefusesPathTraversal) {
  ScratchDir dir;
  WriteFile(dir / "data/a.csv", "x,y\n1,2\n");
  DatasetManifest m = Scan(dir / "data");
  ASSERT_TRUE(StoreBlobs(m, dir / "data", dir / "cas").ok());
  for (const char* path : {"../x", "/etc/passwd", "a//b", "a/../../x", "./a"}) {
    DatasetManifest bad = m;
    bad.entries[0].path = path;
    Status st = Materialize(bad, dir / "cas", dir / "out/d");
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << path;
    EXPECT_NE(st.message().find("entries[0].path"), std::string::npos) << st.message();
  }
  EXPECT_FALSE(fs::exists(dir / "out"));
  EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(Materialize, MissingBlobIsNotFoundAndCreatesNothing) {
  ScratchDir dir;
  MakeTree(dir / "data");
  DatasetManifest m = Scan(dir / "data");
  Status st = Materialize(m, dir / "cas", dir / "out");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("'a.csv'"), std::string::npos) << st.message();
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(Materialize, RefusesATakenDestinationAndLeavesItAlone) {
  ScratchDir dir;
  MakeTree(dir / "data");
  DatasetManifest m = Scan(dir / "data");
  ASSERT_TRUE(StoreBlobs(m, dir / "data", dir / "cas").ok());
  WriteFile(dir / "taken/keep.txt", "mine");
  EXPECT_EQ(Materialize(m, dir / "cas", dir / "taken").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(CountEntries(dir / "taken"), 1u);
  EXPECT_EQ(ReadFile(dir / "taken/keep.txt"), "mine");
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".materialize-"), std::string::npos);
  }
}

TEST(Materialize, CopyingACorruptBlobFailsAndLeavesNothing) {
  ScratchDir dir;
  MakeTree(dir / "data");
  DatasetManifest m = Scan(dir / "data");
  ASSERT_TRUE(StoreBlobs(m, dir / "data", dir / "cas").ok());
  std::string blob = BlobPath(dir / "cas", kShaA);
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  WriteFile(blob, "x,y\n9,9\n");
  Status st = Materialize(m, dir / "cas", dir / "out", {.hard_links = false});
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_NE(st.message().find("does not match"), std::string::npos) << st.message();
  EXPECT_FALSE(fs::exists(dir / "out"));
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".materialize-"), std::string::npos);
  }
}

}  // namespace
}  // namespace ferry::datasets
