#include "artifacts/local/local_artifact_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ferry::artifacts {
namespace {
namespace fs = std::filesystem;

class LocalArtifactStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("ferry-art-" + std::to_string(::getpid()) +
                                         "-" + ::testing::UnitTest::GetInstance()
                                                   ->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "outside" / "secret.txt") << "secret";
    auto store = OpenLocalArtifactStore((base_ / "root").string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override { fs::remove_all(base_); }

  Result<FileDigest> Put(const std::string& path, const std::string& data) {
    ASSIGN_OR_RETURN(auto writer, store_->OpenWriter(path));
    RETURN_IF_ERROR(writer->Write(data.data(), data.size()));
    return writer->Commit();
  }

  fs::path base_;
  std::unique_ptr<ArtifactStore> store_;
};

TEST_F(LocalArtifactStoreTest, WritesAtomicallyAndHashes) {
  auto digest = Put("1/run/artifacts/a/b.txt", "abc");
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(digest->size, 3u);
  EXPECT_EQ(digest->sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto file = store_->LocalFile("1/run/artifacts/a/b.txt");
  ASSERT_TRUE(file.ok());
  std::ifstream in(*file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "abc");
}

TEST_F(LocalArtifactStoreTest, AbandonedWriterLeavesNothing) {
  {
    auto writer = store_->OpenWriter("x/partial.bin");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("half", 4).ok());
  }
  EXPECT_EQ(store_->LocalFile("x/partial.bin").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(base_ / "root" / ".tmp"));
}

TEST_F(LocalArtifactStoreTest, ListsDirectChildrenSorted) {
  ASSERT_TRUE(Put("d/b.txt", "1").ok());
  ASSERT_TRUE(Put("d/a/c.txt", "22").ok());
  auto list = store_->List("d");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].path, "a");
  EXPECT_TRUE((*list)[0].is_dir);
  EXPECT_EQ((*list)[1].path, "b.txt");
  EXPECT_EQ((*list)[1].size, 1u);
  EXPECT_TRUE(store_->List("missing/dir")->empty());
  auto root = store_->List("");
  ASSERT_TRUE(root.ok());
  for (const auto& e : *root) EXPECT_NE(e.path, ".tmp");
}

TEST_F(LocalArtifactStoreTest, RejectsTraversal) {
  for (const char* bad : {"../outside/secret.txt", "a/../../outside/secret.txt",
                          "/etc/passwd", "a/./b", "a//b", "..", ".", "a\\..\\b",
                          "a/..", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(store_->LocalFile(bad).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->OpenWriter(bad).status().code(), StatusCode::kInvalidArgument);
  }
  std::string nul("a\0b", 3);
  EXPECT_EQ(store_->OpenWriter(nul).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalArtifactStoreTest, RejectsSymlinkOutOfRoot) {
  fs::create_symlink(base_ / "outside", base_ / "root" / "escape");
  EXPECT_EQ(store_->LocalFile("escape/secret.txt").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->OpenWriter("escape/new.txt").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->List("escape").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(base_ / "outside" / "new.txt"));
}

TEST(CheckRelativePathTest, Normalises) {
  EXPECT_EQ(*CheckRelativePath("a/b/", false), "a/b");
  EXPECT_EQ(*CheckRelativePath("", true), "");
  EXPECT_FALSE(CheckRelativePath("", false).ok());
  EXPECT_EQ(*CheckRelativePath("a/", false), "a");
}

}  // namespace
}  // namespace ferry::artifacts
