// Versioned schema migrations, applied in order at start-up inside write
// transactions. The text is shared by both engines; `{{ID_PK}}` and
// `{{WITHOUT_ROWID}}` are the only dialect tokens. Never edit a released
// migration: add a new one.
#pragma once

#include "store/database.h"

namespace ferry::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& AllMigrations();

// Applies every migration newer than the database's version. On PostgreSQL
// an advisory lock serialises replicas that start together.
Status Migrate(Database& db);

// The schema version the database is at (0 for a new one).
Result<int64_t> SchemaVersion(Database& db);

}  // namespace ferry::store
