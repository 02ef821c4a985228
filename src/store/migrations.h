// Versioned schema migrations, applied in order at start-up inside write
// transactions. The text is shared by both engines; `{{ID_PK}}` and
// `{{WITHOUT_ROWID}}` are the only dialect tokens;
// what cannot be shared goes in a migration's per-engine script. Never edit a released
// migration: add a new one.
#pragma once

#include "store/database.h"

namespace ferry::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // both engines
  // Run after `sql` on one engine only (triggers, whose syntax differs).
  const char* sqlite_sql = nullptr;
  const char* postgres_sql = nullptr;
};

const std::vector<Migration>& AllMigrations();

// Applies every migration newer than the database's version. On PostgreSQL
// an advisory lock serialises replicas that start together.
Status Migrate(Database& db);

// The schema version the database is at (0 for a new one).
Result<int64_t> SchemaVersion(Database& db);

}  // namespace ferry::store
