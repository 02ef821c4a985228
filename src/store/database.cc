#include "store/database.h"

#include <string>

#include "store/migrations.h"
#include "store/postgres/postgres_database.h"
#include "store/sqlite/sqlite_database.h"

namespace ferry::store {

std::string InList(size_t n) {
  std::string out = "(";
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out + ")";
}

Result<int64_t> QueryInt(SqlConnection& conn, std::string_view sql,
                         const SqlParams& params) {
  int64_t value = 0;
  bool found = false;
  RETURN_IF_ERROR(conn.Query(sql, params, [&](const Row& row) {
    value = row.GetInt(0);
    found = true;
    return Status::Ok();
  }));
  if (!found) return NotFound("query returned no row");
  return value;
}

Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url) {
  std::unique_ptr<Database> db;
  if (url == "sqlite::memory:") {
    ASSIGN_OR_RETURN(db, OpenSqliteDatabase(":memory:"));
  } else if (url.rfind("sqlite://", 0) == 0) {
    // sqlite:///abs -> /abs; SQLAlchemy's (and MLflow's) sqlite:////abs too.
    std::string path(url.substr(9));
    while (path.rfind("//", 0) == 0) path.erase(0, 1);
    if (path.empty()) return InvalidArgument("store URL has no path: " + std::string(url));
    ASSIGN_OR_RETURN(db, OpenSqliteDatabase(path));
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    ASSIGN_OR_RETURN(db, OpenPostgresDatabase(std::string(url)));
  } else {
    return InvalidArgument("unsupported store URL '" + std::string(url) +
                           "': use sqlite:///path.db or postgresql://...");
  }
  RETURN_IF_ERROR(Migrate(*db));
  return db;
}

}  // namespace ferry::store
