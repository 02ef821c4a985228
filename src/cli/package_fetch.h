// Model packages fetched from a Ferry server for work done off the server:
// `ferry predict` (batch scoring) and `ferry serve` (data-plane replicas).
// A registry reference is resolved through MLflow's registry API and the
// package's files are downloaded through the artifact proxy into
// <cache>/<name>/<version>, once (a complete download is renamed into
// place, so a cache entry is never half-written).
#pragma once

#include <filesystem>
#include <string>

#include "cli/api_client.h"
#include "core/status.h"
#include "serving/deployments.h"

namespace ferry::cli {

// "name@alias", "name/3" or "models:/…" → the version and its local package.
Result<serving::ResolvedModel> FetchModel(const ClientFlags& flags, const std::string& ref,
                                          const std::filesystem::path& cache);

}  // namespace ferry::cli
