// DatasetManifest: the canonical text and digest against goldens computed
// with Python's hashlib, path safety, validation, and the JSON form with
// field-named errors.
#include "pipelines/datasets/dataset_manifest.h"

#include <gtest/gtest.h>

#include "util/status_assertions.h"

namespace ferry::datasets {
namespace {

using testing_util::FailsWith;

// Produced by tests' own data with Python 3:
//   import hashlib; h = lambda b: hashlib.sha256(b).hexdigest()
//   h(b"x,y\n1,2\n"), h(b"hello\n")
constexpr char kSha_a[] = "81bf9fa83c6f7f151bd491a98cd7d933de3965289e3ebd77c6c425f7eaa16392";
constexpr char kSha_b[] = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
//   text = "ferry-dataset-manifest 1\nkind directory\n" + "".join(
//       f"{sha} {size} {path}\n" for path, size, sha in
//       sorted([("a.csv", 8, h(b"x,y\n1,2\n")), ("sub/b.txt", 6, h(b"hello\n"))]))
//   hashlib.sha256(text.encode()).hexdigest()
constexpr char kDirectoryDigest[] = "7216cd9c48bc5d0e02917f7c2804880763cab2313beea9e58c80094106d254f0";
//   the same for "ferry-dataset-manifest 1\nkind file\n" + f"{h(b'hello\n')} 6 b.txt\n"
constexpr char kFileDigest[] = "4dba86da666ad86b77edbac01ff6ef41738fc6541809823c92f8e1899f15736a";

DatasetManifest TwoFiles() {
  DatasetManifest m;
  m.kind = DatasetKind::kDirectory;
  m.entries = {{"a.csv", 8, kSha_a}, {"sub/b.txt", 6, kSha_b}};
  m.digest = ManifestDigest(m);
  return m;
}

TEST(ManifestDigest, MatchesTheDocumentedCanonicalText) {
  DatasetManifest m = TwoFiles();
  EXPECT_EQ(CanonicalManifestText(m), std::string("ferry-dataset-manifest 1\nkind directory\n") + kSha_a +
                                          " 8 a.csv\n" + kSha_b + " 6 sub/b.txt\n");
  EXPECT_EQ(m.digest, kDirectoryDigest);
}

TEST(ManifestDigest, SingleFileDiffersFromAFolderHoldingIt) {
  DatasetManifest file;
  file.kind = DatasetKind::kFile;
  file.entries = {{"b.txt", 6, kSha_b}};
  EXPECT_EQ(ManifestDigest(file), kFileDigest);
  DatasetManifest folder = file;
  folder.kind = DatasetKind::kDirectory;
  EXPECT_NE(ManifestDigest(folder), ManifestDigest(file));
}

TEST(CheckManifestPath, RefusesTraversalAndOddPaths) {
  for (const char* ok : {"a", "a/b.csv", "dir with space/é.csv", "..a", "a..", ".hidden"}) {
    EXPECT_TRUE(CheckManifestPath(ok).ok()) << ok;
  }
  for (const char* bad : {"", "../x", "a/../../x", "/etc/passwd", "a//b", "a/", "./a", "a/./b", "a\nb", "a\x7f"}) {
    EXPECT_EQ(CheckManifestPath(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(CheckManifestPath("bad\xff").ok());
}

TEST(ValidateManifest, RefusesDisorderDuplicatesAndFileFolderClashes) {
  DatasetManifest m = TwoFiles();
  EXPECT_TRUE(ValidateManifest(m).ok());
  std::swap(m.entries[0], m.entries[1]);
  EXPECT_NE(ValidateManifest(m).message().find("out of order"), std::string::npos);
  m = TwoFiles();
  m.entries.insert(m.entries.begin() + 1, {"sub", 1, kSha_a});
  EXPECT_NE(ValidateManifest(m).message().find("both a file and the folder"), std::string::npos);
  m = TwoFiles();
  m.entries[1].sha256 = "ABC";
  EXPECT_NE(ValidateManifest(m).message().find("entries[1].sha256"), std::string::npos);
  m = TwoFiles();
  m.kind = DatasetKind::kFile;
  EXPECT_FALSE(ValidateManifest(m).ok());
}

TEST(ManifestJson, RoundTrips) {
  DatasetManifest m = TwoFiles();
  nlohmann::json j = ManifestToJson(m);
  EXPECT_EQ(j["format"], 1);
  EXPECT_EQ(j["kind"], "directory");
  EXPECT_EQ(j["files"], 2);
  EXPECT_EQ(j["bytes"], 14);
  EXPECT_EQ(j["entries"][1]["path"], "sub/b.txt");
  Result<DatasetManifest> back = ManifestFromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->entries, m.entries);
  EXPECT_EQ(back->digest, kDirectoryDigest);
  EXPECT_EQ(back->kind, DatasetKind::kDirectory);
}

TEST(ManifestJson, ErrorsNameTheField) {
  nlohmann::json good = ManifestToJson(TwoFiles());
  auto with = [&](auto edit) {
    nlohmann::json j = good;
    edit(j);
    return ManifestFromJson(j);
  };
  EXPECT_TRUE(FailsWith(ManifestFromJson(nlohmann::json::array()), {"expected a JSON object"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["format"] = 2; }), {"format"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["kind"] = "tree"; }), {"kind", "'tree'"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j.erase("entries"); }), {"entries"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["entries"][1]["size"] = -1; }), {"entries[1].size"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["entries"][0]["path"] = "../a.csv"; }), {"entries[0].path", "'..'"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["entries"][0].erase("sha256"); }), {"entries[0].sha256: missing"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["bytes"] = 15; }), {"bytes"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["digest"] = std::string(64, '0'); }), {"digest", "does not match"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) {
                          j["entries"][0]["size"] = 9;
                          j.erase("bytes");
                        }),
                        {"digest"}));
}

}  // namespace
}  // namespace ferry::datasets
