#include "tracking/tracking_store.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/ids.h"
#include "tracking/batch_writer.h"

namespace ferry::tracking {
namespace {

using store::Row;
using store::SqlConnection;
using store::SqlParams;

constexpr const char* kRunColumns =
    "run_uuid, experiment_id, name, user_id, status, start_time, end_time, "
    "artifact_uri, lifecycle_stage";

RunInfo ReadRunInfo(const Row& row) {
  RunInfo info;
  info.run_id = row.GetText(0);
  info.experiment_id = row.GetInt(1);
  info.run_name = row.GetText(2);
  info.user_id = row.GetText(3);
  info.status = row.GetText(4);
  info.start_time = row.GetInt(5);
  if (!row.IsNull(6)) info.end_time = row.GetInt(6);
  info.artifact_uri = row.GetText(7);
  info.lifecycle_stage = row.GetText(8);
  return info;
}

Experiment ReadExperiment(const Row& row) {
  Experiment e;
  e.experiment_id = row.GetInt(0);
  e.name = row.GetText(1);
  e.artifact_location = row.GetText(2);
  e.lifecycle_stage = row.GetText(3);
  e.creation_time = row.GetInt(4);
  e.last_update_time = row.GetInt(5);
  return e;
}

constexpr const char* kExperimentColumns =
    "experiment_id, name, artifact_location, lifecycle_stage, creation_time, "
    "last_update_time";

Status LoadExperimentTags(SqlConnection& conn, Experiment& e) {
  return conn.Query(
      "SELECT key, value FROM experiment_tags WHERE experiment_id = ? "
      "ORDER BY key",
      {e.experiment_id}, [&](const Row& row) {
        e.tags.push_back({row.GetText(0), row.GetText(1)});
        return Status::Ok();
      });
}

Result<Experiment> QueryExperiment(SqlConnection& conn, const std::string& where,
                                   const SqlParams& params,
                                   const std::string& what) {
  std::optional<Experiment> found;
  RETURN_IF_ERROR(conn.Query(
      std::string("SELECT ") + kExperimentColumns + " FROM experiments WHERE " +
          where,
      params, [&](const Row& row) {
        found = ReadExperiment(row);
        return Status::Ok();
      }));
  if (!found) return NotFound("No Experiment with " + what + " exists.");
  RETURN_IF_ERROR(LoadExperimentTags(conn, *found));
  return *std::move(found);
}

double ReadMetricValue(const Row& row, int value_col, int nan_col) {
  return row.GetInt(nan_col) ? std::nan("") : row.GetDouble(value_col);
}

std::string TagsToJson(const std::vector<Tag>& tags) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Tag& t : tags) arr.push_back({{"key", t.key}, {"value", t.value}});
  return arr.dump();
}

std::vector<Tag> TagsFromJson(const std::string& text) {
  std::vector<Tag> tags;
  nlohmann::json arr = nlohmann::json::parse(text, nullptr, false);
  if (!arr.is_array()) return tags;
  for (const auto& t : arr) {
    if (t.is_object() && t.value("key", nlohmann::json()).is_string()) {
      tags.push_back({t["key"].get<std::string>(),
                      t.value("value", std::string())});
    }
  }
  return tags;
}

// Runs by id, with their latest metrics, params, tags and inputs, in the
// order of `ids` (unknown ids are skipped): five queries per chunk of ids
// rather than five per run.
constexpr size_t kLoadChunk = 500;

Status LoadRunChunk(SqlConnection& conn, const std::string& in, const SqlParams& ids,
                    std::unordered_map<std::string, Run>& runs) {
  auto each = [&](const std::string& sql, auto&& add) {
    return conn.Query(sql, ids, [&](const Row& row) {
      auto it = runs.find(row.GetText(0));
      if (it != runs.end()) add(it->second, row);
      return Status::Ok();
    });
  };
  RETURN_IF_ERROR(conn.Query(
      std::string("SELECT ") + kRunColumns + " FROM runs WHERE run_uuid IN " + in, ids,
      [&](const Row& row) {
        RunInfo info = ReadRunInfo(row);
        std::string id = info.run_id;
        runs[id].info = std::move(info);
        return Status::Ok();
      }));
  RETURN_IF_ERROR(each(
      "SELECT run_uuid, key, value, is_nan, timestamp, step FROM latest_metrics "
      "WHERE run_uuid IN " + in + " ORDER BY run_uuid, key",
      [](Run& run, const Row& row) {
        run.metrics.push_back({row.GetText(1), ReadMetricValue(row, 2, 3), row.GetInt(4),
                               row.GetInt(5)});
      }));
  RETURN_IF_ERROR(each(
      "SELECT run_uuid, key, value FROM params WHERE run_uuid IN " + in +
          " ORDER BY run_uuid, key",
      [](Run& run, const Row& row) { run.params.push_back({row.GetText(1), row.GetText(2)}); }));
  RETURN_IF_ERROR(each(
      "SELECT run_uuid, key, value FROM tags WHERE run_uuid IN " + in +
          " ORDER BY run_uuid, key",
      [](Run& run, const Row& row) { run.tags.push_back({row.GetText(1), row.GetText(2)}); }));
  return each(
      "SELECT i.run_uuid, d.name, d.digest, d.source_type, d.source, d.schema, d.profile, "
      "i.tags FROM run_inputs i JOIN datasets d ON d.dataset_uuid = i.dataset_uuid "
      "WHERE i.run_uuid IN " + in + " ORDER BY i.run_uuid, d.name, d.digest",
      [](Run& run, const Row& row) {
        DatasetInput input;
        input.dataset = {row.GetText(1), row.GetText(2), row.GetText(3),
                         row.GetText(4), row.GetText(5), row.GetText(6)};
        input.tags = TagsFromJson(row.GetText(7));
        run.inputs.push_back(std::move(input));
      });
}

Result<std::vector<Run>> LoadRuns(SqlConnection& conn, const std::vector<std::string>& ids) {
  std::vector<Run> out;
  out.reserve(ids.size());
  for (size_t first = 0; first < ids.size(); first += kLoadChunk) {
    size_t last = std::min(ids.size(), first + kLoadChunk);
    SqlParams params(ids.begin() + first, ids.begin() + last);
    std::unordered_map<std::string, Run> runs;
    RETURN_IF_ERROR(LoadRunChunk(conn, store::InList(last - first), params, runs));
    for (size_t i = first; i < last; ++i) {
      auto it = runs.find(ids[i]);
      if (it != runs.end()) {
        out.push_back(std::move(it->second));
      }
    }
  }
  return out;
}

Result<std::optional<RunInfo>> FindRunInfo(SqlConnection& conn,
                                           const std::string& run_id) {
  std::optional<RunInfo> info;
  RETURN_IF_ERROR(conn.Query(
      std::string("SELECT ") + kRunColumns + " FROM runs WHERE run_uuid = ?",
      {run_id}, [&](const Row& row) {
        info = ReadRunInfo(row);
        return Status::Ok();
      }));
  return info;
}

Status RunNotFound(const std::string& run_id) {
  return NotFound("Run with id=" + run_id + " not found");
}

}  // namespace

Result<int64_t> TrackingStore::CreateExperiment(const Experiment& e) {
  int64_t id = 0;
  RETURN_IF_ERROR(db_.Write([&](SqlConnection& conn) -> Status {
    Status st = conn.Query(
        "INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
        "creation_time, last_update_time) VALUES (?, ?, 'active', ?, ?) "
        "RETURNING experiment_id",
        {e.name, e.artifact_location, e.creation_time, e.creation_time},
        [&](const Row& row) {
          id = row.GetInt(0);
          return Status::Ok();
        });
    if (st.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("Experiment(name=" + e.name + ") already exists.");
    }
    RETURN_IF_ERROR(st);
    if (e.artifact_location.empty()) {
      RETURN_IF_ERROR(conn.Execute("UPDATE experiments SET artifact_location "
                                   "= ? WHERE experiment_id = ?",
                                   {"mlflow-artifacts:/" + std::to_string(id),
                                    id})
                          .status());
    }
    for (const Tag& t : e.tags) {
      RETURN_IF_ERROR(conn.Execute("INSERT INTO experiment_tags (experiment_id, "
                                   "key, value) VALUES (?, ?, ?) ON CONFLICT "
                                   "(experiment_id, key) DO UPDATE SET value = "
                                   "excluded.value",
                                   {id, t.key, t.value})
                          .status());
    }
    return Status::Ok();
  }));
  return id;
}

Result<Experiment> TrackingStore::GetExperiment(int64_t experiment_id) {
  std::optional<Experiment> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(out, QueryExperiment(conn, "experiment_id = ?",
                                          {experiment_id},
                                          "id=" + std::to_string(experiment_id)));
    return Status::Ok();
  }));
  return *std::move(out);
}

Result<Experiment> TrackingStore::GetExperimentByName(const std::string& name) {
  std::optional<Experiment> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(out, QueryExperiment(conn, "name = ?", {name},
                                          "name=" + name));
    return Status::Ok();
  }));
  return *std::move(out);
}

Result<std::vector<Experiment>> TrackingStore::SearchExperiments(
    const ExperimentSearch& search) {
  ASSIGN_OR_RETURN(SqlQuery query, BuildExperimentSearchSql(search));
  std::vector<Experiment> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    std::vector<int64_t> ids;
    RETURN_IF_ERROR(conn.Query(query.sql, query.params, [&](const Row& row) {
      ids.push_back(row.GetInt(0));
      return Status::Ok();
    }));
    for (int64_t id : ids) {
      ASSIGN_OR_RETURN(Experiment e, QueryExperiment(conn, "experiment_id = ?",
                                                     {id}, "id"));
      out.push_back(std::move(e));
    }
    return Status::Ok();
  }));
  return out;
}

Status TrackingStore::RenameExperiment(int64_t experiment_id,
                                       const std::string& name, int64_t now) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    Result<int64_t> changed = conn.Execute(
        "UPDATE experiments SET name = ?, last_update_time = ? WHERE "
        "experiment_id = ?",
        {name, now, experiment_id});
    if (changed.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("Experiment(name=" + name + ") already exists.");
    }
    RETURN_IF_ERROR(changed.status());
    return Status::Ok();
  });
}

Status TrackingStore::SetExperimentLifecycle(int64_t experiment_id,
                                             const char* stage, int64_t now) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(conn.Execute("UPDATE experiments SET lifecycle_stage = ?, "
                                 "last_update_time = ? WHERE experiment_id = ?",
                                 {std::string(stage), now, experiment_id})
                        .status());
    // MLflow moves the experiment's runs with it.
    std::optional<int64_t> deleted_time;
    if (std::string(stage) == kDeleted) deleted_time = now;
    return conn
        .Execute("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE "
                 "experiment_id = ?",
                 {std::string(stage),
                  deleted_time ? store::SqlValue(*deleted_time)
                               : store::SqlValue(nullptr),
                  experiment_id})
        .status();
  });
}

Status TrackingStore::SetExperimentTag(int64_t experiment_id, const Tag& tag) {
  return db_.Write([&](SqlConnection& conn) {
    return conn
        .Execute("INSERT INTO experiment_tags (experiment_id, key, value) "
                 "VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE "
                 "SET value = excluded.value",
                 {experiment_id, tag.key, tag.value})
        .status();
  });
}

Status TrackingStore::DeleteExperimentTag(int64_t experiment_id,
                                          const std::string& key) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t n, conn.Execute("DELETE FROM experiment_tags WHERE "
                                             "experiment_id = ? AND key = ?",
                                             {experiment_id, key}));
    if (n == 0) return NotFound("No tag with name: " + key + " in experiment");
    return Status::Ok();
  });
}

Status TrackingStore::CreateRun(const Run& run) {
  const RunInfo& r = run.info;
  return db_.Write([&](SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(
        conn.Execute("INSERT INTO runs (run_uuid, experiment_id, name, user_id, "
                     "status, start_time, end_time, artifact_uri, "
                     "lifecycle_stage) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                     {r.run_id, r.experiment_id, r.run_name, r.user_id, r.status,
                      r.start_time, r.artifact_uri, r.lifecycle_stage})
            .status());
    return WriteBatch(conn, r.run_id, {}, {}, run.tags, db_.dialect());
  });
}

Result<RunInfo> TrackingStore::GetRunInfo(const std::string& run_id) {
  std::optional<RunInfo> info;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(info, FindRunInfo(conn, run_id));
    return Status::Ok();
  }));
  if (!info) return RunNotFound(run_id);
  return *std::move(info);
}

Result<Run> TrackingStore::GetRun(const std::string& run_id) {
  std::vector<Run> runs;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(runs, LoadRuns(conn, {run_id}));
    return Status::Ok();
  }));
  if (runs.empty()) return RunNotFound(run_id);
  return std::move(runs.front());
}

Status TrackingStore::UpdateRun(const RunInfo& r) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    store::SqlValue end =
        r.end_time ? store::SqlValue(*r.end_time) : store::SqlValue(nullptr);
    RETURN_IF_ERROR(conn.Execute("UPDATE runs SET status = ?, end_time = ?, "
                                 "name = ? WHERE run_uuid = ?",
                                 {r.status, end, r.run_name, r.run_id})
                        .status());
    // MLflow keeps the mlflow.runName tag in step with the run name.
    return conn
        .Execute("INSERT INTO tags (run_uuid, key, value) VALUES (?, "
                 "'mlflow.runName', ?) ON CONFLICT (run_uuid, key) DO UPDATE "
                 "SET value = excluded.value",
                 {r.run_id, r.run_name})
        .status();
  });
}

Status TrackingStore::SetRunLifecycle(const std::string& run_id,
                                      const char* stage,
                                      std::optional<int64_t> deleted_time) {
  return db_.Write([&](SqlConnection& conn) {
    return conn
        .Execute("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? "
                 "WHERE run_uuid = ?",
                 {std::string(stage),
                  deleted_time ? store::SqlValue(*deleted_time)
                               : store::SqlValue(nullptr),
                  run_id})
        .status();
  });
}

Result<std::vector<Run>> TrackingStore::SearchRuns(const RunSearch& search) {
  std::vector<Run> runs;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, SearchRunIds(conn, search));
    ASSIGN_OR_RETURN(runs, LoadRuns(conn, ids));
    return Status::Ok();
  }));
  return runs;
}

Result<std::pair<std::vector<Run>, int64_t>> TrackingStore::SearchRunsCounted(
    const RunSearch& search, bool count) {
  std::pair<std::vector<Run>, int64_t> out{{}, -1};
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    if (count) {
      ASSIGN_OR_RETURN(SqlQuery query, BuildRunCountSql(search));
      ASSIGN_OR_RETURN(out.second, store::QueryInt(conn, query.sql, query.params));
    }
    ASSIGN_OR_RETURN(std::vector<std::string> ids, SearchRunIds(conn, search));
    ASSIGN_OR_RETURN(out.first, LoadRuns(conn, ids));
    return Status::Ok();
  }));
  return out;
}

namespace {

// "(?, ?, ...)" for `n` values.
std::string Placeholders(size_t n) {
  std::string in = "(";
  for (size_t i = 0; i < n; ++i) in += i ? ", ?" : "?";
  return in + ")";
}

}  // namespace

Result<std::map<std::string, int64_t>> TrackingStore::ChildCounts(
    const std::vector<std::string>& run_ids, const std::vector<int64_t>& experiment_ids) {
  std::map<std::string, int64_t> counts;
  if (run_ids.empty() || experiment_ids.empty()) return counts;
  // Active children in the same experiments: what expanding a parent lists.
  std::string sql =
      "SELECT t.value, COUNT(*) FROM tags t JOIN runs c ON c.run_uuid = t.run_uuid "
      "WHERE t.key = 'mlflow.parentRunId' AND c.lifecycle_stage = 'active' AND t.value IN " +
      Placeholders(run_ids.size()) + " AND c.experiment_id IN " +
      Placeholders(experiment_ids.size()) + " GROUP BY t.value";
  store::SqlParams params(run_ids.begin(), run_ids.end());
  for (int64_t id : experiment_ids) params.push_back(id);
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) {
    return conn.Query(sql, params, [&](const Row& row) {
      counts[row.GetText(0)] = row.GetInt(1);
      return Status::Ok();
    });
  }));
  return counts;
}

Result<RunKeys> TrackingStore::DistinctKeys(const std::vector<int64_t>& experiment_ids,
                                            int64_t limit) {
  RunKeys keys;
  if (experiment_ids.empty()) return keys;
  const std::string in = Placeholders(experiment_ids.size());
  // Fixed table names only; every value is bound. The keys are walked on
  // each table's (key, ...) index one distinct key at a time (a loose index
  // scan: ~1 ms at 100,000 runs, where SELECT DISTINCT over a join reads
  // every row), and each is kept if an active run of the experiments has it.
  const std::pair<const char*, std::vector<std::string>*> tables[] = {
      {"latest_metrics", &keys.metrics}, {"params", &keys.params}, {"tags", &keys.tags}};
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    for (const auto& [table, out] : tables) {
      const std::string t = table;
      std::string sql =
          "WITH RECURSIVE k(key) AS (SELECT MIN(key) FROM " + t +
          " UNION ALL SELECT (SELECT MIN(key) FROM " + t +
          " WHERE key > k.key) FROM k WHERE k.key IS NOT NULL) "
          "SELECT k.key FROM k WHERE k.key IS NOT NULL AND EXISTS (SELECT 1 FROM " + t +
          " x JOIN runs r ON r.run_uuid = x.run_uuid WHERE x.key = k.key AND r.experiment_id IN " +
          in + " AND r.lifecycle_stage = 'active') ORDER BY k.key LIMIT ?";
      store::SqlParams params;
      for (int64_t id : experiment_ids) params.push_back(id);
      params.push_back(limit);
      RETURN_IF_ERROR(conn.Query(sql, params, [out](const Row& row) {
        out->push_back(row.GetText(0));
        return Status::Ok();
      }));
    }
    return Status::Ok();
  }));
  return keys;
}

Status TrackingStore::LogBatch(const std::string& run_id,
                               const std::vector<Metric>& metrics,
                               const std::vector<Param>& params,
                               const std::vector<Tag>& tags) {
  return db_.Write([&](SqlConnection& conn) {
    return WriteBatch(conn, run_id, metrics, params, tags, db_.dialect());
  });
}

Status TrackingStore::DeleteTag(const std::string& run_id,
                                const std::string& key) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t n,
                     conn.Execute("DELETE FROM tags WHERE run_uuid = ? AND key = ?",
                                  {run_id, key}));
    if (n == 0) {
      return NotFound("No tag with name: " + key + " in run with id " + run_id);
    }
    return Status::Ok();
  });
}

Status TrackingStore::LogInputs(const std::string& run_id,
                                int64_t experiment_id,
                                const std::vector<DatasetInput>& inputs) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    for (const DatasetInput& in : inputs) {
      const Dataset& d = in.dataset;
      std::string dataset_id;
      RETURN_IF_ERROR(conn.Query(
          "SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name "
          "= ? AND digest = ?",
          {experiment_id, d.name, d.digest}, [&](const Row& row) {
            dataset_id = row.GetText(0);
            return Status::Ok();
          }));
      if (dataset_id.empty()) {
        dataset_id = NewRunId();
        RETURN_IF_ERROR(conn.Execute("INSERT INTO datasets (dataset_uuid, "
                                     "experiment_id, name, digest, source_type, "
                                     "source, schema, profile) VALUES (?, ?, ?, "
                                     "?, ?, ?, ?, ?)",
                                     {dataset_id, experiment_id, d.name, d.digest,
                                      d.source_type, d.source, d.schema,
                                      d.profile})
                            .status());
      }
      std::string tags_json = TagsToJson(in.tags);
      RETURN_IF_ERROR(conn.Execute("INSERT INTO run_inputs (run_uuid, "
                                   "dataset_uuid, tags) VALUES (?, ?, ?) ON "
                                   "CONFLICT DO NOTHING",
                                   {run_id, dataset_id, tags_json})
                          .status());
    }
    return Status::Ok();
  });
}

Result<std::vector<Metric>> TrackingStore::GetMetricHistory(
    const std::string& run_id, const std::string& key, int64_t limit,
    int64_t offset) {
  std::vector<Metric> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) {
    return conn.Query(
        "SELECT value, is_nan, timestamp, step FROM metrics WHERE run_uuid = ? "
        "AND key = ? ORDER BY step, timestamp, value LIMIT ? OFFSET ?",
        {run_id, key, limit, offset}, [&](const Row& row) {
          out.push_back({key, ReadMetricValue(row, 0, 1), row.GetInt(2),
                         row.GetInt(3)});
          return Status::Ok();
        });
  }));
  return out;
}

Status TrackingStore::RecordArtifactFile(const std::string& path,
                                         uint64_t size,
                                         const std::string& sha256,
                                         int64_t now) {
  return db_.Write([&](SqlConnection& conn) {
    return conn
        .Execute("INSERT INTO artifact_files (path, size, sha256, "
                 "created_time) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO "
                 "UPDATE SET size = excluded.size, sha256 = excluded.sha256, "
                 "created_time = excluded.created_time",
                 {path, static_cast<int64_t>(size), sha256, now})
        .status();
  });
}

// A range on the primary key: "dir/" <= path < "dir0" ('0' follows '/').
Result<std::vector<ArtifactDigest>> TrackingStore::ArtifactDigests(const std::string& dir) {
  std::vector<ArtifactDigest> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) {
    return conn.Query("SELECT path, size, sha256 FROM artifact_files WHERE path >= ? AND path < ? "
                      "ORDER BY path",
                      {dir + "/", dir + "0"}, [&](const Row& row) {
                        out.push_back({row.GetText(0), row.GetInt(1), row.GetText(2)});
                        return Status::Ok();
                      });
  }));
  return out;
}

Result<std::optional<std::string>> TrackingStore::ArtifactSha256(
    const std::string& path) {
  std::optional<std::string> sha;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) {
    return conn.Query("SELECT sha256 FROM artifact_files WHERE path = ?", {path},
                      [&](const Row& row) {
                        sha = row.GetText(0);
                        return Status::Ok();
                      });
  }));
  return sha;
}

}  // namespace ferry::tracking
