// WriteBatch: one run's metrics, params and tags written inside the
// caller's transaction with multi-row INSERTs; the latest value per metric
// key is upserted once per batch. Internal to the tracking subsystem.
#pragma once

#include <string>
#include <vector>

#include "store/database.h"
#include "tracking/types.h"

namespace ferry::tracking {

// Params that exist with another value (or repeat with different values in
// the batch) fail with kInvalidArgument before anything is written. On
// PostgreSQL a batch of up to 200 metrics is one statement (one round trip).
Status WriteBatch(store::SqlConnection& conn, const std::string& run_id,
                  const std::vector<Metric>& metrics, const std::vector<Param>& params,
                  const std::vector<Tag>& tags, store::Dialect dialect);

}  // namespace ferry::tracking
