// The metadata store's engine interface: SQL over SQLite or PostgreSQL.
//
// Subsystems write their typed queries once, against `SqlConnection`, using
// `?` placeholders and the SQL subset both engines share (INSERT ... ON
// CONFLICT, RETURNING, LIMIT/OFFSET). Dialect differences stay inside the
// engine implementations and the migration text.
//
// Thread safety: a Database is thread-safe. A SqlConnection handed to a
// callback belongs to that callback for its duration only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace ferry::store {

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;
using SqlParams = std::vector<SqlValue>;

// One result row. Column indexes are 0-based; reading a NULL as a number
// yields 0 and as text yields "".
class Row {
 public:
  virtual ~Row() = default;
  virtual bool IsNull(int col) const = 0;
  virtual int64_t GetInt(int col) const = 0;
  virtual double GetDouble(int col) const = 0;
  virtual std::string GetText(int col) const = 0;
};

// Called per row; a non-OK status stops the query and is returned by it.
using RowCallback = std::function<Status(const Row&)>;

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement; returns the number of rows changed. A unique or
  // primary-key violation is kAlreadyExists; other engine errors kInternal.
  virtual Result<int64_t> Execute(std::string_view sql,
                                  const SqlParams& params) = 0;
  virtual Status Query(std::string_view sql, const SqlParams& params,
                       const RowCallback& on_row) = 0;
  // Several statements, no parameters (migrations, transaction control).
  virtual Status ExecuteScript(std::string_view sql) = 0;
};

enum class Dialect { kSqlite, kPostgres };

using ConnectionFn = std::function<Status(SqlConnection&)>;

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // Runs `fn` inside a read-only transaction (one consistent snapshot).
  virtual Status Read(const ConnectionFn& fn) = 0;
  // Runs `fn` inside a write transaction that is group-committed with
  // concurrent writers; returns once the commit is durable. When `fn` fails,
  // only its own effects are rolled back and its status is returned.
  virtual Status Write(const ConnectionFn& fn) = 0;
  // Finishes queued writes, then refuses new ones (kUnavailable).
  virtual void Close() = 0;
};

// Opens by URL: "sqlite:///abs/path.db" (or SQLAlchemy's
// "sqlite:////abs/path.db"), "sqlite://rel/path.db",
// "sqlite::memory:" or "postgresql://user@host:port/db". Applies migrations.
Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url);

// "(?, ?, …)" with `n` placeholders, for `column IN` lists of bound values.
std::string InList(size_t n);

// Helpers for reading single values.
Result<int64_t> QueryInt(SqlConnection& conn, std::string_view sql,
                         const SqlParams& params);

}  // namespace ferry::store
