// Compiles parsed filters and orderings to parameterised SQL over the
// tracking schema. Only `?` placeholders carry user text; the SQL text is
// built from fixed fragments chosen by enum values.
#include <string>

#include "tracking/search/filter.h"

namespace ferry::tracking {
namespace {

using store::Dialect;
using store::SqlParams;

// SQL text plus its parameters, kept in textual order.
struct Sql {
  std::string text;
  SqlParams params;
  void Add(std::string_view t) { text += t; }
  void Bind(store::SqlValue v) {
    text += "?";
    params.push_back(std::move(v));
  }
  void Append(Sql other) {
    text += other.text;
    for (auto& p : other.params) params.push_back(std::move(p));
  }
};

const char* OpText(Comparator op) {
  switch (op) {
    case Comparator::kEq: return " = ";
    case Comparator::kNe: return " != ";
    case Comparator::kLt: return " < ";
    case Comparator::kLe: return " <= ";
    case Comparator::kGt: return " > ";
    case Comparator::kGe: return " >= ";
    default: return " = ";
  }
}

// LIKE pattern → GLOB pattern (SQLite's case-sensitive matcher).
std::string LikeToGlob(const std::string& like) {
  std::string glob;
  for (char c : like) {
    if (c == '%') glob += '*';
    else if (c == '_') glob += '?';
    else if (c == '*' || c == '?' || c == '[') glob += std::string("[") + c + "]";
    else glob += c;
  }
  return glob;
}

// `column <op> value` for string-valued comparisons.
void StringPredicate(Sql& sql, const std::string& column, const Clause& c, Dialect d) {
  switch (c.op) {
    case Comparator::kLike:
      if (d == Dialect::kSqlite) {
        sql.Add(column + " GLOB ");
        sql.Bind(LikeToGlob(std::get<std::string>(c.value)));
      } else {
        sql.Add(column + " LIKE ");
        sql.Bind(std::get<std::string>(c.value));
      }
      return;
    case Comparator::kILike:
      sql.Add(d == Dialect::kSqlite ? "LOWER(" + column + ") LIKE LOWER("
                                    : column + " ILIKE (");
      sql.Bind(std::get<std::string>(c.value));
      sql.Add(")");
      return;
    case Comparator::kIn:
    case Comparator::kNotIn: {
      sql.Add(column + (c.op == Comparator::kIn ? " IN (" : " NOT IN ("));
      const auto& items = std::get<std::vector<std::string>>(c.value);
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) sql.Add(", ");
        sql.Bind(items[i]);
      }
      sql.Add(")");
      return;
    }
    default:
      sql.Add(column + OpText(c.op));
      sql.Bind(std::get<std::string>(c.value));
  }
}

void NumberPredicate(Sql& sql, const std::string& column, const Clause& c) {
  double v = std::get<double>(c.value);
  sql.Add(column + OpText(c.op));
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v > -9.2e18 && v < 9.2e18) {
    sql.Bind(static_cast<int64_t>(v));
  } else {
    sql.Bind(v);
  }
}

// EXISTS over a key/value table (params, tags) or its negation for IS NULL.
void KeyValueClause(Sql& sql, const char* table, const std::string& owner,
                    const Clause& c, Dialect d) {
  bool negate = c.op == Comparator::kIsNull;
  sql.Add(std::string(negate ? "NOT EXISTS" : "EXISTS") + " (SELECT 1 FROM " + table +
          " kv WHERE kv." + owner + " AND kv.key = ");
  sql.Bind(c.key);
  if (c.op != Comparator::kIsNull && c.op != Comparator::kIsNotNull) {
    sql.Add(" AND ");
    StringPredicate(sql, "kv.value", c, d);
  }
  sql.Add(")");
}

std::string RunColumn(const std::string& key) {
  if (key == "run_id") return "r.run_uuid";
  if (key == "run_name") return "r.name";
  return "r." + key;  // status, user_id, artifact_uri, lifecycle_stage, *_time
}

void RunClause(Sql& sql, const Clause& c, Dialect d) {
  switch (c.entity) {
    case Entity::kMetric:
      sql.Add("EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid "
              "AND m.key = ");
      sql.Bind(c.key);
      sql.Add(" AND m.is_nan = 0 AND ");
      NumberPredicate(sql, "m.value", c);
      sql.Add(")");
      return;
    case Entity::kParam:
      return KeyValueClause(sql, "params", "run_uuid = r.run_uuid", c, d);
    case Entity::kTag:
      return KeyValueClause(sql, "tags", "run_uuid = r.run_uuid", c, d);
    case Entity::kAttribute:
      if (std::holds_alternative<double>(c.value)) {
        return NumberPredicate(sql, RunColumn(c.key), c);
      }
      return StringPredicate(sql, RunColumn(c.key), c, d);
    case Entity::kDataset:
      sql.Add("EXISTS (SELECT 1 FROM run_inputs i JOIN datasets ds ON ds.dataset_uuid "
              "= i.dataset_uuid WHERE i.run_uuid = r.run_uuid AND ");
      if (c.key == "context") {
        // Input tags are stored as JSON text: [{"key":...,"value":...}].
        sql.Add(d == Dialect::kSqlite ? "instr(i.tags, " : "strpos(i.tags, ");
        sql.Bind("{\"key\":\"mlflow.data.context\",\"value\":\"" +
                 std::get<std::string>(c.value) + "\"}");
        sql.Add(") > 0)");
        return;
      }
      StringPredicate(sql, "ds." + c.key, c, d);
      sql.Add(")");
      return;
  }
}

const char* ViewPredicate(ViewType view) {
  switch (view) {
    case ViewType::kActiveOnly: return "lifecycle_stage = 'active'";
    case ViewType::kDeletedOnly: return "lifecycle_stage = 'deleted'";
    case ViewType::kAll: return "1 = 1";
  }
  return "1 = 1";
}

// LEFT JOIN for one order key plus its ORDER BY terms (missing last, then
// NaN before missing for metrics, as MLflow orders).
void RunOrder(Sql& joins, std::string& order, const OrderBy& o, int n) {
  std::string alias = "o" + std::to_string(n);
  std::string dir = o.ascending ? " ASC" : " DESC";
  if (!order.empty()) order += ", ";
  if (o.entity == Entity::kAttribute) {
    std::string col = RunColumn(o.key);
    order += "CASE WHEN " + col + " IS NULL THEN 1 ELSE 0 END, " + col + dir;
    return;
  }
  const char* table = o.entity == Entity::kMetric  ? "latest_metrics"
                      : o.entity == Entity::kParam ? "params"
                                                   : "tags";
  joins.Add(std::string(" LEFT JOIN ") + table + " " + alias + " ON " + alias +
            ".run_uuid = r.run_uuid AND " + alias + ".key = ");
  joins.Bind(o.key);
  if (o.entity == Entity::kMetric) {
    order += "CASE WHEN " + alias + ".run_uuid IS NULL THEN 2 WHEN " + alias +
             ".is_nan = 1 THEN 1 ELSE 0 END, " + alias + ".value" + dir;
  } else {
    order += "CASE WHEN " + alias + ".value IS NULL THEN 1 ELSE 0 END, " + alias +
             ".value" + dir;
  }
}

}  // namespace

Result<SqlQuery> BuildRunSearchSql(const RunSearch& search) {
  if (search.experiment_ids.empty()) {
    return InvalidArgument("search needs at least one experiment id");
  }
  Sql joins;
  std::string order;
  for (size_t i = 0; i < search.order_by.size(); ++i) {
    RunOrder(joins, order, search.order_by[i], static_cast<int>(i));
  }
  Sql where;
  where.Add(" WHERE r.experiment_id IN (");
  for (size_t i = 0; i < search.experiment_ids.size(); ++i) {
    if (i) where.Add(", ");
    where.Bind(search.experiment_ids[i]);
  }
  where.Add(std::string(") AND r.") + ViewPredicate(search.view));
  for (const Clause& c : search.filter.clauses) {
    where.Add(" AND ");
    RunClause(where, c, search.dialect);
  }
  Sql sql;
  sql.Add("SELECT r.run_uuid FROM runs r");
  sql.Append(std::move(joins));
  sql.Append(std::move(where));
  sql.Add(" ORDER BY " + (order.empty() ? "" : order + ", ") +
          "r.start_time DESC, r.run_uuid ASC LIMIT ");
  sql.Bind(search.limit);
  sql.Add(" OFFSET ");
  sql.Bind(search.offset);
  return SqlQuery{std::move(sql.text), std::move(sql.params)};
}

Result<SqlQuery> BuildExperimentSearchSql(const ExperimentSearch& search) {
  Sql sql;
  std::string order;
  for (size_t i = 0; i < search.order_by.size(); ++i) {
    const OrderBy& o = search.order_by[i];
    std::string dir = o.ascending ? " ASC" : " DESC";
    if (!order.empty()) order += ", ";
    if (o.entity == Entity::kTag) {
      std::string alias = "o" + std::to_string(i);
      sql.Add(" LEFT JOIN experiment_tags " + alias + " ON " + alias +
              ".experiment_id = e.experiment_id AND " + alias + ".key = ");
      sql.Bind(o.key);
      order += "CASE WHEN " + alias + ".value IS NULL THEN 1 ELSE 0 END, " + alias +
               ".value" + dir;
    } else {
      order += "e." + o.key + dir;
    }
  }
  Sql where;
  where.Add(std::string(" WHERE e.") + ViewPredicate(search.view));
  for (const Clause& c : search.filter.clauses) {
    where.Add(" AND ");
    if (c.entity == Entity::kTag) {
      KeyValueClause(where, "experiment_tags", "experiment_id = e.experiment_id", c,
                     search.dialect);
    } else if (c.key == "experiment_id") {
      StringPredicate(where, "CAST(e.experiment_id AS TEXT)", c, search.dialect);
    } else if (std::holds_alternative<double>(c.value)) {
      NumberPredicate(where, "e." + c.key, c);
    } else {
      StringPredicate(where, "e." + c.key, c, search.dialect);
    }
  }
  Sql out;
  out.Add("SELECT e.experiment_id FROM experiments e");
  out.Append(std::move(sql));
  out.Append(std::move(where));
  out.Add(" ORDER BY " + (order.empty() ? "" : order + ", ") +
          "e.creation_time DESC, e.experiment_id ASC LIMIT ");
  out.Bind(search.limit);
  out.Add(" OFFSET ");
  out.Bind(search.offset);
  return SqlQuery{std::move(out.text), std::move(out.params)};
}

}  // namespace ferry::tracking
