#include "tracking/batch_writer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>

namespace ferry::tracking {
namespace {

using store::Row;
using store::SqlConnection;
using store::SqlParams;

// Stored metric value: NaN is kept as 0 with is_nan = 1 (SQLite turns NaN
// into NULL otherwise).
SqlParams MetricRow(const std::string& run_id, const Metric& m) {
  bool nan = std::isnan(m.value);
  return {run_id, m.key, nan ? 0.0 : m.value, int64_t{nan ? 1 : 0},
          m.timestamp, m.step};
}

std::string ValuesList(size_t rows, size_t cols) {
  std::string one = "(";
  for (size_t c = 0; c < cols; ++c) one += c ? ",?" : "?";
  one += ")";
  std::string all;
  all.reserve(rows * (one.size() + 1));
  for (size_t r = 0; r < rows; ++r) {
    if (r) all += ",";
    all += one;
  }
  return all;
}

constexpr size_t kChunk = 200;  // rows per multi-row INSERT

template <typename Item, typename ToRow>
void AppendRows(SqlParams& params, const Item* first, size_t n, ToRow to_row) {
  for (size_t i = 0; i < n; ++i) {
    SqlParams row = to_row(first[i]);
    for (auto& v : row) params.push_back(std::move(v));
  }
}

// Inserts rows in chunks of at most kChunk rows per statement.
template <typename Item, typename ToRow>
Status InsertMany(SqlConnection& conn, const std::string& head,
                  const std::string& tail, size_t cols,
                  const std::vector<Item>& items, ToRow to_row) {
  for (size_t begin = 0; begin < items.size(); begin += kChunk) {
    size_t n = std::min(kChunk, items.size() - begin);
    SqlParams params;
    params.reserve(n * cols);
    AppendRows(params, items.data() + begin, n, to_row);
    RETURN_IF_ERROR(
        conn.Execute(head + ValuesList(n, cols) + tail, params).status());
  }
  return Status::Ok();
}

constexpr const char* kMetricsHead =
    "INSERT INTO metrics (run_uuid, key, value, is_nan, timestamp, step) VALUES ";
constexpr const char* kMetricsTail = " ON CONFLICT DO NOTHING";
constexpr const char* kLatestHead =
    "INSERT INTO latest_metrics (run_uuid, key, value, is_nan, timestamp, step) "
    "VALUES ";
constexpr const char* kLatestTail =
    " ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, "
    "is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = "
    "excluded.step WHERE excluded.step > latest_metrics.step OR "
    "(excluded.step = latest_metrics.step AND excluded.timestamp > "
    "latest_metrics.timestamp) OR (excluded.step = latest_metrics.step AND "
    "excluded.timestamp = latest_metrics.timestamp AND excluded.value > "
    "latest_metrics.value)";

// MLflow's rule for the "latest" value: larger step, then larger timestamp,
// then larger value.
bool Newer(const Metric& a, const Metric& b) {
  if (a.step != b.step) return a.step > b.step;
  if (a.timestamp != b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

std::vector<Metric> LatestPerKey(const std::vector<Metric>& metrics) {
  std::unordered_map<std::string, size_t> index;
  std::vector<Metric> latest;
  for (const Metric& m : metrics) {
    auto [it, inserted] = index.try_emplace(m.key, latest.size());
    if (inserted) {
      latest.push_back(m);
    } else if (Newer(m, latest[it->second])) {
      latest[it->second] = m;
    }
  }
  return latest;
}

Status CheckParams(SqlConnection& conn, const std::string& run_id,
                   const std::vector<Param>& params) {
  std::map<std::string, std::string> seen;
  for (const Param& p : params) {
    auto [it, inserted] = seen.emplace(p.key, p.value);
    if (!inserted && it->second != p.value) {
      return InvalidArgument("Duplicate parameter key '" + p.key +
                             "' with different values in one batch");
    }
  }
  for (const auto& [key, value] : seen) {
    std::optional<std::string> existing;
    RETURN_IF_ERROR(conn.Query(
        "SELECT value FROM params WHERE run_uuid = ? AND key = ?",
        {run_id, key}, [&](const Row& row) {
          existing = row.GetText(0);
          return Status::Ok();
        }));
    if (existing && *existing != value) {
      return InvalidArgument(
          "Changing param values is not allowed. Param with key='" + key +
          "' was already logged with value='" + *existing +
          "' for run ID='" + run_id + "'. Attempted logging new value '" +
          value + "'.");
    }
  }
  return Status::Ok();
}

}  // namespace

Status WriteBatch(SqlConnection& conn, const std::string& run_id,
                  const std::vector<Metric>& metrics,
                  const std::vector<Param>& params,
                  const std::vector<Tag>& tags, store::Dialect dialect) {
  RETURN_IF_ERROR(CheckParams(conn, run_id, params));
  RETURN_IF_ERROR(InsertMany(
      conn, "INSERT INTO params (run_uuid, key, value) VALUES ",
      " ON CONFLICT DO NOTHING", 3, params, [&](const Param& p) {
        return SqlParams{run_id, p.key, p.value};
      }));
  // Last write wins for tags, so apply them one by one in order.
  for (const Tag& t : tags) {
    RETURN_IF_ERROR(
        conn.Execute("INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) "
                     "ON CONFLICT (run_uuid, key) DO UPDATE SET value = "
                     "excluded.value",
                     {run_id, t.key, t.value})
            .status());
  }
  auto to_row = [&](const Metric& m) { return MetricRow(run_id, m); };
  std::vector<Metric> latest = LatestPerKey(metrics);
  if (dialect == store::Dialect::kPostgres && !metrics.empty() &&
      metrics.size() <= kChunk) {
    // History and latest values in one statement: one round trip.
    SqlParams rows;
    rows.reserve((metrics.size() + latest.size()) * 6);
    AppendRows(rows, metrics.data(), metrics.size(), to_row);
    AppendRows(rows, latest.data(), latest.size(), to_row);
    return conn
        .Execute(std::string("WITH history AS (") + kMetricsHead +
                     ValuesList(metrics.size(), 6) + kMetricsTail + ") " + kLatestHead +
                     ValuesList(latest.size(), 6) + kLatestTail,
                 rows)
        .status();
  }
  RETURN_IF_ERROR(InsertMany(conn, kMetricsHead, kMetricsTail, 6, metrics, to_row));
  return InsertMany(conn, kLatestHead, kLatestTail, 6, latest, to_row);
}


}  // namespace ferry::tracking
