// PostgreSQL engine (libpq): a pool of reader connections and one writer
// connection behind a group-committing WriteQueue. `?` placeholders are
// rewritten to $1..$n outside quoted literals. Several `ferry server`
// replicas may share one database.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace ferry::store {

// `url` is a libpq connection URI: postgresql://user:pw@host:port/dbname
Result<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url);

// Rewrites `?` placeholders to $1..$n, leaving quoted text alone. Exposed
// for tests.
std::string RewritePlaceholders(std::string_view sql);

}  // namespace ferry::store
