#include "registry/registry_store.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace ferry::registry {
namespace {

using Json = nlohmann::json;
using store::Row;
using store::SqlConnection;
using store::SqlParams;
using store::SqlValue;

constexpr const char* kModelColumns =
    "m.model_id, m.name, m.description, m.creation_time, m.last_updated_time, "
    "m.gate_policy";
constexpr const char* kVersionColumns =
    "v.version_id, m.name, v.version, v.creation_time, v.last_updated_time, "
    "v.description, v.user_id, v.current_stage, v.source, v.run_id, v.run_link, "
    "v.status, v.status_message, v.storage_location, v.logged_model_id";
constexpr const char* kVersionFrom =
    " FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id";
constexpr size_t kChunk = 500;  // ids per IN list

// A model or version row with its integer key.
template <typename T>
struct Keyed {
  int64_t id;
  T value;
};

Keyed<RegisteredModel> ReadModel(const Row& row) {
  RegisteredModel m;
  m.name = row.GetText(1);
  m.description = row.GetText(2);
  m.creation_time = row.GetInt(3);
  m.last_updated_time = row.GetInt(4);
  if (!row.IsNull(5)) m.gate_policy = row.GetText(5);
  return {row.GetInt(0), std::move(m)};
}

Keyed<ModelVersion> ReadVersion(const Row& row) {
  ModelVersion v;
  v.name = row.GetText(1);
  v.version = row.GetInt(2);
  v.creation_time = row.GetInt(3);
  v.last_updated_time = row.GetInt(4);
  v.description = row.GetText(5);
  v.user_id = row.GetText(6);
  v.current_stage = row.GetText(7);
  v.source = row.GetText(8);
  v.run_id = row.GetText(9);
  v.run_link = row.GetText(10);
  v.status = row.GetText(11);
  v.status_message = row.GetText(12);
  v.storage_location = row.GetText(13);
  v.logged_model_id = row.GetText(14);
  return {row.GetInt(0), std::move(v)};
}

// Runs `sql` (ending in "IN ") once per chunk of ids, with `on_row`.
Status ForIds(SqlConnection& conn, const std::string& sql, const std::string& tail,
              const std::vector<int64_t>& ids, const store::RowCallback& on_row) {
  for (size_t first = 0; first < ids.size(); first += kChunk) {
    size_t n = std::min(kChunk, ids.size() - first);
    SqlParams params(ids.begin() + first, ids.begin() + first + n);
    RETURN_IF_ERROR(conn.Query(sql + store::InList(n) + tail, params, on_row));
  }
  return Status::Ok();
}

// Fills tags and aliases of versions keyed by version_id.
Status LoadVersionDetails(SqlConnection& conn, std::vector<Keyed<ModelVersion>>& versions) {
  std::unordered_map<int64_t, ModelVersion*> by_id;
  std::vector<int64_t> ids;
  for (auto& k : versions) {
    by_id[k.id] = &k.value;
    ids.push_back(k.id);
  }
  // Tags (kind 0) and aliases (kind 1) in one query: one round trip.
  for (size_t first = 0; first < ids.size(); first += kChunk) {
    size_t n = std::min(kChunk, ids.size() - first);
    SqlParams params(ids.begin() + first, ids.begin() + first + n);
    params.insert(params.end(), ids.begin() + first, ids.begin() + first + n);
    std::string in = store::InList(n);
    RETURN_IF_ERROR(conn.Query(
        "SELECT version_id, 0 AS kind, key, value FROM model_version_tags WHERE version_id IN " +
            in + " UNION ALL SELECT version_id, 1, alias, '' FROM model_aliases WHERE "
                 "version_id IN " + in + " ORDER BY 1, 2, 3",
        params, [&](const Row& row) {
          ModelVersion* v = by_id[row.GetInt(0)];
          if (row.GetInt(1) == 0) {
            v->tags.push_back({row.GetText(2), row.GetText(3)});
          } else {
            v->aliases.push_back(row.GetText(2));
          }
          return Status::Ok();
        }));
  }
  return Status::Ok();
}

Result<std::vector<ModelVersion>> QueryVersions(SqlConnection& conn, const std::string& where,
                                                const SqlParams& params) {
  std::vector<Keyed<ModelVersion>> found;
  RETURN_IF_ERROR(conn.Query(std::string("SELECT ") + kVersionColumns + kVersionFrom +
                                 " WHERE " + where,
                             params, [&](const Row& row) {
                               found.push_back(ReadVersion(row));
                               return Status::Ok();
                             }));
  RETURN_IF_ERROR(LoadVersionDetails(conn, found));
  std::vector<ModelVersion> out;
  out.reserve(found.size());
  for (auto& k : found) out.push_back(std::move(k.value));
  return out;
}

// Rows of `select` (ending in "IN ") for `ids`, read by `read`, completed by
// `details`, in the order of `ids` (unknown ids are skipped).
template <typename T>
Result<std::vector<T>> LoadByIds(SqlConnection& conn, const std::string& select,
                                 const std::vector<int64_t>& ids,
                                 Keyed<T> (*read)(const Row&),
                                 Status (*details)(SqlConnection&, std::vector<Keyed<T>>&)) {
  std::vector<Keyed<T>> found;
  RETURN_IF_ERROR(ForIds(conn, select, "", ids, [&](const Row& row) {
    found.push_back(read(row));
    return Status::Ok();
  }));
  RETURN_IF_ERROR(details(conn, found));
  std::unordered_map<int64_t, T*> by_id;
  for (auto& k : found) by_id[k.id] = &k.value;
  std::vector<T> out;
  for (int64_t id : ids) {
    auto it = by_id.find(id);
    if (it != by_id.end()) out.push_back(std::move(*it->second));
  }
  return out;
}

Result<std::vector<ModelVersion>> VersionsByIds(SqlConnection& conn,
                                                const std::vector<int64_t>& ids) {
  return LoadByIds<ModelVersion>(
      conn, std::string("SELECT ") + kVersionColumns + kVersionFrom + " WHERE v.version_id IN ",
      ids, ReadVersion, LoadVersionDetails);
}

// Tags, aliases and the newest version per stage of models keyed by id.
Status LoadModelDetails(SqlConnection& conn, std::vector<Keyed<RegisteredModel>>& models) {
  std::unordered_map<int64_t, RegisteredModel*> by_id;
  std::vector<int64_t> ids;
  for (auto& k : models) {
    by_id[k.id] = &k.value;
    ids.push_back(k.id);
  }
  RETURN_IF_ERROR(ForIds(
      conn, "SELECT model_id, key, value FROM registered_model_tags WHERE model_id IN ",
      " ORDER BY model_id, key", ids, [&](const Row& row) {
        by_id[row.GetInt(0)]->tags.push_back({row.GetText(1), row.GetText(2)});
        return Status::Ok();
      }));
  RETURN_IF_ERROR(ForIds(conn,
                         "SELECT a.model_id, a.alias, v.version FROM model_aliases a JOIN "
                         "model_versions v ON v.version_id = a.version_id WHERE "
                         "a.model_id IN ",
                         " ORDER BY a.model_id, a.alias", ids, [&](const Row& row) {
                           by_id[row.GetInt(0)]->aliases.push_back(
                               {row.GetText(1), row.GetInt(2)});
                           return Status::Ok();
                         }));
  std::vector<int64_t> latest;
  RETURN_IF_ERROR(ForIds(conn,
                         "SELECT MAX(version_id) FROM model_versions WHERE model_id IN ",
                         " GROUP BY model_id, current_stage", ids, [&](const Row& row) {
                           latest.push_back(row.GetInt(0));
                           return Status::Ok();
                         }));
  ASSIGN_OR_RETURN(std::vector<ModelVersion> versions, VersionsByIds(conn, latest));
  std::unordered_map<std::string, RegisteredModel*> by_name;
  for (auto& k : models) by_name[k.value.name] = &k.value;
  for (ModelVersion& v : versions) by_name[v.name]->latest_versions.push_back(std::move(v));
  for (auto& k : models) {
    std::sort(k.value.latest_versions.begin(), k.value.latest_versions.end(),
              [](const ModelVersion& a, const ModelVersion& b) { return a.version < b.version; });
  }
  return Status::Ok();
}

Result<std::vector<RegisteredModel>> ModelsByIds(SqlConnection& conn,
                                                 const std::vector<int64_t>& ids) {
  return LoadByIds<RegisteredModel>(
      conn,
      std::string("SELECT ") + kModelColumns + " FROM registered_models m WHERE m.model_id IN ",
      ids, ReadModel, LoadModelDetails);
}

Status ModelNotFound(const std::string& name) {
  return NotFound("Registered Model with name=" + name + " not found");
}

Status VersionNotFound(const std::string& name, int64_t version) {
  return NotFound("Model Version (name=" + name + ", version=" + std::to_string(version) +
                  ") not found");
}

// The model's key. With `lock` (writes on PostgreSQL) the row stays locked
// until the transaction ends, so concurrent changes to one model (alias
// moves, new version numbers) from several replicas queue behind each other.
Result<int64_t> ModelId(SqlConnection& conn, const std::string& name, bool lock) {
  std::string sql = "SELECT model_id FROM registered_models WHERE name = ?";
  if (lock) sql += " FOR UPDATE";
  std::optional<int64_t> id;
  RETURN_IF_ERROR(conn.Query(sql, {name}, [&](const Row& row) {
    id = row.GetInt(0);
    return Status::Ok();
  }));
  if (!id) return ModelNotFound(name);
  return *id;
}

Result<Keyed<ModelVersion>> FindVersion(SqlConnection& conn, int64_t model_id,
                                        const std::string& name, int64_t version) {
  std::optional<Keyed<ModelVersion>> found;
  RETURN_IF_ERROR(conn.Query(std::string("SELECT ") + kVersionColumns + kVersionFrom +
                                 " WHERE v.model_id = ? AND v.version = ?",
                             {model_id, version}, [&](const Row& row) {
                               found = ReadVersion(row);
                               return Status::Ok();
                             }));
  if (!found) return VersionNotFound(name, version);
  return *std::move(found);
}

Json VersionState(const ModelVersion& v) {
  return {{"version", v.version},   {"stage", v.current_stage}, {"status", v.status},
          {"source", v.source},     {"run_id", v.run_id},       {"description", v.description}};
}

struct EventText {
  std::optional<int64_t> version;
  std::string action;
  Json before;  // null: none
  Json after;
};

Status AddEvent(SqlConnection& conn, int64_t model_id, const std::string& model_name,
                const EventText& e, const Change& change) {
  auto text = [](const Json& j) { return j.is_null() ? SqlValue(nullptr) : SqlValue(j.dump()); };
  return conn
      .Execute(
          "INSERT INTO registry_events (time, model_id, model_name, version, action, actor, "
          "reason, before_state, after_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {change.time, model_id, model_name,
           e.version ? SqlValue(*e.version) : SqlValue(nullptr), e.action, change.actor.name,
           change.actor.reason, text(e.before), text(e.after)})
      .status();
}

Status TouchModel(SqlConnection& conn, int64_t model_id, int64_t time) {
  return conn
      .Execute("UPDATE registered_models SET last_updated_time = ? WHERE model_id = ?",
               {time, model_id})
      .status();
}

Status TouchVersion(SqlConnection& conn, int64_t version_id, int64_t time) {
  return conn
      .Execute("UPDATE model_versions SET last_updated_time = ? WHERE version_id = ?",
               {time, version_id})
      .status();
}

Status UpsertTag(SqlConnection& conn, const char* table, const char* owner, int64_t id,
                 const Tag& tag) {
  return conn
      .Execute(std::string("INSERT INTO ") + table + " (" + owner +
                   ", key, value) VALUES (?, ?, ?) ON CONFLICT (" + owner +
                   ", key) DO UPDATE SET value = excluded.value",
               {id, tag.key, tag.value})
      .status();
}

// Deletes a tag; kNotFound (naming `what`) when it is not there.
Status RemoveTag(SqlConnection& conn, const char* table, const char* owner, int64_t id,
                 const std::string& key, const std::string& what) {
  ASSIGN_OR_RETURN(int64_t n, conn.Execute(std::string("DELETE FROM ") + table + " WHERE " +
                                               owner + " = ? AND key = ?",
                                           {id, key}));
  if (n == 0) return NotFound("No tag with key '" + key + "' on " + what);
  return Status::Ok();
}

std::string VersionWhat(const std::string& name, int64_t version) {
  return "model version (name=" + name + ", version=" + std::to_string(version) + ")";
}

constexpr tracking::SearchColumn kModelSearchColumns[] = {
    {"name", "m.name", false},
    {"creation_timestamp", "m.creation_time", true},
    {"last_updated_timestamp", "m.last_updated_time", true},
};

// MLflow's default: name ASC.
constexpr tracking::EntitySearchSpec kModelSearch{
    "SELECT m.model_id FROM registered_models m",
    "m.model_id",
    "registered_model_tags",
    "model_id",
    kModelSearchColumns,
    nullptr,
    "m.name ASC",
    "m.name ASC",
    "name",
    "registered models",
    true,
};

constexpr tracking::SearchColumn kVersionSearchColumns[] = {
    {"name", "m.name", false},
    {"version_number", "v.version", true},
    {"run_id", "v.run_id", false},
    {"source_path", "v.source", false},
    {"creation_timestamp", "v.creation_time", true},
    {"last_updated_timestamp", "v.last_updated_time", true},
};

// MLflow's default: last_updated_timestamp DESC, name ASC, version DESC.
constexpr tracking::EntitySearchSpec kVersionSearch{
    "SELECT v.version_id FROM model_versions v JOIN registered_models m ON m.model_id = "
    "v.model_id",
    "v.version_id",
    "model_version_tags",
    "version_id",
    kVersionSearchColumns,
    nullptr,
    "v.last_updated_time DESC, m.name ASC, v.version DESC",
    "m.name ASC, v.version DESC",
    "",
    "model versions",
    true,
};

Result<std::vector<int64_t>> SearchIds(SqlConnection& conn, const tracking::EntitySearchSpec& spec,
                                       const tracking::EntitySearch& search) {
  ASSIGN_OR_RETURN(tracking::SqlQuery q, tracking::BuildEntitySearchSql(spec, search));
  std::vector<int64_t> ids;
  RETURN_IF_ERROR(conn.Query(q.sql, q.params, [&](const Row& row) {
    ids.push_back(row.GetInt(0));
    return Status::Ok();
  }));
  return ids;
}

}  // namespace

Result<int64_t> RegistryStore::LockModel(SqlConnection& conn, const std::string& name) {
  return ModelId(conn, name, dialect() == store::Dialect::kPostgres);
}

// ---- registered models ----

Status RegistryStore::CreateModel(const RegisteredModel& model, const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    int64_t id = 0;
    Status st = conn.Query(
        "INSERT INTO registered_models (name, description, creation_time, "
        "last_updated_time) VALUES (?, ?, ?, ?) RETURNING model_id",
        {model.name, model.description, change.time, change.time}, [&](const Row& row) {
          id = row.GetInt(0);
          return Status::Ok();
        });
    if (st.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("Registered Model (name=" + model.name + ") already exists.");
    }
    RETURN_IF_ERROR(st);
    for (const Tag& t : model.tags) {
      RETURN_IF_ERROR(UpsertTag(conn, "registered_model_tags", "model_id", id, t));
    }
    return AddEvent(conn, id, model.name,
                    {std::nullopt, "create_model", nullptr,
                     {{"name", model.name}, {"description", model.description}}},
                    change);
  });
}

Result<RegisteredModel> RegistryStore::GetModel(const std::string& name) {
  std::vector<RegisteredModel> found;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, ModelId(conn, name, false));
    ASSIGN_OR_RETURN(found, ModelsByIds(conn, {id}));
    return Status::Ok();
  }));
  if (found.empty()) return ModelNotFound(name);
  return std::move(found.front());
}

Status RegistryStore::RenameModel(const std::string& name, const std::string& new_name,
                                  const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    Status st = conn.Execute(
                        "UPDATE registered_models SET name = ?, last_updated_time = ? WHERE "
                        "model_id = ?",
                        {new_name, change.time, id})
                    .status();
    if (st.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("Registered Model (name=" + new_name + ") already exists.");
    }
    RETURN_IF_ERROR(st);
    return AddEvent(conn, id, new_name,
                    {std::nullopt, "rename_model", {{"name", name}}, {{"name", new_name}}},
                    change);
  });
}

Status RegistryStore::UpdateModelDescription(const std::string& name,
                                             const std::string& description,
                                             const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    std::string before;
    RETURN_IF_ERROR(conn.Query("SELECT description FROM registered_models WHERE model_id = ?",
                               {id}, [&](const Row& row) {
                                 before = row.GetText(0);
                                 return Status::Ok();
                               }));
    RETURN_IF_ERROR(conn.Execute("UPDATE registered_models SET description = ?, "
                                 "last_updated_time = ? WHERE model_id = ?",
                                 {description, change.time, id})
                        .status());
    return AddEvent(conn, id, name,
                    {std::nullopt, "update_model", {{"description", before}},
                     {{"description", description}}},
                    change);
  });
}

Status RegistryStore::DeleteModel(const std::string& name, const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    ASSIGN_OR_RETURN(int64_t versions,
                     store::QueryInt(conn, "SELECT COUNT(*) FROM model_versions WHERE model_id = ?",
                                     {id}));
    RETURN_IF_ERROR(conn.Execute("DELETE FROM model_aliases WHERE model_id = ?", {id}).status());
    RETURN_IF_ERROR(
        conn.Execute("DELETE FROM registered_models WHERE model_id = ?", {id}).status());
    return AddEvent(conn, id, name,
                    {std::nullopt, "delete_model", {{"name", name}, {"versions", versions}},
                     nullptr},
                    change);
  });
}

Status RegistryStore::SetModelTag(const std::string& name, const Tag& tag,
                                  const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    RETURN_IF_ERROR(UpsertTag(conn, "registered_model_tags", "model_id", id, tag));
    RETURN_IF_ERROR(TouchModel(conn, id, change.time));
    return AddEvent(conn, id, name,
                    {std::nullopt, "set_tag", nullptr, {{"key", tag.key}, {"value", tag.value}}},
                    change);
  });
}

Status RegistryStore::DeleteModelTag(const std::string& name, const std::string& key,
                                     const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    RETURN_IF_ERROR(RemoveTag(conn, "registered_model_tags", "model_id", id, key,
                              "registered model " + name));
    RETURN_IF_ERROR(TouchModel(conn, id, change.time));
    return AddEvent(conn, id, name, {std::nullopt, "delete_tag", {{"key", key}}, nullptr},
                    change);
  });
}

Status RegistryStore::SetGatePolicy(const std::string& name,
                                    const std::optional<std::string>& policy,
                                    const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    Json before = nullptr;
    RETURN_IF_ERROR(conn.Query("SELECT gate_policy FROM registered_models WHERE model_id = ?",
                               {id}, [&](const Row& row) {
                                 if (!row.IsNull(0)) before = Json::parse(row.GetText(0), nullptr, false);
                                 return Status::Ok();
                               }));
    RETURN_IF_ERROR(conn.Execute("UPDATE registered_models SET gate_policy = ?, "
                                 "last_updated_time = ? WHERE model_id = ?",
                                 {policy ? SqlValue(*policy) : SqlValue(nullptr), change.time, id})
                        .status());
    Json after = policy ? Json::parse(*policy, nullptr, false) : Json(nullptr);
    return AddEvent(conn, id, name, {std::nullopt, "set_gate", before, after}, change);
  });
}

Result<std::vector<RegisteredModel>> RegistryStore::SearchModels(
    const tracking::EntitySearch& search) {
  std::vector<RegisteredModel> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(std::vector<int64_t> ids, SearchIds(conn, kModelSearch, search));
    ASSIGN_OR_RETURN(out, ModelsByIds(conn, ids));
    return Status::Ok();
  }));
  return out;
}

// ---- versions ----

Result<ModelVersion> RegistryStore::CreateVersion(ModelVersion version, const Change& change) {
  RETURN_IF_ERROR(db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, version.name));
    ASSIGN_OR_RETURN(version.version,
                     store::QueryInt(conn,
                                     "UPDATE registered_models SET last_version = last_version "
                                     "+ 1 WHERE model_id = ? RETURNING last_version",
                                     {id}));
    version.creation_time = version.last_updated_time = change.time;
    int64_t version_id = 0;
    RETURN_IF_ERROR(conn.Query(
        "INSERT INTO model_versions (model_id, version, creation_time, last_updated_time, "
        "description, user_id, current_stage, source, run_id, run_link, status, "
        "status_message, storage_location, logged_model_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?) RETURNING version_id",
        {id, version.version, change.time, change.time, version.description, version.user_id,
         version.current_stage, version.source, version.run_id, version.run_link,
         version.status, version.status_message, version.storage_location,
         version.logged_model_id},
        [&](const Row& row) {
          version_id = row.GetInt(0);
          return Status::Ok();
        }));
    for (const Tag& t : version.tags) {
      RETURN_IF_ERROR(UpsertTag(conn, "model_version_tags", "version_id", version_id, t));
    }
    RETURN_IF_ERROR(TouchModel(conn, id, change.time));
    return AddEvent(conn, id, version.name,
                    {version.version, "create_version", nullptr, VersionState(version)}, change);
  }));
  return version;
}

Result<ModelVersion> RegistryStore::GetVersion(const std::string& name, int64_t version) {
  std::vector<ModelVersion> found;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(found, QueryVersions(conn, "m.name = ? AND v.version = ?", {name, version}));
    return Status::Ok();
  }));
  if (found.empty()) return VersionNotFound(name, version);
  return std::move(found.front());
}

Status RegistryStore::UpdateVersionDescription(const std::string& name, int64_t version,
                                               const std::string& description,
                                               const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    ASSIGN_OR_RETURN(auto v, FindVersion(conn, id, name, version));
    RETURN_IF_ERROR(conn.Execute("UPDATE model_versions SET description = ?, "
                                 "last_updated_time = ? WHERE version_id = ?",
                                 {description, change.time, v.id})
                        .status());
    return AddEvent(conn, id, name,
                    {version, "update_version", {{"description", v.value.description}},
                     {{"description", description}}},
                    change);
  });
}

Status RegistryStore::UpdateVersionStatus(const std::string& name, int64_t version,
                                          const std::string& status,
                                          const std::string& message, const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    ASSIGN_OR_RETURN(auto v, FindVersion(conn, id, name, version));
    RETURN_IF_ERROR(conn.Execute("UPDATE model_versions SET status = ?, status_message = ?, "
                                 "last_updated_time = ? WHERE version_id = ?",
                                 {status, message, change.time, v.id})
                        .status());
    return AddEvent(conn, id, name,
                    {version, "update_version", {{"status", v.value.status}},
                     {{"status", status}, {"status_message", message}}},
                    change);
  });
}

Status RegistryStore::DeleteVersion(const std::string& name, int64_t version, bool force,
                                    const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    ASSIGN_OR_RETURN(auto v, FindVersion(conn, id, name, version));
    std::vector<std::string> aliases;
    RETURN_IF_ERROR(conn.Query("SELECT alias FROM model_aliases WHERE version_id = ? ORDER BY "
                               "alias",
                               {v.id}, [&](const Row& row) {
                                 aliases.push_back(row.GetText(0));
                                 return Status::Ok();
                               }));
    if (!aliases.empty() && !force) {
      return FailedPrecondition("Model version " + std::to_string(version) + " of '" + name +
                                "' is the target of alias '" + aliases.front() +
                                "'; move or delete the alias first, or force the delete");
    }
    for (const std::string& alias : aliases) {
      RETURN_IF_ERROR(conn.Execute("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?",
                                   {id, alias})
                          .status());
      RETURN_IF_ERROR(AddEvent(conn, id, name,
                               {version, "delete_alias",
                                {{"alias", alias}, {"version", version}}, nullptr},
                               change));
    }
    RETURN_IF_ERROR(
        conn.Execute("DELETE FROM model_versions WHERE version_id = ?", {v.id}).status());
    RETURN_IF_ERROR(TouchModel(conn, id, change.time));
    return AddEvent(conn, id, name, {version, "delete_version", VersionState(v.value), nullptr},
                    change);
  });
}

Result<ModelVersion> RegistryStore::TransitionStage(const std::string& name, int64_t version,
                                                    const std::string& stage,
                                                    bool archive_existing,
                                                    const Change& change) {
  RETURN_IF_ERROR(db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    ASSIGN_OR_RETURN(auto v, FindVersion(conn, id, name, version));
    if (archive_existing && (stage == kStageStaging || stage == kStageProduction)) {
      std::vector<int64_t> others;
      RETURN_IF_ERROR(conn.Query("SELECT version FROM model_versions WHERE model_id = ? AND "
                                 "current_stage = ? AND version_id != ? ORDER BY version",
                                 {id, stage, v.id}, [&](const Row& row) {
                                   others.push_back(row.GetInt(0));
                                   return Status::Ok();
                                 }));
      for (int64_t other : others) {
        RETURN_IF_ERROR(conn.Execute("UPDATE model_versions SET current_stage = ?, "
                                     "last_updated_time = ? WHERE model_id = ? AND version = ?",
                                     {std::string(kStageArchived), change.time, id, other})
                            .status());
        RETURN_IF_ERROR(AddEvent(conn, id, name,
                                 {other, "transition_stage", {{"stage", stage}},
                                  {{"stage", kStageArchived}}},
                                 change));
      }
    }
    RETURN_IF_ERROR(conn.Execute("UPDATE model_versions SET current_stage = ?, "
                                 "last_updated_time = ? WHERE version_id = ?",
                                 {stage, change.time, v.id})
                        .status());
    RETURN_IF_ERROR(TouchModel(conn, id, change.time));
    return AddEvent(conn, id, name,
                    {version, "transition_stage", {{"stage", v.value.current_stage}},
                     {{"stage", stage}}},
                    change);
  }));
  return GetVersion(name, version);
}

Status RegistryStore::SetVersionTag(const std::string& name, int64_t version, const Tag& tag,
                                    const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    ASSIGN_OR_RETURN(auto v, FindVersion(conn, id, name, version));
    RETURN_IF_ERROR(UpsertTag(conn, "model_version_tags", "version_id", v.id, tag));
    RETURN_IF_ERROR(TouchVersion(conn, v.id, change.time));
    return AddEvent(conn, id, name,
                    {version, "set_tag", nullptr, {{"key", tag.key}, {"value", tag.value}}},
                    change);
  });
}

Status RegistryStore::DeleteVersionTag(const std::string& name, int64_t version,
                                       const std::string& key, const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    ASSIGN_OR_RETURN(auto v, FindVersion(conn, id, name, version));
    RETURN_IF_ERROR(RemoveTag(conn, "model_version_tags", "version_id", v.id, key,
                              VersionWhat(name, version)));
    RETURN_IF_ERROR(TouchVersion(conn, v.id, change.time));
    return AddEvent(conn, id, name, {version, "delete_tag", {{"key", key}}, nullptr}, change);
  });
}

Result<std::vector<ModelVersion>> RegistryStore::SearchVersions(
    const tracking::EntitySearch& search) {
  std::vector<ModelVersion> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(std::vector<int64_t> ids, SearchIds(conn, kVersionSearch, search));
    ASSIGN_OR_RETURN(out, VersionsByIds(conn, ids));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<ModelVersion>> RegistryStore::LatestVersions(
    const std::string& name, const std::vector<std::string>& stages) {
  ASSIGN_OR_RETURN(RegisteredModel model, GetModel(name));
  std::vector<ModelVersion> out;
  for (ModelVersion& v : model.latest_versions) {
    if (stages.empty() ||
        std::find(stages.begin(), stages.end(), v.current_stage) != stages.end()) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

// ---- aliases ----

Status RegistryStore::SetAlias(const std::string& name, const std::string& alias,
                               int64_t version, const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    ASSIGN_OR_RETURN(auto v, FindVersion(conn, id, name, version));
    Json before = nullptr;
    RETURN_IF_ERROR(conn.Query("SELECT v.version FROM model_aliases a JOIN model_versions v ON "
                               "v.version_id = a.version_id WHERE a.model_id = ? AND a.alias = ?",
                               {id, alias}, [&](const Row& row) {
                                 before = {{"alias", alias}, {"version", row.GetInt(0)}};
                                 return Status::Ok();
                               }));
    RETURN_IF_ERROR(conn.Execute("INSERT INTO model_aliases (model_id, alias, version_id) "
                                 "VALUES (?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE "
                                 "SET version_id = excluded.version_id",
                                 {id, alias, v.id})
                        .status());
    RETURN_IF_ERROR(TouchModel(conn, id, change.time));
    return AddEvent(conn, id, name,
                    {version, "set_alias", before, {{"alias", alias}, {"version", version}}},
                    change);
  });
}

Status RegistryStore::DeleteAlias(const std::string& name, const std::string& alias,
                                  const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    std::optional<int64_t> version;
    RETURN_IF_ERROR(conn.Query("SELECT v.version FROM model_aliases a JOIN model_versions v ON "
                               "v.version_id = a.version_id WHERE a.model_id = ? AND a.alias = ?",
                               {id, alias}, [&](const Row& row) {
                                 version = row.GetInt(0);
                                 return Status::Ok();
                               }));
    if (!version) {
      return NotFound("Registered model alias " + alias + " not found for model " + name);
    }
    RETURN_IF_ERROR(
        conn.Execute("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?", {id, alias})
            .status());
    RETURN_IF_ERROR(TouchModel(conn, id, change.time));
    return AddEvent(conn, id, name,
                    {*version, "delete_alias", {{"alias", alias}, {"version", *version}},
                     nullptr},
                    change);
  });
}

Result<ModelVersion> RegistryStore::GetVersionByAlias(const std::string& name,
                                                      const std::string& alias) {
  // The hot path of serving and of MLflow's load_model: the version and its
  // details in two queries; the model is looked up only to name a miss.
  std::vector<ModelVersion> found;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(found, QueryVersions(conn,
                                          "m.name = ? AND v.version_id = (SELECT a.version_id "
                                          "FROM model_aliases a WHERE a.model_id = m.model_id "
                                          "AND a.alias = ?)",
                                          {name, alias}));
    if (found.empty()) return ModelId(conn, name, false).status();
    return Status::Ok();
  }));
  if (found.empty()) {
    return NotFound("Registered model alias " + alias + " not found for model " + name);
  }
  return std::move(found.front());
}

// ---- audit ----

Result<std::vector<RegistryEvent>> RegistryStore::ListEvents(const std::string& name,
                                                             int64_t limit, int64_t offset) {
  std::vector<RegistryEvent> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, ModelId(conn, name, false));
    return conn.Query(
        "SELECT event_id, time, model_name, version, action, actor, reason, before_state, "
        "after_state FROM registry_events WHERE model_id = ? ORDER BY event_id LIMIT ? "
        "OFFSET ?",
        {id, limit, offset}, [&](const Row& row) {
          RegistryEvent e;
          e.event_id = row.GetInt(0);
          e.time = row.GetInt(1);
          e.model = row.GetText(2);
          if (!row.IsNull(3)) e.version = row.GetInt(3);
          e.action = row.GetText(4);
          e.actor = row.GetText(5);
          e.reason = row.GetText(6);
          e.before = row.GetText(7);
          e.after = row.GetText(8);
          out.push_back(std::move(e));
          return Status::Ok();
        });
  }));
  return out;
}

Status RegistryStore::RecordEvent(const std::string& name, std::optional<int64_t> version,
                                  const std::string& action, const std::string& after,
                                  const Change& change) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t id, LockModel(conn, name));
    Json parsed = Json::parse(after, nullptr, false);
    if (parsed.is_discarded()) return InvalidArgument("event state is not JSON");
    return AddEvent(conn, id, name, {version, action, nullptr, parsed}, change);
  });
}

}  // namespace ferry::registry
