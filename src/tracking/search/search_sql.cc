// The SQL half of the search grammar (filter.h): compiles a parsed filter
// and ordering to one parameterised SELECT. The SQL text is assembled only
// from fixed fragments chosen by enum values and by whitelisted attribute
// keys; every key name and value from the user is a bound `?` parameter.
//
// Query shape (runs, scan plan): runs_by_experiment narrows `runs` to the experiments
// (kept as the driver so a small experiment stays cheap in a large store);
// param/tag equality and IN lists are uncorrelated IN-subqueries answered
// from the (key, value) indexes; other metric/param/tag/dataset clauses are
// correlated EXISTS probing their table's (run_uuid, key) primary key; each
// order key is a LEFT JOIN on that primary key, so a run never appears
// twice. 100,000 runs x 10 metrics: ~85-140 ms on SQLite for three clauses
// and two order keys (see run_search_sql_test.cc, ScaleFilterAndOrder).
// Order-index plan (first order key a metric): three parts whose
// concatenation is the answer, so a LIMIT stops the first part after a few
// index entries (run_search.cc runs them and picks the plan).
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tracking/search/filter.h"

namespace ferry::tracking {
namespace {

using store::Dialect;
using store::SqlParams;
using store::SqlValue;

// SQL text plus its parameters, kept in textual order.
struct Sql {
  std::string text;
  SqlParams params;

  void Add(std::string_view t) { text += t; }
  void Bind(SqlValue v) {
    text += "?";
    params.push_back(std::move(v));
  }
  void Append(Sql other) {
    text += other.text;
    for (auto& p : other.params) params.push_back(std::move(p));
  }
};

// A whitelisted column (SearchColumn, filter.h) is the only way an attribute
// key reaches SQL text.
using Column = SearchColumn;

constexpr Column kRunColumns[] = {
    {"run_id", "r.run_uuid", false},
    {"run_name", "r.name", false},
    {"status", "r.status", false},
    {"user_id", "r.user_id", false},
    {"artifact_uri", "r.artifact_uri", false},
    {"lifecycle_stage", "r.lifecycle_stage", false},
    {"start_time", "r.start_time", true},
    {"end_time", "r.end_time", true},
};

Result<Column> FindColumn(std::span<const Column> columns, const std::string& key) {
  for (const Column& c : columns) {
    if (c.key == key) return c;
  }
  return InvalidArgument("invalid attribute key '" + key + "'");
}

const char* OpText(Comparator op) {
  switch (op) {
    case Comparator::kEq:
      return " = ";
    case Comparator::kNe:
      return " != ";
    case Comparator::kLt:
      return " < ";
    case Comparator::kLe:
      return " <= ";
    case Comparator::kGt:
      return " > ";
    case Comparator::kGe:
      return " >= ";
    default:
      return nullptr;
  }
}

// LIKE patterns: % matches any run of characters, _ one character, and a
// backslash makes the next character literal (PostgreSQL's default escape,
// made explicit on SQLite). A lone trailing backslash stands for itself.
std::string CanonicalLike(std::string_view like) {
  std::string out(like);
  size_t run = 0;
  for (size_t i = out.size(); i > 0 && out[i - 1] == '\\'; --i) ++run;
  if (run % 2 == 1) out += '\\';
  return out;
}

// The same pattern for SQLite's case-sensitive GLOB: * ? [ are bracketed so
// they stay literal.
std::string LikeToGlob(std::string_view like) {
  std::string glob;
  auto literal = [&glob](char c) {
    if (c == '*' || c == '?' || c == '[') {
      glob += '[';
      glob += c;
      glob += ']';
    } else {
      glob += c;
    }
  };
  for (size_t i = 0; i < like.size(); ++i) {
    char c = like[i];
    if (c == '\\' && i + 1 < like.size()) {
      literal(like[++i]);
    } else if (c == '%') {
      glob += '*';
    } else if (c == '_') {
      glob += '?';
    } else {
      literal(c);
    }
  }
  return glob;
}

Status WrongValue(const Clause& c, const char* want) {
  return InvalidArgument("filter on '" + c.key + "' needs " + want);
}

// `column <op> value` for a text column (or expression).
Status StringPredicate(Sql& sql, const std::string& column, const Clause& c, Dialect d) {
  if (c.op == Comparator::kIn || c.op == Comparator::kNotIn) {
    const auto* items = std::get_if<std::vector<std::string>>(&c.value);
    if (!items || items->empty()) return WrongValue(c, "a non-empty list of strings");
    sql.Add(column + (c.op == Comparator::kIn ? " IN (" : " NOT IN ("));
    for (size_t i = 0; i < items->size(); ++i) {
      if (i) sql.Add(", ");
      sql.Bind((*items)[i]);
    }
    sql.Add(")");
    return Status::Ok();
  }
  const auto* value = std::get_if<std::string>(&c.value);
  if (!value) return WrongValue(c, "a string");
  switch (c.op) {
    case Comparator::kLike:
      if (d == Dialect::kSqlite) {  // SQLite's LIKE ignores case; GLOB does not
        sql.Add(column + " GLOB ");
        sql.Bind(LikeToGlob(CanonicalLike(*value)));
      } else {
        sql.Add(column + " LIKE ");
        sql.Bind(CanonicalLike(*value));
      }
      return Status::Ok();
    case Comparator::kILike:
      sql.Add(column + (d == Dialect::kSqlite ? " LIKE " : " ILIKE "));
      sql.Bind(CanonicalLike(*value));
      if (d == Dialect::kSqlite) sql.Add(" ESCAPE '\\'");
      return Status::Ok();
    case Comparator::kEq:
    case Comparator::kNe:
      sql.Add(column + OpText(c.op));
      sql.Bind(*value);
      return Status::Ok();
    default:
      return InvalidArgument("comparator not supported for a string filter on '" + c.key +
                             "'");
  }
}

// A number for comparison with an INTEGER column: bound as an integer when
// it is one, else cast so PostgreSQL compares in floating point instead of
// failing to read "1.5" as a bigint.
void BindNumber(Sql& sql, double v) {
  if (v >= -9.2e18 && v <= 9.2e18 && v == static_cast<double>(static_cast<int64_t>(v))) {
    sql.Bind(static_cast<int64_t>(v));
  } else {
    sql.Add("CAST(");
    sql.Bind(v);
    sql.Add(" AS DOUBLE PRECISION)");
  }
}

Status NumberPredicate(Sql& sql, const std::string& column, const Clause& c) {
  const auto* v = std::get_if<double>(&c.value);
  if (!v) return WrongValue(c, "a number");
  if (!OpText(c.op)) {
    return InvalidArgument("comparator not supported for '" + c.key + "'");
  }
  sql.Add(column + OpText(c.op));
  BindNumber(sql, *v);
  return Status::Ok();
}

// A metric clause. NaN is stored as value 0 with is_nan = 1 and compares
// as IEEE NaN does (and as MLflow's in-memory search does): only != holds.
Status MetricClause(Sql& sql, const Clause& c) {
  const auto* v = std::get_if<double>(&c.value);
  if (!v) return WrongValue(c, "a number");
  if (!OpText(c.op)) {
    return InvalidArgument("comparator not supported for metric '" + c.key + "'");
  }
  sql.Add("EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid");
  sql.Add(" AND m.key = ");
  sql.Bind(c.key);
  if (c.op == Comparator::kNe) {
    sql.Add(" AND (m.is_nan = 1 OR m.value != ");
    sql.Bind(*v);
    sql.Add("))");
  } else {
    sql.Add(std::string(" AND m.is_nan = 0 AND m.value") + OpText(c.op));
    sql.Bind(*v);
    sql.Add(")");
  }
  return Status::Ok();
}

// A clause on a key/value table (params, tags, experiment_tags). Equality
// and IN lists are usually selective, so they are an uncorrelated
// `owner IN (SELECT ...)` that SQLite answers from the (key, value) index
// once; everything else is a correlated EXISTS probing the (owner, key)
// primary key per candidate row. IS NULL is NOT EXISTS (the key is absent).
// `owner` is the table's owner column, `outer` the searched row's.
Status KeyValueClause(Sql& sql, const char* table, const char* owner, const char* outer,
                      const Clause& c, Dialect d, bool correlated = false) {
  if (!correlated && (c.op == Comparator::kEq || c.op == Comparator::kIn)) {
    sql.Add(std::string(outer) + " IN (SELECT kv." + owner + " FROM " + table +
            " kv WHERE kv.key = ");
    sql.Bind(c.key);
    sql.Add(" AND ");
    RETURN_IF_ERROR(StringPredicate(sql, "kv.value", c, d));
    sql.Add(")");
    return Status::Ok();
  }
  bool absent = c.op == Comparator::kIsNull;
  sql.Add(std::string(absent ? "NOT EXISTS" : "EXISTS") + " (SELECT 1 FROM " + table +
          " kv WHERE kv." + owner + " = " + outer + " AND kv.key = ");
  sql.Bind(c.key);
  if (c.op != Comparator::kIsNull && c.op != Comparator::kIsNotNull) {
    sql.Add(" AND ");
    RETURN_IF_ERROR(StringPredicate(sql, "kv.value", c, d));
  }
  sql.Add(")");
  return Status::Ok();
}

// Datasets reach runs through run_inputs. The context is the input tag
// mlflow.data.context, kept in run_inputs.tags as a JSON array of
// {"key": ..., "value": ...} objects, read with the engine's JSON functions.
Status DatasetClause(Sql& sql, const Clause& c, Dialect d) {
  if (c.key == "context") {
    if (d == Dialect::kSqlite) {
      sql.Add(
          "EXISTS (SELECT 1 FROM run_inputs i, json_each(CASE WHEN json_valid(i.tags) "
          "THEN i.tags ELSE '[]' END) t WHERE i.run_uuid = r.run_uuid AND "
          "json_extract(t.value, '$.key') = ");
      sql.Bind(std::string("mlflow.data.context"));
      sql.Add(" AND ");
      RETURN_IF_ERROR(StringPredicate(sql, "json_extract(t.value, '$.value')", c, d));
    } else {
      sql.Add(
          "EXISTS (SELECT 1 FROM run_inputs i, json_array_elements(i.tags::json) t(elem) "
          "WHERE i.run_uuid = r.run_uuid AND (t.elem ->> 'key') = ");
      sql.Bind(std::string("mlflow.data.context"));
      sql.Add(" AND ");
      RETURN_IF_ERROR(StringPredicate(sql, "(t.elem ->> 'value')", c, d));
    }
    sql.Add(")");
    return Status::Ok();
  }
  if (c.key != "name" && c.key != "digest") {
    return InvalidArgument("invalid dataset key '" + c.key + "'");
  }
  sql.Add(
      "EXISTS (SELECT 1 FROM run_inputs i JOIN datasets ds ON ds.dataset_uuid = "
      "i.dataset_uuid WHERE i.run_uuid = r.run_uuid AND ");
  RETURN_IF_ERROR(StringPredicate(sql, c.key == "name" ? "ds.name" : "ds.digest", c, d));
  sql.Add(")");
  return Status::Ok();
}

// `correlated`: every key/value clause probes per run (the order-index
// plan visits few runs, so building an IN list would cost more).
Status RunClause(Sql& sql, const Clause& c, Dialect d, bool correlated) {
  switch (c.entity) {
    case Entity::kMetric:
      return MetricClause(sql, c);
    case Entity::kParam:
      return KeyValueClause(sql, "params", "run_uuid", "r.run_uuid", c, d, correlated);
    case Entity::kTag:
      return KeyValueClause(sql, "tags", "run_uuid", "r.run_uuid", c, d, correlated);
    case Entity::kDataset:
      return DatasetClause(sql, c, d);
    case Entity::kAttribute: {
      ASSIGN_OR_RETURN(Column col, FindColumn(kRunColumns, c.key));
      return col.numeric ? NumberPredicate(sql, col.sql, c)
                         : StringPredicate(sql, col.sql, c, d);
    }
  }
  return InvalidArgument("invalid filter entity");
}

// SQLite tests AND terms in the order written, so the cheap ones go first:
// plain column predicates, then indexed key/value look-ups, then the
// correlated probes in the user's order. The result is the same either way.
std::vector<const Clause*> CheapestFirst(const std::vector<Clause>& clauses) {
  auto rank = [](const Clause& c) {
    if (c.entity == Entity::kAttribute) return 0;
    bool kv = c.entity == Entity::kParam || c.entity == Entity::kTag;
    return kv && (c.op == Comparator::kEq || c.op == Comparator::kIn) ? 1 : 2;
  };
  std::vector<const Clause*> out;
  for (const Clause& c : clauses) out.push_back(&c);
  std::stable_sort(out.begin(), out.end(),
                   [&](const Clause* a, const Clause* b) { return rank(*a) < rank(*b); });
  return out;
}

void BindView(Sql& sql, const char* column, ViewType view) {
  if (view == ViewType::kAll) return;
  sql.Add(std::string(" AND ") + column + " = ");
  sql.Bind(std::string(view == ViewType::kActiveOnly ? "active" : "deleted"));
}

Status CheckPaging(int64_t limit, int64_t offset) {
  if (limit < 0 || offset < 0) {
    return InvalidArgument("limit and offset must not be negative");
  }
  return Status::Ok();
}

// Text sorts by code point on both engines (SQLite's BINARY collation; on
// PostgreSQL the "C" collation rather than the database's locale).
std::string TextOrder(const std::string& expr, Dialect d) {
  return d == Dialect::kPostgres ? expr + " COLLATE \"C\"" : expr;
}

// One ORDER BY term set: presence first (missing last in both directions),
// then the value.
struct OrderTerms {
  Sql joins;
  std::string order;

  // `presence` sorts missing values last; empty for NOT NULL columns.
  void Key(const std::string& presence, const std::string& value, bool ascending) {
    if (!order.empty()) order += ", ";
    if (!presence.empty()) order += presence + ", ";
    order += value + (ascending ? " ASC" : " DESC");
  }
};

Status CheckDuplicate(const std::vector<OrderBy>& keys, size_t i) {
  for (size_t j = 0; j < i; ++j) {
    if (keys[j].entity == keys[i].entity && keys[j].key == keys[i].key) {
      return InvalidArgument("order_by contains duplicate fields: '" + keys[i].key + "'");
    }
  }
  return Status::Ok();
}

// A LEFT JOIN on a (owner, key) primary key under a unique alias; `outer`
// is the owner's column in the searched table.
std::string JoinKey(Sql& joins, const char* table, const char* owner, const char* outer,
                    const OrderBy& o, size_t n) {
  std::string alias = "o" + std::to_string(n);
  joins.Add(std::string(" LEFT JOIN ") + table + " " + alias + " ON " + alias + "." +
            owner + " = " + outer + " AND " + alias + ".key = ");
  joins.Bind(o.key);
  return alias;
}

// An order key on a key/value table (params, tags): missing values last.
void KeyValueOrderKey(OrderTerms& t, const char* table, const char* owner, const char* outer,
                      const OrderBy& o, size_t n, Dialect d) {
  std::string a = JoinKey(t.joins, table, owner, outer, o, n);
  t.Key("CASE WHEN " + a + ".value IS NULL THEN 1 ELSE 0 END", TextOrder(a + ".value", d),
        o.ascending);
}

// MLflow's order: metrics put NaN after numbers and missing after NaN.
Status RunOrderKey(OrderTerms& t, const OrderBy& o, size_t n, Dialect d) {
  switch (o.entity) {
    case Entity::kMetric: {
      std::string a = JoinKey(t.joins, "latest_metrics", "run_uuid", "r.run_uuid", o, n);
      t.Key("CASE WHEN " + a + ".run_uuid IS NULL THEN 2 WHEN " + a +
                ".is_nan = 1 THEN 1 ELSE 0 END",
            a + ".value", o.ascending);
      return Status::Ok();
    }
    case Entity::kParam:
    case Entity::kTag:
      KeyValueOrderKey(t, o.entity == Entity::kParam ? "params" : "tags", "run_uuid",
                       "r.run_uuid", o, n, d);
      return Status::Ok();
    case Entity::kAttribute: {
      ASSIGN_OR_RETURN(Column col, FindColumn(kRunColumns, o.key));
      std::string c = col.sql;
      t.Key("CASE WHEN " + c + " IS NULL THEN 1 ELSE 0 END",
            col.numeric ? c : TextOrder(c, d), o.ascending);
      return Status::Ok();
    }
    case Entity::kDataset:
      break;
  }
  return InvalidArgument("runs cannot be ordered by datasets");
}

// An order key of an entity searched by attributes and tags.
Status EntityOrderKey(OrderTerms& t, const EntitySearchSpec& spec, const OrderBy& o,
                      size_t n, Dialect d) {
  if (o.entity == Entity::kTag) {
    KeyValueOrderKey(t, spec.tag_table, spec.tag_owner, spec.owner, o, n, d);
    return Status::Ok();
  }
  if (o.entity != Entity::kAttribute) {
    return InvalidArgument(std::string(spec.noun) +
                           " can be ordered by attributes and tags only");
  }
  ASSIGN_OR_RETURN(Column col, FindColumn(spec.columns, o.key));
  // order_sql is used as given (experiment_id orders as the integer).
  std::string sql = col.order_sql ? std::string(col.order_sql)
                    : col.numeric ? std::string(col.sql)
                                  : TextOrder(col.sql, d);
  t.Key("", sql, o.ascending);
  return Status::Ok();
}

void AddPaging(Sql& sql, int64_t limit, int64_t offset) {
  sql.Add(" LIMIT ");
  sql.Bind(limit);
  sql.Add(" OFFSET ");
  sql.Bind(offset);
}

}  // namespace

namespace {

// The WHERE conditions of a run search (experiments, view, filter, nesting).
Result<Sql> RunConditions(const RunSearch& search, bool walk) {
  Sql conds;
  conds.Add("r.experiment_id IN (");
  for (size_t i = 0; i < search.experiment_ids.size(); ++i) {
    if (i) conds.Add(", ");
    conds.Bind(search.experiment_ids[i]);
  }
  conds.Add(")");
  BindView(conds, "r.lifecycle_stage", search.view);
  for (const Clause* c : CheapestFirst(search.filter.clauses)) {
    conds.Add(" AND ");
    RETURN_IF_ERROR(RunClause(conds, *c, search.dialect, walk));
  }
  if (search.top_level_only) {
    conds.Add(
        " AND NOT EXISTS (SELECT 1 FROM tags pt WHERE pt.run_uuid = r.run_uuid"
        " AND pt.key = 'mlflow.parentRunId')");
  }
  return conds;
}

}  // namespace

Result<SqlQuery> BuildRunCountSql(const RunSearch& search) {
  if (search.experiment_ids.empty()) {
    return InvalidArgument("search needs at least one experiment id");
  }
  ASSIGN_OR_RETURN(Sql conds, RunConditions(search, false));
  Sql sql;
  sql.Add("SELECT COUNT(*) FROM runs r WHERE ");
  sql.Append(std::move(conds));
  return SqlQuery{std::move(sql.text), std::move(sql.params)};
}

Result<RunSearchSql> BuildRunSearchSql(const RunSearch& search) {
  if (search.experiment_ids.empty()) {
    return InvalidArgument("search needs at least one experiment id");
  }
  RETURN_IF_ERROR(CheckPaging(search.limit, search.offset));
  const Dialect d = search.dialect;
  const bool walk = search.plan == RunSearchPlan::kOrderIndex &&
                    !search.order_by.empty() &&
                    search.order_by[0].entity == Entity::kMetric;
  // In the walk plan the first (metric) key is the driving table o0, so the
  // LEFT JOINs and ORDER BY terms here are those of the other keys.
  OrderTerms terms;
  bool by_start_time = false;
  for (size_t i = 0; i < search.order_by.size(); ++i) {
    const OrderBy& o = search.order_by[i];
    RETURN_IF_ERROR(CheckDuplicate(search.order_by, i));
    if (!(walk && i == 0)) RETURN_IF_ERROR(RunOrderKey(terms, o, i, d));
    by_start_time |= o.entity == Entity::kAttribute && o.key == "start_time";
  }
  if (!by_start_time) terms.Key("", "r.start_time", false);
  terms.Key("", TextOrder("r.run_uuid", d), true);

  ASSIGN_OR_RETURN(Sql conds, RunConditions(search, walk));

  RunSearchSql out;
  if (!walk) {
    Sql sql;
    sql.Add("SELECT r.run_uuid FROM runs r");
    sql.Append(std::move(terms.joins));
    sql.Add(" WHERE ");
    sql.Append(std::move(conds));
    sql.Add(" ORDER BY " + terms.order);
    out.parts.push_back({std::move(sql.text), std::move(sql.params)});
    return out;
  }
  // Walk plan: numbers in index order, then NaNs, then runs without the key.
  // CROSS JOIN keeps o0 the outer loop on SQLite.
  const OrderBy& first = search.order_by[0];
  for (int nan = 0; nan < 2; ++nan) {
    Sql sql;
    sql.Add("SELECT r.run_uuid FROM latest_metrics o0 CROSS JOIN runs r");
    sql.Append(Sql(terms.joins));
    sql.Add(" WHERE o0.key = ");
    sql.Bind(first.key);
    sql.Add(nan ? " AND o0.is_nan = 1" : " AND o0.is_nan = 0");
    sql.Add(" AND r.run_uuid = o0.run_uuid AND ");
    sql.Append(Sql(conds));
    sql.Add(" ORDER BY ");
    if (!nan) sql.Add(std::string("o0.value") + (first.ascending ? " ASC, " : " DESC, "));
    sql.Add(terms.order);
    out.parts.push_back({std::move(sql.text), std::move(sql.params)});
  }
  Sql missing;
  missing.Add("SELECT r.run_uuid FROM runs r");
  missing.Append(std::move(terms.joins));
  missing.Add(" WHERE ");
  missing.Append(std::move(conds));
  missing.Add(
      " AND NOT EXISTS (SELECT 1 FROM latest_metrics o0 WHERE o0.run_uuid = r.run_uuid"
      " AND o0.key = ");
  missing.Bind(first.key);
  missing.Add(") ORDER BY " + terms.order);
  out.parts.push_back({std::move(missing.text), std::move(missing.params)});
  return out;
}

Result<SqlQuery> BuildEntitySearchSql(const EntitySearchSpec& spec,
                                      const EntitySearch& search) {
  RETURN_IF_ERROR(CheckPaging(search.limit, search.offset));
  OrderTerms terms;
  bool total = false;
  for (size_t i = 0; i < search.order_by.size(); ++i) {
    const OrderBy& o = search.order_by[i];
    RETURN_IF_ERROR(CheckDuplicate(search.order_by, i));
    RETURN_IF_ERROR(EntityOrderKey(terms, spec, o, i, search.dialect));
    total |= o.entity == Entity::kAttribute && o.key == spec.unique_key;
  }
  if (search.order_by.empty()) {
    terms.order = spec.default_order;
  } else if (!total) {
    terms.order += std::string(", ") + spec.tie_breaker;
  }

  Sql where;
  where.Add(" WHERE 1 = 1");
  if (spec.lifecycle_column) BindView(where, spec.lifecycle_column, search.view);
  for (const Clause& c : search.filter.clauses) {
    where.Add(" AND ");
    if (c.entity == Entity::kTag) {
      if (spec.tag_ne_matches_missing &&
          (c.op == Comparator::kNe || c.op == Comparator::kNotIn)) {
        Clause positive = c;  // != v / NOT IN (...) as NOT (= v / IN (...))
        positive.op = c.op == Comparator::kNe ? Comparator::kEq : Comparator::kIn;
        where.Add("NOT ");
        RETURN_IF_ERROR(KeyValueClause(where, spec.tag_table, spec.tag_owner, spec.owner,
                                       positive, search.dialect));
        continue;
      }
      RETURN_IF_ERROR(KeyValueClause(where, spec.tag_table, spec.tag_owner, spec.owner, c,
                                     search.dialect));
      continue;
    }
    if (c.entity != Entity::kAttribute) {
      return InvalidArgument(std::string(spec.noun) +
                             " can be filtered by attributes and tags only");
    }
    ASSIGN_OR_RETURN(Column col, FindColumn(spec.columns, c.key));
    RETURN_IF_ERROR(col.numeric ? NumberPredicate(where, col.sql, c)
                                : StringPredicate(where, col.sql, c, search.dialect));
  }

  Sql sql;
  sql.Add(spec.select);
  sql.Append(std::move(terms.joins));
  sql.Append(std::move(where));
  sql.Add(" ORDER BY " + terms.order);
  AddPaging(sql, search.limit, search.offset);
  return SqlQuery{std::move(sql.text), std::move(sql.params)};
}

namespace {

constexpr Column kExperimentColumns[] = {
    {"name", "e.name", false},
    {"experiment_id", "CAST(e.experiment_id AS TEXT)", false, "e.experiment_id"},
    {"creation_time", "e.creation_time", true},
    {"last_update_time", "e.last_update_time", true},
};

// MLflow's orders: creation_time DESC, experiment_id ASC by default; after
// order_by keys, experiment_id DESC.
constexpr EntitySearchSpec kExperimentSpec{
    "SELECT e.experiment_id FROM experiments e",
    "e.experiment_id",
    "experiment_tags",
    "experiment_id",
    kExperimentColumns,
    "e.lifecycle_stage",
    "e.creation_time DESC, e.experiment_id ASC",
    "e.experiment_id DESC",
    "experiment_id",
    "experiments",
    false,
};

}  // namespace

Result<SqlQuery> BuildExperimentSearchSql(const ExperimentSearch& search) {
  return BuildEntitySearchSql(kExperimentSpec, search);
}

}  // namespace ferry::tracking
