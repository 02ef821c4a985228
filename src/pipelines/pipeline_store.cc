#include "pipelines/pipeline_store.h"

#include <nlohmann/json.hpp>

namespace ferry::pipelines {

namespace {

using Json = nlohmann::json;

store::SqlValue Optional(const std::optional<int64_t>& v) { return v ? store::SqlValue(*v) : nullptr; }
std::optional<int64_t> OptionalInt(const store::Row& row, int col) {
  return row.IsNull(col) ? std::nullopt : std::optional<int64_t>(row.GetInt(col));
}

std::string MapJson(const std::map<std::string, std::string>& m) {
  return Json(m).dump(-1, ' ', false, Json::error_handler_t::replace);
}
std::map<std::string, std::string> MapOf(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

constexpr const char* kRunColumns =
    "run_id, pipeline, version, state, trigger_kind, trigger_detail, params, tracking_run_id, resumed_from, "
    "run_dir, error, created_time, start_time, end_time";

PipelineRunInfo RunFromRow(const store::Row& row) {
  PipelineRunInfo r;
  r.run_id = row.GetText(0);
  r.pipeline = row.GetText(1);
  r.version = row.GetInt(2);
  r.state = row.GetText(3);
  r.trigger_kind = row.GetText(4);
  r.trigger_detail = row.GetText(5);
  r.params = MapOf(row.GetText(6));
  r.tracking_run_id = row.GetText(7);
  r.resumed_from = row.GetText(8);
  r.run_dir = row.GetText(9);
  r.error = row.GetText(10);
  r.created_ms = row.GetInt(11);
  r.start_ms = OptionalInt(row, 12);
  r.end_ms = OptionalInt(row, 13);
  return r;
}

PipelineInfo InfoFromRow(const store::Row& row) {
  PipelineInfo p;
  p.name = row.GetText(0);
  p.latest_version = row.GetInt(1);
  p.workspace = row.GetText(2);
  p.next_schedule_ms = OptionalInt(row, 3);
  p.created_ms = row.GetInt(4);
  p.updated_ms = row.GetInt(5);
  return p;
}

constexpr const char* kInfoColumns =
    "name, latest_version, workspace, next_schedule_time, created_time, updated_time";

}  // namespace

bool RunEnded(const std::string& state) {
  return state == kRunSucceeded || state == kRunFailed || state == kRunCancelled || state == kRunSkipped;
}

Result<int64_t> PipelineStore::Put(const std::string& name, const std::string& yaml, const std::string& digest,
                                   const std::string& workspace, std::optional<int64_t> next_schedule_ms) {
  int64_t now = clock_.NowMillis();
  int64_t version = 0;
  RETURN_IF_ERROR(db_.Write([&](store::SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t latest,
                     store::QueryInt(conn, "SELECT COALESCE(MAX(version), 0) FROM pipeline_versions WHERE name = ?",
                                     {name}));
    std::string latest_digest;
    RETURN_IF_ERROR(conn.Query("SELECT digest FROM pipeline_versions WHERE name = ? AND version = ?",
                               {name, latest}, [&](const store::Row& row) {
                                 latest_digest = row.GetText(0);
                                 return Status::Ok();
                               }));
    version = latest;
    if (latest == 0 || latest_digest != digest) {
      version = latest + 1;
      RETURN_IF_ERROR(conn.Execute("INSERT INTO pipeline_versions (name, version, yaml, digest, created_time) "
                                   "VALUES (?, ?, ?, ?, ?)",
                                   {name, version, yaml, digest, now})
                          .status());
    }
    return conn
        .Execute("INSERT INTO pipelines (name, latest_version, workspace, next_schedule_time, created_time, "
                 "updated_time) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET latest_version = "
                 "excluded.latest_version, workspace = excluded.workspace, next_schedule_time = "
                 "excluded.next_schedule_time, updated_time = excluded.updated_time",
                 {name, version, workspace, Optional(next_schedule_ms), now, now})
        .status();
  }));
  return version;
}

Result<std::vector<PipelineInfo>> PipelineStore::Pipelines() {
  std::vector<PipelineInfo> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(std::string("SELECT ") + kInfoColumns + " FROM pipelines ORDER BY name", {},
                      [&](const store::Row& row) {
                        out.push_back(InfoFromRow(row));
                        return Status::Ok();
                      });
  }));
  return out;
}

Result<PipelineInfo> PipelineStore::Pipeline(const std::string& name) {
  std::optional<PipelineInfo> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(std::string("SELECT ") + kInfoColumns + " FROM pipelines WHERE name = ?", {name},
                      [&](const store::Row& row) {
                        out = InfoFromRow(row);
                        return Status::Ok();
                      });
  }));
  if (!out) return NotFound("pipeline '" + name + "' not found");
  return *out;
}

Result<PipelineVersion> PipelineStore::Version(const std::string& name, int64_t version) {
  std::optional<PipelineVersion> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query("SELECT yaml, digest, created_time FROM pipeline_versions WHERE name = ? AND version = ?",
                      {name, version}, [&](const store::Row& row) {
                        out = PipelineVersion{name, version, row.GetText(0), row.GetText(1), row.GetInt(2)};
                        return Status::Ok();
                      });
  }));
  if (!out) return NotFound("pipeline '" + name + "' has no version " + std::to_string(version));
  return *out;
}

Status PipelineStore::SetNextSchedule(const std::string& name, std::optional<int64_t> next_ms) {
  return db_.Write([&](store::SqlConnection& conn) {
    return conn.Execute("UPDATE pipelines SET next_schedule_time = ? WHERE name = ?", {Optional(next_ms), name})
        .status();
  });
}

Status PipelineStore::CreateRun(const PipelineRunInfo& r) {
  return db_.Write([&](store::SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(conn.Execute(std::string("INSERT INTO pipeline_runs (") + kRunColumns +
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 {r.run_id, r.pipeline, r.version, r.state, r.trigger_kind, r.trigger_detail,
                                  MapJson(r.params), r.tracking_run_id, r.resumed_from, r.run_dir, r.error,
                                  r.created_ms, Optional(r.start_ms), Optional(r.end_ms)})
                        .status());
    for (const StepRunInfo& s : r.steps) {
      RETURN_IF_ERROR(conn.Execute("INSERT INTO pipeline_step_runs (run_id, step, position, state, log_path) "
                                   "VALUES (?, ?, ?, ?, ?)",
                                   {r.run_id, s.step, s.position, s.state, s.log_path})
                          .status());
    }
    return Status::Ok();
  });
}

Status PipelineStore::UpdateRun(const PipelineRunInfo& r) {
  return db_.Write([&](store::SqlConnection& conn) {
    return conn
        .Execute("UPDATE pipeline_runs SET state = ?, tracking_run_id = ?, error = ?, start_time = ?, "
                 "end_time = ? WHERE run_id = ?",
                 {r.state, r.tracking_run_id, r.error, Optional(r.start_ms), Optional(r.end_ms), r.run_id})
        .status();
  });
}

Status PipelineStore::UpdateStep(const std::string& run_id, const StepRunInfo& s) {
  return db_.Write([&](store::SqlConnection& conn) {
    return conn
        .Execute("UPDATE pipeline_step_runs SET state = ?, attempts = ?, exit_code = ?, timed_out = ?, error = ?, "
                 "start_time = ?, end_time = ?, cache_key = ?, outputs = ?, reused = ?, tracking_run_id = ? "
                 "WHERE run_id = ? AND step = ?",
                 {s.state, s.attempts, s.exit_code, int64_t{s.timed_out}, s.error, Optional(s.start_ms),
                  Optional(s.end_ms), s.cache_key, MapJson(s.outputs), int64_t{s.reused}, s.tracking_run_id, run_id,
                  s.step})
        .status();
  });
}

Result<std::vector<StepRunInfo>> PipelineStore::Steps(store::SqlConnection& conn, const std::string& run_id) {
  std::vector<StepRunInfo> out;
  RETURN_IF_ERROR(conn.Query(
      "SELECT step, position, state, attempts, exit_code, timed_out, error, start_time, end_time, log_path, "
      "cache_key, outputs, reused, tracking_run_id FROM pipeline_step_runs WHERE run_id = ? ORDER BY position",
      {run_id}, [&](const store::Row& row) {
        StepRunInfo& s = out.emplace_back();
        s.step = row.GetText(0);
        s.position = row.GetInt(1);
        s.state = row.GetText(2);
        s.attempts = row.GetInt(3);
        s.exit_code = row.GetInt(4);
        s.timed_out = row.GetInt(5) != 0;
        s.error = row.GetText(6);
        s.start_ms = OptionalInt(row, 7);
        s.end_ms = OptionalInt(row, 8);
        s.log_path = row.GetText(9);
        s.cache_key = row.GetText(10);
        s.outputs = MapOf(row.GetText(11));
        s.reused = row.GetInt(12) != 0;
        s.tracking_run_id = row.GetText(13);
        return Status::Ok();
      }));
  return out;
}

Result<PipelineRunInfo> PipelineStore::Run(const std::string& run_id) {
  std::optional<PipelineRunInfo> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(conn.Query(std::string("SELECT ") + kRunColumns + " FROM pipeline_runs WHERE run_id = ?",
                               {run_id}, [&](const store::Row& row) {
                                 out = RunFromRow(row);
                                 return Status::Ok();
                               }));
    if (!out) return Status::Ok();
    ASSIGN_OR_RETURN(out->steps, Steps(conn, run_id));
    return Status::Ok();
  }));
  if (!out) return NotFound("pipeline run '" + run_id + "' not found");
  return *out;
}

Result<std::vector<PipelineRunInfo>> PipelineStore::Runs(const std::string& pipeline,
                                                         const std::vector<std::string>& states, int64_t limit,
                                                         bool with_steps) {
  std::string sql = std::string("SELECT ") + kRunColumns + " FROM pipeline_runs WHERE 1 = 1";
  store::SqlParams params;
  if (!pipeline.empty()) {
    sql += " AND pipeline = ?";
    params.push_back(pipeline);
  }
  if (!states.empty()) {
    sql += " AND state IN " + store::InList(states.size());
    for (const std::string& s : states) params.push_back(s);
  }
  sql += " ORDER BY created_time DESC, run_id DESC LIMIT ?";
  params.push_back(limit);
  std::vector<PipelineRunInfo> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(conn.Query(sql, params, [&](const store::Row& row) {
      out.push_back(RunFromRow(row));
      return Status::Ok();
    }));
    if (!with_steps) return Status::Ok();
    for (PipelineRunInfo& r : out) {
      ASSIGN_OR_RETURN(r.steps, Steps(conn, r.run_id));
    }
    return Status::Ok();
  }));
  return out;
}

Result<Interrupted> PipelineStore::FailInterrupted(const std::string& why) {
  int64_t now = clock_.NowMillis();
  Interrupted out;
  int64_t& n = out.runs;
  RETURN_IF_ERROR(db_.Write([&](store::SqlConnection& conn) -> Status {
    std::string running = std::string("SELECT run_id FROM pipeline_runs WHERE state = '") + kRunRunning + "'";
    auto collect = [&](const store::Row& row) {
      if (!row.GetText(0).empty()) out.tracking_run_ids.push_back(row.GetText(0));
      return Status::Ok();
    };
    RETURN_IF_ERROR(conn.Query("SELECT tracking_run_id FROM pipeline_runs WHERE state = ?", {kRunRunning}, collect));
    RETURN_IF_ERROR(conn.Query("SELECT tracking_run_id FROM pipeline_step_runs WHERE state = 'running' AND run_id IN (" +
                                   running + ")",
                               {}, collect));
    RETURN_IF_ERROR(conn.Execute("UPDATE pipeline_step_runs SET state = 'failed', error = ?, end_time = ? WHERE "
                                 "state = 'running' AND run_id IN (" + running + ")",
                                 {why, now})
                        .status());
    RETURN_IF_ERROR(conn.Execute("UPDATE pipeline_step_runs SET state = 'skipped', error = ? WHERE "
                                 "state = 'pending' AND run_id IN (" + running + ")",
                                 {"not run: " + why})
                        .status());
    ASSIGN_OR_RETURN(n, conn.Execute("UPDATE pipeline_runs SET state = ?, error = ?, end_time = ? WHERE state = ?",
                                     {kRunFailed, why, now, kRunRunning}));
    return Status::Ok();
  }));
  return out;
}

}  // namespace ferry::pipelines
