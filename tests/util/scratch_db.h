// A fresh, migrated Ferry database for one test: a file in a new temp folder
// ("sqlite"), or a new schema on the PostgreSQL server that
// FERRY_TEST_POSTGRES_URL names ("postgres"; start one with
// tests/util/postgres.sh). Removed again when the object goes away.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "store/database.h"

namespace ferry::testing_util {

inline const char* PostgresUrl() {
  const char* url = std::getenv("FERRY_TEST_POSTGRES_URL");
  return url && *url ? url : nullptr;
}

class ScratchDb {
 public:
  ScratchDb() = default;
  ScratchDb(const ScratchDb&) = delete;
  ScratchDb& operator=(const ScratchDb&) = delete;
  ~ScratchDb() {
    db_.reset();
    if (admin_) {
      (void)admin_->Write([&](store::SqlConnection& c) {
        return c.ExecuteScript("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      });
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // `engine` is "sqlite" or "postgres" (which needs PostgresUrl()).
  Status Open(const std::string& engine) {
    static std::atomic<int> counter{0};
    std::string unique = std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (engine == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / ("ferry-test-" + unique);
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      ASSIGN_OR_RETURN(db_, store::OpenDatabase("sqlite://" + (dir_ / "t.db").string()));
      return Status::Ok();
    }
    if (!PostgresUrl()) return FailedPrecondition("FERRY_TEST_POSTGRES_URL is not set");
    std::string url = PostgresUrl();
    schema_ = "ferry_test_" + unique;
    ASSIGN_OR_RETURN(admin_, store::OpenDatabase(url));
    RETURN_IF_ERROR(admin_->Write([&](store::SqlConnection& c) {
      return c.ExecuteScript("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " +
                             schema_);
    }));
    url += (url.find('?') == std::string::npos ? "?" : "&");
    url += "options=-csearch_path%3D" + schema_;
    ASSIGN_OR_RETURN(db_, store::OpenDatabase(url));
    return Status::Ok();
  }

  store::Database& db() { return *db_; }

 private:
  std::filesystem::path dir_;
  std::string schema_;
  std::unique_ptr<store::Database> admin_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace ferry::testing_util
