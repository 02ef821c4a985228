#include "tracking/logged_models.h"

#include <algorithm>
#include <unordered_map>

#include "core/ids.h"
#include "core/paging.h"

namespace ferry::tracking {
namespace {

using store::Row;
using store::SqlConnection;
using store::SqlParams;

constexpr int64_t kMaxLoggedModelResults = 1000;
constexpr const char* kColumns =
    "model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, "
    "status, status_message, model_type, source_run_id, lifecycle_stage";

LoggedModel ReadModel(const Row& row) {
  LoggedModel m;
  m.model_id = row.GetText(0);
  m.experiment_id = row.GetInt(1);
  m.name = row.GetText(2);
  m.artifact_uri = row.GetText(3);
  m.creation_time = row.GetInt(4);
  m.last_updated_time = row.GetInt(5);
  m.status = row.GetText(6);
  m.status_message = row.GetText(7);
  m.model_type = row.GetText(8);
  m.source_run_id = row.GetText(9);
  m.lifecycle_stage = row.GetText(10);
  return m;
}

Status NotFoundModel(const std::string& id) {
  return NotFound("Logged model with ID '" + id.substr(0, 64) + "' not found.");
}

bool IsStatus(const std::string& s) {
  return s == kLoggedModelPending || s == kLoggedModelReady || s == kLoggedModelUploadFailed;
}

Status CheckId(const std::string& id) {
  return IsValidLoggedModelId(id) ? Status::Ok() : NotFoundModel(id);
}

Status UpsertTags(SqlConnection& conn, const std::string& id, const std::vector<Tag>& tags) {
  for (const Tag& t : tags) {
    RETURN_IF_ERROR(conn.Execute("INSERT INTO logged_model_tags (model_id, key, value) VALUES "
                                 "(?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = "
                                 "excluded.value",
                                 {id, t.key, t.value})
                        .status());
  }
  return Status::Ok();
}

// Params are immutable, as a run's: a different value for a logged key fails.
Status InsertParams(SqlConnection& conn, const std::string& id,
                    const std::vector<Param>& params) {
  for (const Param& p : params) {
    std::optional<std::string> existing;
    RETURN_IF_ERROR(conn.Query("SELECT value FROM logged_model_params WHERE model_id = ? AND "
                               "key = ?",
                               {id, p.key}, [&](const Row& row) {
                                 existing = row.GetText(0);
                                 return Status::Ok();
                               }));
    if (existing && *existing != p.value) {
      return InvalidArgument("Changing param values is not allowed. Param with key='" + p.key +
                             "' was already logged with value='" + *existing + "'");
    }
    if (!existing) {
      RETURN_IF_ERROR(conn.Execute("INSERT INTO logged_model_params (model_id, key, value) "
                                   "VALUES (?, ?, ?)",
                                   {id, p.key, p.value})
                          .status());
    }
  }
  return Status::Ok();
}

Status ValidateEntries(const std::vector<Tag>& tags, const std::vector<Param>& params) {
  for (const Tag& t : tags) RETURN_IF_ERROR(ValidateKey("tags.key", t.key));
  for (const Param& p : params) RETURN_IF_ERROR(ValidateKey("params.key", p.key));
  return Status::Ok();
}

// Runs `fn` in a write after checking the model exists and is not deleted.
Status WriteExisting(store::Database& db, const std::string& id,
                     const std::function<Status(SqlConnection&)>& fn) {
  RETURN_IF_ERROR(CheckId(id));
  return db.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t n, store::QueryInt(conn,
                                                "SELECT COUNT(*) FROM logged_models WHERE "
                                                "model_id = ? AND lifecycle_stage = 'active'",
                                                {id}));
    if (n == 0) return NotFoundModel(id);
    return fn(conn);
  });
}

constexpr SearchColumn kSearchColumns[] = {
    {"experiment_id", "CAST(lm.experiment_id AS TEXT)", false},
    {"name", "lm.name", false},
    {"model_id", "lm.model_id", false},
    {"model_type", "lm.model_type", false},
    {"status", "lm.status", false},
    {"source_run_id", "lm.source_run_id", false},
    {"creation_timestamp", "lm.creation_time", true},
    {"last_updated_timestamp", "lm.last_updated_time", true},
};

// MLflow's default order: newest first.
constexpr EntitySearchSpec kSearch{
    "SELECT lm.model_id FROM logged_models lm",
    "lm.model_id",
    "logged_model_tags",
    "model_id",
    kSearchColumns,
    "lm.lifecycle_stage",
    "lm.creation_time DESC, lm.model_id ASC",
    "lm.model_id ASC",
    "model_id",
    "logged models",
    false,
};

}  // namespace

bool IsValidLoggedModelId(std::string_view id) {
  return id.size() == 34 && id.starts_with("m-") &&
         std::all_of(id.begin() + 2, id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<std::vector<LoggedModel>> LoggedModels::Load(SqlConnection& conn,
                                                    const std::vector<std::string>& ids) {
  std::vector<LoggedModel> found;
  if (ids.empty()) return found;
  SqlParams params(ids.begin(), ids.end());
  std::string in = store::InList(ids.size());
  RETURN_IF_ERROR(conn.Query(std::string("SELECT ") + kColumns +
                                 " FROM logged_models WHERE model_id IN " + in,
                             params, [&](const Row& row) {
                               found.push_back(ReadModel(row));
                               return Status::Ok();
                             }));
  std::unordered_map<std::string, LoggedModel*> by_id;
  for (auto& m : found) by_id[m.model_id] = &m;
  RETURN_IF_ERROR(conn.Query("SELECT model_id, key, value FROM logged_model_tags WHERE model_id "
                             "IN " + in + " ORDER BY model_id, key",
                             params, [&](const Row& row) {
                               by_id[row.GetText(0)]->tags.push_back(
                                   {row.GetText(1), row.GetText(2)});
                               return Status::Ok();
                             }));
  RETURN_IF_ERROR(conn.Query("SELECT model_id, key, value FROM logged_model_params WHERE "
                             "model_id IN " + in + " ORDER BY model_id, key",
                             params, [&](const Row& row) {
                               by_id[row.GetText(0)]->params.push_back(
                                   {row.GetText(1), row.GetText(2)});
                               return Status::Ok();
                             }));
  std::vector<LoggedModel> ordered;
  for (const std::string& id : ids) {
    if (by_id.count(id)) ordered.push_back(std::move(*by_id[id]));
  }
  return ordered;
}

Result<LoggedModel> LoggedModels::Create(const CreateLoggedModelRequest& request) {
  RETURN_IF_ERROR(ValidateEntries(request.tags, request.params));
  ASSIGN_OR_RETURN(Experiment experiment, tracking_.GetExperiment(request.experiment_id));
  if (experiment.lifecycle_stage != kActive) {
    return InvalidArgument("Experiment " + request.experiment_id + " is not active");
  }
  if (!request.source_run_id.empty()) {
    RETURN_IF_ERROR(tracking_.GetRun(request.source_run_id).status());
  }
  LoggedModel m;
  m.model_id = "m-" + NewRunId();
  m.experiment_id = experiment.experiment_id;
  m.name = request.name.empty() ? "model" : request.name;
  RETURN_IF_ERROR(ValidateKey("name", m.name));
  m.artifact_uri = experiment.artifact_location + "/models/" + m.model_id + "/artifacts";
  m.creation_time = m.last_updated_time = clock_.NowMillis();
  m.model_type = request.model_type;
  m.source_run_id = request.source_run_id;
  RETURN_IF_ERROR(db_.Write([&](SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(conn.Execute("INSERT INTO logged_models (model_id, experiment_id, name, "
                                 "artifact_location, creation_time, last_updated_time, status, "
                                 "model_type, source_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 {m.model_id, m.experiment_id, m.name, m.artifact_uri,
                                  m.creation_time, m.last_updated_time, m.status, m.model_type,
                                  m.source_run_id})
                        .status());
    RETURN_IF_ERROR(UpsertTags(conn, m.model_id, request.tags));
    return InsertParams(conn, m.model_id, request.params);
  }));
  return Get(m.model_id);
}

Result<LoggedModel> LoggedModels::Get(const std::string& model_id, bool allow_deleted) {
  RETURN_IF_ERROR(CheckId(model_id));
  std::vector<LoggedModel> found;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(found, Load(conn, {model_id}));
    return Status::Ok();
  }));
  if (found.empty() || (found[0].lifecycle_stage != kActive && !allow_deleted)) {
    return NotFoundModel(model_id);
  }
  return std::move(found.front());
}

Status LoggedModels::Delete(const std::string& model_id) {
  return WriteExisting(db_, model_id, [&](SqlConnection& conn) {
    return conn
        .Execute("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = ? "
                 "WHERE model_id = ?",
                 {clock_.NowMillis(), model_id})
        .status();
  });
}

Result<LoggedModel> LoggedModels::Finalize(const std::string& model_id,
                                           const std::string& status) {
  if (!IsStatus(status) || status == kLoggedModelPending) {
    return InvalidArgument("Invalid value '" + status.substr(0, 64) +
                           "' for parameter 'status': use LOGGED_MODEL_READY or "
                           "LOGGED_MODEL_UPLOAD_FAILED");
  }
  RETURN_IF_ERROR(WriteExisting(db_, model_id, [&](SqlConnection& conn) {
    return conn
        .Execute("UPDATE logged_models SET status = ?, last_updated_time = ? WHERE model_id = ?",
                 {status, clock_.NowMillis(), model_id})
        .status();
  }));
  return Get(model_id);
}

Status LoggedModels::SetTags(const std::string& model_id, const std::vector<Tag>& tags) {
  RETURN_IF_ERROR(ValidateEntries(tags, {}));
  return WriteExisting(db_, model_id,
                       [&](SqlConnection& conn) { return UpsertTags(conn, model_id, tags); });
}

Status LoggedModels::DeleteTag(const std::string& model_id, const std::string& key) {
  return WriteExisting(db_, model_id, [&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t n, conn.Execute("DELETE FROM logged_model_tags WHERE model_id = ? "
                                             "AND key = ?",
                                             {model_id, key}));
    if (n == 0) return NotFound("No tag with key '" + key + "' on logged model " + model_id);
    return Status::Ok();
  });
}

Status LoggedModels::LogParams(const std::string& model_id, const std::vector<Param>& params) {
  RETURN_IF_ERROR(ValidateEntries({}, params));
  return WriteExisting(db_, model_id,
                       [&](SqlConnection& conn) { return InsertParams(conn, model_id, params); });
}

Result<std::pair<std::vector<LoggedModel>, std::string>> LoggedModels::Search(
    const SearchLoggedModelsRequest& request) {
  RETURN_IF_ERROR(CheckMaxResults(request.max_results, kMaxLoggedModelResults));
  if (request.experiment_ids.empty()) {
    return InvalidArgument("Missing value for required parameter 'experiment_ids'");
  }
  EntitySearch search;
  if (!request.filter.empty()) {
    ASSIGN_OR_RETURN(search.filter, ParseLoggedModelFilter(request.filter));
  }
  search.filter.clauses.push_back(
      {Entity::kAttribute, "experiment_id", Comparator::kIn, request.experiment_ids});
  search.order_by = request.order_by;
  ASSIGN_OR_RETURN(search.offset, ParsePageToken(request.page_token));
  search.limit = request.max_results + 1;
  search.dialect = db_.dialect();
  ASSIGN_OR_RETURN(SqlQuery q, BuildEntitySearchSql(kSearch, search));
  std::vector<LoggedModel> found;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    std::vector<std::string> ids;
    RETURN_IF_ERROR(conn.Query(q.sql, q.params, [&](const Row& row) {
      ids.push_back(row.GetText(0));
      return Status::Ok();
    }));
    ASSIGN_OR_RETURN(found, Load(conn, ids));
    return Status::Ok();
  }));
  std::string token = TrimToPage(found, search.offset, request.max_results);
  return std::make_pair(std::move(found), std::move(token));
}

Status LoggedModels::LogOutputs(const std::string& run_id,
                                const std::vector<ModelOutput>& outputs) {
  ASSIGN_OR_RETURN(RunInfo run, tracking_.GetActiveRunInfo(run_id));
  for (const ModelOutput& o : outputs) RETURN_IF_ERROR(Get(o.model_id).status());
  return db_.Write([&](SqlConnection& conn) -> Status {
    for (const ModelOutput& o : outputs) {
      RETURN_IF_ERROR(conn.Execute("INSERT INTO run_outputs (run_uuid, model_id, step) VALUES "
                                   "(?, ?, ?) ON CONFLICT (run_uuid, model_id) DO UPDATE SET "
                                   "step = excluded.step",
                                   {run.run_id, o.model_id, o.step})
                          .status());
    }
    return Status::Ok();
  });
}

}  // namespace ferry::tracking
