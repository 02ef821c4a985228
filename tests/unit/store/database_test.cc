// The Database contract, run against every engine: SQLite always, and
// PostgreSQL when FERRY_TEST_POSTGRES_URL names a server where the user may
// create databases (start one with tests/util/postgres.sh). Each test gets a
// fresh database: a file in a new temp folder, or a new PostgreSQL database.
#include "store/database.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "store/migrations.h"

namespace ferry::store {
namespace {
namespace fs = std::filesystem;

enum class Engine { kSqlite, kPostgres };

const char* EngineName(Engine engine) {
  return engine == Engine::kSqlite ? "Sqlite" : "Postgres";
}
void PrintTo(Engine engine, std::ostream* os) { *os << EngineName(engine); }

std::string PostgresUrlFromEnv() {
  const char* url = std::getenv("FERRY_TEST_POSTGRES_URL");
  return url ? url : "";
}

// Runs one statement outside any transaction (CREATE/DROP DATABASE).
bool AdminExec(const std::string& url, const std::string& sql, std::string* error) {
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* res = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
            PQresultStatus(res) == PGRES_TUPLES_OK;
  if (!ok) *error = PQerrorMessage(conn);
  PQclear(res);
  PQfinish(conn);
  return ok;
}

// `url` with its database name replaced.
std::string WithDatabase(const std::string& url, const std::string& name) {
  size_t slash = url.find('/', url.find("://") + 3);
  if (slash == std::string::npos) return url + "/" + name;
  size_t end = std::min(url.find('?', slash), url.size());
  return url.substr(0, slash + 1) + name + url.substr(end);
}

// A fresh database for one test, removed again by the destructor.
class ScratchDatabase {
 public:
  ~ScratchDatabase() {
    std::string error;
    if (!pg_name_.empty()) {
      (void)AdminExec(admin_url_, "DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)",
                      &error);
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  void CreateSqlite() {
    dir_ = fs::temp_directory_path() /
           ("ferry-db-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    url_ = "sqlite://" + (dir_ / "test.db").string();
  }

  bool CreatePostgres(const std::string& admin_url, std::string* error) {
    admin_url_ = admin_url;
    std::string name = "ferry_test_" + std::to_string(::getpid()) + "_" +
                       std::to_string(++counter_);
    if (!AdminExec(admin_url_, "CREATE DATABASE " + name, error)) return false;
    pg_name_ = name;
    url_ = WithDatabase(admin_url_, name);
    return true;
  }

  // Ends every session of the scratch database, as a server restart would.
  bool TerminateSessions(std::string* error) {
    return AdminExec(admin_url_,
                     "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                     "WHERE datname = '" + pg_name_ + "'",
                     error);
  }

  const std::string& url() const { return url_; }

 private:
  static inline std::atomic<int> counter_{0};
  fs::path dir_;
  std::string admin_url_;
  std::string pg_name_;
  std::string url_;
};

class DatabaseTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (postgres() && PostgresUrlFromEnv().empty()) {
      GTEST_SKIP() << "FERRY_TEST_POSTGRES_URL is not set; start a server with "
                      "eval \"$(tests/util/postgres.sh start DIR)\"";
    }
    std::string error;
    ASSERT_TRUE(CreateScratch(scratch_, &error)) << error;
    auto db = OpenDatabase(scratch_.url());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    Status st = Script(
        "CREATE TABLE vals (k TEXT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT)");
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  bool postgres() const { return GetParam() == Engine::kPostgres; }

  bool CreateScratch(ScratchDatabase& scratch, std::string* error) {
    if (!postgres()) {
      scratch.CreateSqlite();
      return true;
    }
    return scratch.CreatePostgres(PostgresUrlFromEnv(), error);
  }

  Status Script(const std::string& sql) {
    return db_->Write([&](SqlConnection& conn) { return conn.ExecuteScript(sql); });
  }

  Status Insert(const std::string& key, const SqlValue& i, const SqlValue& d,
                const SqlValue& s) {
    return db_->Write([&](SqlConnection& conn) {
      return conn.Execute("INSERT INTO vals (k, i, d, s) VALUES (?, ?, ?, ?)",
                          {key, i, d, s})
          .status();
    });
  }

  // Reads one column of the row `key` into `out` through `get`.
  template <typename T, typename Get>
  Status Load(const std::string& key, const char* column, Get get, T* out) {
    std::string sql = std::string("SELECT ") + column + " FROM vals WHERE k = ?";
    return db_->Read([&](SqlConnection& conn) {
      return conn.Query(sql, {key}, [&](const Row& row) {
        *out = get(row);
        return Status::Ok();
      });
    });
  }

  int64_t Count(const std::string& where = "1 = 1") {
    int64_t n = -1;
    Status st = db_->Read([&](SqlConnection& conn) -> Status {
      ASSIGN_OR_RETURN(n, QueryInt(conn, "SELECT COUNT(*) FROM vals WHERE " + where, {}));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return n;
  }

  ScratchDatabase scratch_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, MigrationsApplyAndAreIdempotent) {
  db_.reset();
  for (int open = 0; open < 2; ++open) {
    auto db = OpenDatabase(scratch_.url());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto version = SchemaVersion(**db);
    ASSERT_TRUE(version.ok()) << version.status().ToString();
    EXPECT_EQ(*version, AllMigrations().back().version);
    std::string name;
    int64_t applied = 0;
    Status st = (*db)->Read([&](SqlConnection& conn) -> Status {
      ASSIGN_OR_RETURN(applied,
                       QueryInt(conn, "SELECT COUNT(*) FROM schema_migrations", {}));
      return conn.Query("SELECT name FROM experiments WHERE experiment_id = 0", {},
                        [&](const Row& row) {
                          name = row.GetText(0);
                          return Status::Ok();
                        });
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(applied, static_cast<int64_t>(AllMigrations().size()));
    EXPECT_EQ(name, "Default");
  }
}

TEST_P(DatabaseTest, DialectMatchesEngine) {
  EXPECT_EQ(db_->dialect(), postgres() ? Dialect::kPostgres : Dialect::kSqlite);
}

TEST_P(DatabaseTest, IntegersRoundTrip) {
  const int64_t values[] = {0, 1, -1, 42, std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min()};
  for (int64_t v : values) {
    std::string key = "i" + std::to_string(v);
    ASSERT_TRUE(Insert(key, v, nullptr, nullptr).ok()) << v;
    int64_t got = 0;
    ASSERT_TRUE(Load(key, "i", [](const Row& r) { return r.GetInt(0); }, &got).ok());
    EXPECT_EQ(got, v);
  }
}

TEST_P(DatabaseTest, DoublesRoundTripExactly) {
  const double kInf = std::numeric_limits<double>::infinity();
  const double values[] = {0.0, 0.1, -2.5, 1.0 / 3, 1e-300, 5e-324, 1e300,
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::lowest(), kInf, -kInf};
  for (size_t n = 0; n < std::size(values); ++n) {
    std::string key = "d" + std::to_string(n);
    ASSERT_TRUE(Insert(key, nullptr, values[n], nullptr).ok()) << values[n];
    double got = 0;
    ASSERT_TRUE(Load(key, "d", [](const Row& r) { return r.GetDouble(0); }, &got).ok());
    EXPECT_EQ(got, values[n]);
  }
}

// PostgreSQL keeps NaN; SQLite stores a NaN as NULL (hence metrics.is_nan).
TEST_P(DatabaseTest, NanIsKeptByPostgresAndNullInSqlite) {
  ASSERT_TRUE(Insert("nan", nullptr, std::nan(""), nullptr).ok());
  bool null = false;
  double got = 0;
  ASSERT_TRUE(Load("nan", "d", [](const Row& r) { return r.IsNull(0); }, &null).ok());
  ASSERT_TRUE(Load("nan", "d", [](const Row& r) { return r.GetDouble(0); }, &got).ok());
  EXPECT_EQ(null, !postgres());
  EXPECT_EQ(std::isnan(got), postgres());
}

TEST_P(DatabaseTest, TextRoundTripsAndBoundQuestionMarksStayValues) {
  const std::string values[] = {"",        "plain",      "héllo ☃ 日本 🎉",
                                "it's",    "say \"hi\"", "?",
                                "what? ?? '?' $1 :x", R"(C:\path\n)", "line\nbreak\ttab",
                                "-- not a comment /* nor this */"};
  for (size_t n = 0; n < std::size(values); ++n) {
    std::string key = "s" + std::to_string(n);
    ASSERT_TRUE(Insert(key, nullptr, nullptr, values[n]).ok()) << values[n];
    std::string got = "unset";
    ASSERT_TRUE(Load(key, "s", [](const Row& r) { return r.GetText(0); }, &got).ok());
    EXPECT_EQ(got, values[n]);
  }
}

TEST_P(DatabaseTest, NullReadsAsZeroAndEmpty) {
  ASSERT_TRUE(Insert("null", nullptr, nullptr, nullptr).ok());
  ASSERT_TRUE(db_->Read([](SqlConnection& conn) {
                   return conn.Query("SELECT i, d, s FROM vals WHERE k = 'null'", {},
                                     [](const Row& row) {
                                       EXPECT_TRUE(row.IsNull(0));
                                       EXPECT_TRUE(row.IsNull(2));
                                       EXPECT_EQ(row.GetInt(0), 0);
                                       EXPECT_EQ(row.GetDouble(1), 0.0);
                                       EXPECT_EQ(row.GetText(2), "");
                                       return Status::Ok();
                                     });
                 }).ok());
}

TEST_P(DatabaseTest, QuestionMarksInSqlLiteralsAndCommentsSurvive) {
  std::vector<std::string> got;
  Status st = db_->Read([&](SqlConnection& conn) {
    return conn.Query(
        "SELECT 'a?b', ? /* why? */, 'it''s ?', ? -- trailing?\n",
        {std::string("x?"), int64_t{7}}, [&](const Row& row) {
          for (int c = 0; c < 4; ++c) got.push_back(row.GetText(c));
          return Status::Ok();
        });
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(got, (std::vector<std::string>{"a?b", "x?", "it's ?", "7"}));
}

TEST_P(DatabaseTest, OneStatementTakesEachParameterType) {
  const SqlParams values = {int64_t{5}, 2.5, std::string("7"), nullptr, int64_t{-3}};
  std::vector<std::string> got;
  ASSERT_TRUE(db_->Read([&](SqlConnection& conn) {
                   for (const SqlValue& v : values) {
                     RETURN_IF_ERROR(conn.Query("SELECT ?", {v}, [&](const Row& row) {
                       got.push_back(row.IsNull(0) ? "NULL" : row.GetText(0));
                       return Status::Ok();
                     }));
                   }
                   return Status::Ok();
                 }).ok());
  EXPECT_EQ(got, (std::vector<std::string>{"5", "2.5", "7", "NULL", "-3"}));
}

TEST_P(DatabaseTest, ManyDistinctStatementsOnOneConnection) {
  // More distinct statements than any per-connection statement cache holds.
  Status st = db_->Write([](SqlConnection& conn) -> Status {
    for (int round = 0; round < 2; ++round) {
      for (int64_t n = 0; n < 300; ++n) {
        ASSIGN_OR_RETURN(int64_t v, QueryInt(conn, "SELECT ? + " + std::to_string(n),
                                             {int64_t{1000}}));
        if (v != 1000 + n) return Internal("wrong sum for " + std::to_string(n));
      }
    }
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_P(DatabaseTest, ExecuteReturnsChangedRows) {
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(Insert("k" + std::to_string(n), n, 0.0, "").ok());
  }
  Result<int64_t> changed = Internal("not run");
  ASSERT_TRUE(db_->Write([&](SqlConnection& conn) {
                   changed = conn.Execute("UPDATE vals SET s = ? WHERE i >= ?",
                                          {std::string("x"), int64_t{1}});
                   return changed.status();
                 }).ok());
  EXPECT_EQ(*changed, 2);
}

TEST_P(DatabaseTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(Insert("dup", 1, nullptr, nullptr).ok());
  Status st = Insert("dup", 2, nullptr, nullptr);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  st = db_->Write([](SqlConnection& conn) {
    return conn.Execute("INSERT INTO experiments (name) VALUES (?)", {"Default"})
        .status();
  });
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_EQ(Count(), 1);
}

TEST_P(DatabaseTest, OtherEngineErrorsAreInternal) {
  Status st = db_->Write([](SqlConnection& conn) {
    return conn.Execute("INSERT INTO no_such_table VALUES (?)", {int64_t{1}}).status();
  });
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st.ToString();
  st = db_->Read([](SqlConnection& conn) { return conn.ExecuteScript("SELEC 1"); });
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st.ToString();
  EXPECT_EQ(Count(), 0);  // the connections are still usable
}

// 16 threads x 50 writes, group-committed together; two of them fail (one
// after its insert, one on a unique violation) and must roll back alone.
TEST_P(DatabaseTest, FailingWriteRollsBackOnlyItself) {
  constexpr int kThreads = 16, kWrites = 50;
  std::atomic<int> unexpected{0};
  auto writer = [&](int t) {
    for (int w = 0; w < kWrites; ++w) {
      std::string key = std::to_string(t) + "-" + std::to_string(w);
      bool fail_after = t == 3 && w == 10, fail_dup = t == 11 && w == 20;
      Status st = db_->Write([&](SqlConnection& conn) -> Status {
        const char* sql = "INSERT INTO vals (k, i) VALUES (?, ?)";
        RETURN_IF_ERROR(conn.Execute(sql, {key, int64_t{t}}).status());
        if (fail_dup) RETURN_IF_ERROR(conn.Execute(sql, {key, int64_t{t}}).status());
        if (fail_after) return FailedPrecondition("failing on purpose");
        return Status::Ok();
      });
      StatusCode want = fail_after ? StatusCode::kFailedPrecondition
                        : fail_dup ? StatusCode::kAlreadyExists
                                   : StatusCode::kOk;
      if (st.code() != want) ++unexpected;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(writer, t);
  for (auto& th : threads) th.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(Count(), kThreads * kWrites - 2);
  EXPECT_EQ(Count("k IN ('3-10', '11-20')"), 0);
}

TEST_P(DatabaseTest, ReadSeesCommittedWritesAndKeepsItsSnapshot) {
  ASSERT_TRUE(Insert("a", 1, nullptr, nullptr).ok());
  EXPECT_EQ(Count(), 1);
  int64_t before = -1, during = -1;
  Status st = db_->Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(before, QueryInt(conn, "SELECT COUNT(*) FROM vals", {}));
    RETURN_IF_ERROR(Insert("b", 2, nullptr, nullptr));
    ASSIGN_OR_RETURN(during, QueryInt(conn, "SELECT COUNT(*) FROM vals", {}));
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(before, 1);
  EXPECT_EQ(during, 1);  // one consistent snapshot
  EXPECT_EQ(Count(), 2);
}

TEST_P(DatabaseTest, FailedReadReturnsItsStatusAndFreesTheConnection) {
  for (int n = 0; n < 40; ++n) {
    Status st = db_->Read([](SqlConnection& conn) -> Status {
      RETURN_IF_ERROR(conn.ExecuteScript("SELECT 1"));
      return NotFound("nothing here");
    });
    ASSERT_EQ(st.code(), StatusCode::kNotFound);
  }
  EXPECT_EQ(Count(), 0);
}

TEST_P(DatabaseTest, ManyConcurrentReaders) {
  ASSERT_TRUE(Insert("a", 1, nullptr, nullptr).ok());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 48; ++t) {
    threads.emplace_back([&] {
      for (int n = 0; n < 10; ++n) {
        if (Count() != 1) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_P(DatabaseTest, WriteAfterCloseIsUnavailable) {
  ASSERT_TRUE(Insert("a", 1, nullptr, nullptr).ok());
  db_->Close();
  db_->Close();  // idempotent
  EXPECT_EQ(Insert("b", 2, nullptr, nullptr).code(), StatusCode::kUnavailable);
}

TEST_P(DatabaseTest, ReconnectsAfterTheServerDropsSessions) {
  if (!postgres()) GTEST_SKIP() << "PostgreSQL only";
  ASSERT_TRUE(Insert("a", 1, nullptr, nullptr).ok());
  EXPECT_EQ(Count(), 1);  // leaves an idle reader in the pool
  std::string error;
  ASSERT_TRUE(scratch_.TerminateSessions(&error)) << error;
  EXPECT_EQ(Count(), 1);
  Status st = Insert("b", 2, nullptr, nullptr);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Count(), 2);
}

// A statement error aborts a PostgreSQL transaction until its savepoint is
// rolled back, so a write that swallows one fails as a whole there (loudly,
// never a silent rollback); SQLite undoes just the statement.
TEST_P(DatabaseTest, WriteThatSwallowsAStatementError) {
  ASSERT_TRUE(Insert("dup", 1, nullptr, nullptr).ok());
  Status st = db_->Write([](SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(conn.Execute("INSERT INTO vals (k) VALUES ('new')", {}).status());
    (void)conn.Execute("INSERT INTO vals (k) VALUES ('dup')", {});
    return Status::Ok();
  });
  EXPECT_EQ(st.ok(), !postgres()) << st.ToString();
  EXPECT_EQ(Count("k = 'new'"), postgres() ? 0 : 1);
  EXPECT_TRUE(Insert("after", 1, nullptr, nullptr).ok());
}

// Replicas that start together on a new database: each migration (and the
// version table) is created under an advisory lock on PostgreSQL.
TEST_P(DatabaseTest, ReplicasMigratingTogether) {
  ScratchDatabase fresh;
  std::string error;
  ASSERT_TRUE(CreateScratch(fresh, &error)) << error;
  std::vector<Status> opened(6);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < opened.size(); ++t) {
    threads.emplace_back([&, t] { opened[t] = OpenDatabase(fresh.url()).status(); });
  }
  for (auto& th : threads) th.join();
  for (const Status& st : opened) EXPECT_TRUE(st.ok()) << st.ToString();
}

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const ::testing::TestParamInfo<Engine>& info) {
                           return std::string(EngineName(info.param));
                         });

// Ferry's sqlite:///abs/path and SQLAlchemy's sqlite:////abs/path (what
// MLflow users write) name the same file.
TEST(SqliteOpenTest, BothAbsolutePathSpellingsOpenTheSameFile) {
  fs::path dir = fs::temp_directory_path() / ("ferry-url-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string path = (dir / "x.db").string();
  {
    auto db = OpenDatabase("sqlite://" + path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Write([](SqlConnection& c) {
                       return c.ExecuteScript("CREATE TABLE marker (x INTEGER)");
                     }).ok());
  }
  auto db = OpenDatabase("sqlite:///" + path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Status st = (*db)->Read([](SqlConnection& c) {
    return QueryInt(c, "SELECT COUNT(*) FROM marker", {}).status();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  fs::remove_all(dir);
}

TEST(PostgresOpenTest, UnreachableServerIsUnavailableAndHidesThePassword) {
  auto db =
      OpenDatabase("postgresql://ferry:s3cret@127.0.0.1:1/nowhere?connect_timeout=5");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(db.status().message().find("127.0.0.1:1/nowhere"), std::string::npos)
      << db.status().message();
  EXPECT_EQ(db.status().message().find("s3cret"), std::string::npos)
      << db.status().message();
}

}  // namespace
}  // namespace ferry::store
