// MLflow's search grammar: filter strings and order_by clauses, parsed to an
// AST and compiled to parameterised SQL over the tracking schema
// (store/migrations.cc). Values never reach SQL text; they are bound.
//
// Grammar (as MLflow's SearchUtils accepts it):
//   filter     := clause ( AND clause )*          -- AND is case-insensitive
//   clause     := identifier comparator value
//   identifier := [entity "."] key                 -- entity: metric(s), param(s),
//                 tag(s), attribute(s)/attr/run, dataset(s); no entity = attribute
//   key        := name | `quoted` | "quoted"      -- name may contain dots
//   comparator := = != < <= > >= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL
//   value      := number | 'string' | "string" | ( 'a', 'b', ... )
// Errors are kInvalidArgument with the 0-based character position.
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace ferry::tracking {

enum class Entity { kMetric, kParam, kTag, kAttribute, kDataset };
enum class Comparator {
  kEq, kNe, kLt, kLe, kGt, kGe, kLike, kILike, kIn, kNotIn, kIsNull, kIsNotNull
};

using FilterValue =
    std::variant<std::monostate, double, std::string, std::vector<std::string>>;

struct Clause {
  Entity entity;
  std::string key;  // attribute keys are canonical: run_id, run_name, status,
                    // user_id, start_time, end_time, artifact_uri,
                    // lifecycle_stage; dataset keys: name, digest, context
  Comparator op;
  FilterValue value;
};

struct Filter {
  std::vector<Clause> clauses;  // all must hold
};

struct OrderBy {
  Entity entity;
  std::string key;
  bool ascending = true;
};

Result<Filter> ParseRunFilter(std::string_view text);
Result<OrderBy> ParseRunOrderBy(std::string_view text);

// Experiments: attributes name, creation_time, last_update_time (and
// experiment_id); tags.<key>.
Result<Filter> ParseExperimentFilter(std::string_view text);
Result<OrderBy> ParseExperimentOrderBy(std::string_view text);

struct SqlQuery {
  std::string sql;
  store::SqlParams params;
};

enum class ViewType { kActiveOnly, kDeletedOnly, kAll };

struct RunSearch {
  std::vector<int64_t> experiment_ids;
  Filter filter;
  std::vector<OrderBy> order_by;
  ViewType view = ViewType::kActiveOnly;
  int64_t limit = 1000;
  int64_t offset = 0;
  store::Dialect dialect = store::Dialect::kSqlite;  // LIKE differs by engine
};

// SELECT r.run_uuid FROM runs r ... ordered as MLflow orders: the order_by
// keys in turn (NULLs / missing last for both directions, as MLflow), then
// start_time DESC, run_uuid ASC. Selects exactly one column, run_uuid.
Result<SqlQuery> BuildRunSearchSql(const RunSearch& search);

struct ExperimentSearch {
  Filter filter;
  std::vector<OrderBy> order_by;
  ViewType view = ViewType::kActiveOnly;
  int64_t limit = 1000;
  int64_t offset = 0;
  store::Dialect dialect = store::Dialect::kSqlite;
};

// SELECT e.experiment_id FROM experiments e ... default order
// creation_time DESC, experiment_id ASC (MLflow's). One column.
Result<SqlQuery> BuildExperimentSearchSql(const ExperimentSearch& search);

}  // namespace ferry::tracking
