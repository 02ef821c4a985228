// MLflow's search grammar: filter strings and order_by clauses, parsed to an
// AST and compiled to parameterised SQL over the tracking schema
// (store/migrations.cc). Values and key names never reach SQL text; they
// are bound. Parser: filter.cc; SQL: search_sql.cc; execution: run_search.cc.
//
// Grammar (as MLflow's SearchUtils accepts it):
//   filter     := clause ( AND clause )*          -- AND is case-insensitive;
//                                                 -- OR is an error
//   clause     := identifier comparator [value]
//   identifier := [entity "."] key                 -- entity: metric(s), param(s),
//                 parameter(s), tag(s), attribute(s)/attr/run, dataset(s);
//                 no entity = attribute
//   key        := name | `quoted` | "quoted"      -- name: [A-Za-z0-9_./-] and
//                                                 -- non-ASCII; may contain dots
//   comparator := = != < <= > >= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL
//   value      := number | 'string' | "string" | ( 'a', 'b', ... )
// What each entity takes:
//   metrics     = != < <= > >= with a number
//   params/tags = != LIKE ILIKE IN NOT IN with quoted strings (an unquoted
//               value is an error, as in MLflow); IS [NOT] NULL (key absent
//               / present)
//   attributes  run_id, run_name, status, user_id, artifact_uri,
//               lifecycle_stage: = != LIKE ILIKE IN NOT IN with strings;
//               start_time, end_time: = != < <= > >= with numbers. Aliases:
//               run_uuid -> run_id; name, "run name" -> run_name;
//               created -> start_time
//   datasets    name, digest, context: = != LIKE ILIKE IN NOT IN with strings
//   experiments name (string ops), experiment_id (= != IN NOT IN, quoted),
//               creation_time, last_update_time (numeric ops), tags.<key>
// Strings: a doubled quote or a backslash before the quote stands for the
// quote, a doubled backslash for one backslash; other backslashes are
// literal. Numbers: [-+]digits[.digits][e[-+]digits]; no inf/nan/hex.
// IN lists hold at most 10,000 values. NUL bytes and malformed UTF-8 are
// refused.
// Errors are kInvalidArgument: "invalid filter at position N: ..." (or
// "invalid order_by ..."), N the 0-based byte offset of the offending token.
//
// Semantics of the compiled SQL (both engines alike):
//   LIKE is case-sensitive, ILIKE is not (ASCII only on SQLite); in both,
//   % and _ are wildcards and a backslash makes the next character literal.
//   A NaN metric satisfies only != (IEEE, like MLflow's in-memory search;
//   MLflow's SQL store compares the stored 0 instead).
//   != / NOT IN / LIKE on a param, tag or metric never match a run that
//   lacks the key, as in MLflow.
// Thread-safe (pure functions).
#pragma once

#include <span>
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

// Registered models: attributes name, creation_timestamp,
// last_updated_timestamp (alias timestamp); tags.<key>.
Result<Filter> ParseRegisteredModelFilter(std::string_view text);
Result<OrderBy> ParseRegisteredModelOrderBy(std::string_view text);
// Model versions: attributes name, version_number (alias version), run_id,
// source_path (alias source), creation_timestamp, last_updated_timestamp;
// tags.<key>.
Result<Filter> ParseModelVersionFilter(std::string_view text);
Result<OrderBy> ParseModelVersionOrderBy(std::string_view text);
// Logged models: attributes name, model_id, model_type, status,
// source_run_id, creation_timestamp, last_updated_timestamp; tags.<key>.
Result<Filter> ParseLoggedModelFilter(std::string_view text);
Result<OrderBy> ParseLoggedModelOrderBy(std::string_view text);

struct SqlQuery {
  std::string sql;
  store::SqlParams params;
};

enum class ViewType { kActiveOnly, kDeletedOnly, kAll };

// How a run search is answered. kScan: one query that visits every run of
// the experiments and sorts the survivors (best for small experiments).
// kOrderIndex: when the first order key is a metric, walk that metric's
// (key, is_nan, value) index from the best value and stop at the page's end
// (best for large experiments). kAuto: SearchRunIds picks one.
enum class RunSearchPlan { kAuto, kScan, kOrderIndex };

struct RunSearch {
  std::vector<int64_t> experiment_ids;
  Filter filter;
  std::vector<OrderBy> order_by;
  ViewType view = ViewType::kActiveOnly;
  int64_t limit = 1000;
  int64_t offset = 0;
  store::Dialect dialect = store::Dialect::kSqlite;  // LIKE differs by engine
  RunSearchPlan plan = RunSearchPlan::kAuto;
  bool top_level_only = false;  // only runs without a mlflow.parentRunId tag
};

// A compiled run search: parts whose results, concatenated in order, are
// the whole ordered answer. Each part is a SELECT of run_uuid with its
// ORDER BY and without LIMIT/OFFSET (the page is cut by SearchRunIds).
struct RunSearchSql {
  std::vector<SqlQuery> parts;
};

// SELECT r.run_uuid FROM runs r ... ordered as MLflow orders: the order_by
// keys in turn (NULLs / missing last for both directions, as MLflow; for
// metrics NaN sorts after numbers and before missing), then start_time DESC
// (unless start_time is an order key), run_uuid ASC. Text sorts by code
// point on both engines. Selects exactly one column, run_uuid.
// kInvalidArgument for no experiment ids, a negative limit or offset, a
// duplicate order key, or an AST the parser would not have produced.
// kScan and kAuto give one part; kOrderIndex with a metric first key gives
// three (numbers, NaNs, runs without the metric).
Result<RunSearchSql> BuildRunSearchSql(const RunSearch& search);

// SELECT COUNT(*) of the runs the search matches (all pages; order ignored).
Result<SqlQuery> BuildRunCountSql(const RunSearch& search);

// Runs the search on `conn` and answers the run ids of the page
// [offset, offset + limit). For kAuto, the order-index plan is chosen when
// the first order key is a metric and the experiments hold at least
// kOrderIndexMinRuns runs (counted up to that bound, so the probe is cheap).
inline constexpr int64_t kOrderIndexMinRuns = 5000;
Result<std::vector<std::string>> SearchRunIds(store::SqlConnection& conn,
                                              const RunSearch& search);

// A search over an entity that has attributes and tags only (experiments,
// registered models, model versions).
struct EntitySearch {
  Filter filter;
  std::vector<OrderBy> order_by;
  ViewType view = ViewType::kActiveOnly;  // when the entity has a lifecycle
  int64_t limit = 1000;
  int64_t offset = 0;
  store::Dialect dialect = store::Dialect::kSqlite;
};
using ExperimentSearch = EntitySearch;

// A whitelisted attribute: its canonical key (as the parser produces it)
// and the SQL it compiles to; order_sql, when set, is used for ordering as
// given (text columns otherwise order by code point).
struct SearchColumn {
  std::string_view key;
  const char* sql;
  bool numeric;
  const char* order_sql = nullptr;
};

// How an entity is searched: the SELECT of its id, its tag table, its
// attribute columns and its orders. Every text here is fixed by the caller.
struct EntitySearchSpec {
  const char* select;     // "SELECT e.experiment_id FROM experiments e"
  const char* owner;      // the column tag rows hang off: "e.experiment_id"
  const char* tag_table;  // "experiment_tags"
  const char* tag_owner;  // its owner column: "experiment_id"
  std::span<const SearchColumn> columns;
  const char* lifecycle_column;  // nullptr: the view type is ignored
  const char* default_order;     // when order_by is empty
  const char* tie_breaker;       // appended after order_by keys...
  std::string_view unique_key;   // ...unless they include this attribute
  const char* noun;              // for messages: "experiments"
  // tags.k != 'v' (and NOT IN) also match entities without the tag. The
  // mlflow client appends `tags.mlflow.prompt.is_prompt != 'true'` to every
  // registry search and expects untagged models back.
  bool tag_ne_matches_missing = false;
};

// Compiles a search of `spec`'s entity: one SELECT of its id with LIMIT and
// OFFSET bound. kInvalidArgument as BuildRunSearchSql.
Result<SqlQuery> BuildEntitySearchSql(const EntitySearchSpec& spec,
                                      const EntitySearch& search);

// SELECT e.experiment_id FROM experiments e ... default order
// creation_time DESC, experiment_id ASC; with order_by, its keys then
// experiment_id DESC as the tie-breaker (both MLflow's). One column.
Result<SqlQuery> BuildExperimentSearchSql(const ExperimentSearch& search);

}  // namespace ferry::tracking
