// SQLite engine: WAL journal, synchronous=FULL, one writer connection behind
// a group-committing WriteQueue and a pool of reader connections.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace ferry::store {

// `path` is a file path or ":memory:" (then readers share the writer's
// in-memory database through a shared-cache URI).
Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path);

}  // namespace ferry::store
