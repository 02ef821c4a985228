// ScanDataset: digests of real trees against the Python golden (see
// dataset_manifest_test.cc), stability, sensitivity to a byte and to a
// rename, and the refusals of hostile trees: escaping symlinks, special
// files, bad names, limits.
#include "pipelines/datasets/dataset_snapshot.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "unit/datasets/test_files.h"
#include "util/status_assertions.h"

namespace ferry::datasets {
namespace {

using test_files::ScratchDir;
using test_files::WriteFile;
using testing_util::FailsWith;

// The manifest golden (Python hashlib over the documented canonical text of
// a.csv = "x,y\n1,2\n" and sub/b.txt = "hello\n"; see dataset_manifest_test.cc).
constexpr char kDirectoryDigest[] = "7216cd9c48bc5d0e02917f7c2804880763cab2313beea9e58c80094106d254f0";
constexpr char kFileDigest[] = "4dba86da666ad86b77edbac01ff6ef41738fc6541809823c92f8e1899f15736a";

void MakeTree(const std::string& root) {
  WriteFile(root + "/a.csv", "x,y\n1,2\n");
  WriteFile(root + "/sub/b.txt", "hello\n");
  std::filesystem::create_directories(root + "/empty/folder");  // not recorded
}

std::string DigestOf(const std::string& path) {
  Result<DatasetManifest> m = ScanDataset(path);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? m->digest : "";
}

TEST(ScanDataset, DirectoryMatchesTheGolden) {
  ScratchDir dir;
  MakeTree(dir / "data");
  Result<DatasetManifest> m = ScanDataset(dir / "data");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->kind, DatasetKind::kDirectory);
  ASSERT_EQ(m->entries.size(), 2u);
  EXPECT_EQ(m->entries[0].path, "a.csv");
  EXPECT_EQ(m->entries[0].size, 8u);
  EXPECT_EQ(m->entries[1].path, "sub/b.txt");
  EXPECT_EQ(m->digest, kDirectoryDigest);
  EXPECT_EQ(m->digest, ManifestDigest(*m));
  EXPECT_EQ(DigestOf(dir / "data/"), kDirectoryDigest);  // a trailing slash changes nothing
}

TEST(ScanDataset, SingleFileMatchesTheGoldenAndDiffersFromItsFolder) {
  ScratchDir dir;
  WriteFile(dir / "only/b.txt", "hello\n");
  EXPECT_EQ(DigestOf(dir / "only/b.txt"), kFileDigest);
  EXPECT_NE(DigestOf(dir / "only"), kFileDigest);
}

TEST(ScanDataset, IdenticalTreesShareADigestAndAnyChangeMakesANewOne) {
  ScratchDir dir;
  MakeTree(dir / "one");
  MakeTree(dir / "two");
  EXPECT_EQ(DigestOf(dir / "one"), DigestOf(dir / "two"));
  WriteFile(dir / "two/sub/b.txt", "hellO\n");  // one byte
  EXPECT_NE(DigestOf(dir / "two"), kDirectoryDigest);
  MakeTree(dir / "three");
  std::filesystem::rename(dir / "three/a.csv", dir / "three/c.csv");
  EXPECT_NE(DigestOf(dir / "three"), kDirectoryDigest);
}

TEST(ScanDataset, HashesLargeFilesInChunks) {
  ScratchDir dir;
  std::string big(3 * (1 << 20) + 17, 'z');  // over three 1 MiB chunks
  WriteFile(dir / "big/blob.bin", big);
  Result<DatasetManifest> m = ScanDataset(dir / "big");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->entries[0].size, big.size());
  // python3 -c "import hashlib; print(hashlib.sha256(b'z' * (3 * 2**20 + 17)).hexdigest())"
  EXPECT_EQ(m->entries[0].sha256, "942fd44222561bd44fb2718a3ca91bb715448cd07d6f5cf2fe1141a8e5c07011");
}

TEST(ScanDataset, MissingPathIsNotFound) {
  ScratchDir dir;
  EXPECT_EQ(ScanDataset(dir / "nothing").status().code(), StatusCode::kNotFound);
}

TEST(ScanDataset, RefusesSymlinksThatEscapeTheRoot) {
  ScratchDir dir;
  MakeTree(dir / "data");
  WriteFile(dir / "secret.txt", "secret");
  ASSERT_EQ(::symlink((dir / "secret.txt").c_str(), (dir / "data/leak.txt").c_str()), 0);
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data"), {"'leak.txt'", "outside the dataset root"}));
  ::unlink((dir / "data/leak.txt").c_str());
  ASSERT_EQ(::symlink("../../secret.txt", (dir / "data/sub/rel.txt").c_str()), 0);
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data"), {"'sub/rel.txt'", "outside"}));
  ::unlink((dir / "data/sub/rel.txt").c_str());
  ASSERT_EQ(::symlink("/", (dir / "data/root").c_str()), 0);
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data"), {"'root'", "outside"}));
}

TEST(ScanDataset, RecordsSymlinksToFilesInsideTheRootAsFiles) {
  ScratchDir dir;
  MakeTree(dir / "data");
  ASSERT_EQ(::symlink("sub/b.txt", (dir / "data/link.txt").c_str()), 0);
  Result<DatasetManifest> m = ScanDataset(dir / "data");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_NE(m->Find("link.txt"), nullptr);
  EXPECT_EQ(m->Find("link.txt")->sha256, m->Find("sub/b.txt")->sha256);
  ASSERT_EQ(::symlink("sub", (dir / "data/folder_link").c_str()), 0);
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data"), {"'folder_link'", "folder"}));
  ::unlink((dir / "data/folder_link").c_str());
  ASSERT_EQ(::symlink("nowhere", (dir / "data/dangling").c_str()), 0);
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data"), {"'dangling'"}));
}

TEST(ScanDataset, RefusesSpecialFiles) {
  ScratchDir dir;
  MakeTree(dir / "data");
  ASSERT_EQ(::mkfifo((dir / "data/sub/pipe").c_str(), 0600), 0);
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data"), {"'sub/pipe'", "special file"}));
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data/sub/pipe"), {"neither a regular file nor a folder"}));
}

TEST(ScanDataset, RefusesNamesThatAreNotUtf8OrHoldNewlines) {
  ScratchDir dir;
  MakeTree(dir / "bad");
  WriteFile(dir / "bad/line\nbreak.csv", "x\n");
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "bad"), {"'line?break.csv'", "UTF-8"}));
  ScratchDir dir2;
  MakeTree(dir2 / "bad");
  WriteFile(dir2 / "bad/sub/latin\xe9.csv", "x\n");
  EXPECT_TRUE(FailsWith(ScanDataset(dir2 / "bad"), {"'sub/latin?.csv'"}));
}

TEST(ScanDataset, EnforcesItsLimits) {
  ScratchDir dir;
  MakeTree(dir / "data");
  ScanLimits few;
  few.max_files = 1;
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data", few), {"more than 1 files"}));
  ScanLimits shallow;
  shallow.max_depth = 1;
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data", shallow), {"deeper than 1 levels"}));
  ScanLimits short_paths;
  short_paths.max_path_bytes = 5;
  EXPECT_TRUE(FailsWith(ScanDataset(dir / "data", short_paths), {"longer than 5 bytes"}));
}

}  // namespace
}  // namespace ferry::datasets
