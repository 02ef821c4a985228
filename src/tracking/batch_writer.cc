#include "tracking/batch_writer.h"

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

// Inserts rows in chunks of at most `chunk` rows per statement.
template <typename Item, typename ToRow>
Status InsertMany(SqlConnection& conn, const std::string& head,
                  const std::string& tail, size_t cols,
                  const std::vector<Item>& items, ToRow to_row) {
  constexpr size_t kChunk = 200;
  for (size_t begin = 0; begin < items.size(); begin += kChunk) {
    size_t n = std::min(kChunk, items.size() - begin);
    SqlParams params;
    params.reserve(n * cols);
    for (size_t i = begin; i < begin + n; ++i) {
      SqlParams row = to_row(items[i]);
      for (auto& v : row) params.push_back(std::move(v));
    }
    RETURN_IF_ERROR(
        conn.Execute(head + ValuesList(n, cols) + tail, params).status());
  }
  return Status::Ok();
}

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
                  const std::vector<Tag>& tags) {
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
  RETURN_IF_ERROR(InsertMany(
      conn,
      "INSERT INTO metrics (run_uuid, key, value, is_nan, timestamp, step) "
      "VALUES ",
      " ON CONFLICT DO NOTHING", 6, metrics,
      [&](const Metric& m) { return MetricRow(run_id, m); }));
  return InsertMany(
      conn,
      "INSERT INTO latest_metrics (run_uuid, key, value, is_nan, timestamp, "
      "step) VALUES ",
      " ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, "
      "is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = "
      "excluded.step WHERE excluded.step > latest_metrics.step OR "
      "(excluded.step = latest_metrics.step AND excluded.timestamp > "
      "latest_metrics.timestamp) OR (excluded.step = latest_metrics.step AND "
      "excluded.timestamp = latest_metrics.timestamp AND excluded.value > "
      "latest_metrics.value)",
      6, LatestPerKey(metrics),
      [&](const Metric& m) { return MetricRow(run_id, m); });
}


}  // namespace ferry::tracking
