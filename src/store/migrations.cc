#include "store/migrations.h"

#include <string>

namespace ferry::store {
namespace {

// Version 1: experiment tracking (the MLflow data model).
constexpr const char* kTracking = R"sql(
CREATE TABLE experiments (
  experiment_id {{ID_PK}},
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time BIGINT NOT NULL DEFAULT 0,
  last_update_time BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE experiment_tags (
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
);
CREATE TABLE runs (
  run_uuid TEXT PRIMARY KEY,
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id),
  name TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'RUNNING',
  start_time BIGINT NOT NULL DEFAULT 0,
  end_time BIGINT,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  artifact_uri TEXT NOT NULL DEFAULT '',
  deleted_time BIGINT
);
CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time);
CREATE TABLE params (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
);
CREATE INDEX params_by_key ON params(key, value);
CREATE TABLE tags (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
);
CREATE INDEX tags_by_key ON tags(key, value);
CREATE TABLE metrics (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
  key TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  is_nan INTEGER NOT NULL DEFAULT 0,
  timestamp BIGINT NOT NULL,
  step BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (run_uuid, key, step, timestamp, value, is_nan)
) {{WITHOUT_ROWID}};
CREATE TABLE latest_metrics (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
  key TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  is_nan INTEGER NOT NULL DEFAULT 0,
  timestamp BIGINT NOT NULL,
  step BIGINT NOT NULL,
  PRIMARY KEY (run_uuid, key)
) {{WITHOUT_ROWID}};
CREATE INDEX latest_metrics_by_key ON latest_metrics(key, value);
CREATE TABLE datasets (
  dataset_uuid TEXT PRIMARY KEY,
  experiment_id BIGINT NOT NULL REFERENCES experiments(experiment_id),
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  source_type TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  schema TEXT NOT NULL DEFAULT '',
  profile TEXT NOT NULL DEFAULT '',
  UNIQUE (experiment_id, name, digest)
);
CREATE TABLE run_inputs (
  run_uuid TEXT NOT NULL REFERENCES runs(run_uuid),
  dataset_uuid TEXT NOT NULL REFERENCES datasets(dataset_uuid),
  tags TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (run_uuid, dataset_uuid)
);
CREATE TABLE artifact_files (
  path TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  created_time BIGINT NOT NULL
);
INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage)
  VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active');
)sql";

// Version 2: runs ordered by a metric are found by walking this index from
// the best value (is_nan splits numbers from NaNs so both directions of one
// part are one index range); see tracking/search/run_search.cc.
constexpr const char* kMetricOrderIndex = R"sql(
DROP INDEX latest_metrics_by_key;
CREATE INDEX latest_metrics_by_key ON latest_metrics(key, is_nan, value);
)sql";

// Version 3: the model registry. Models and versions have integer keys so
// a rename is one UPDATE; last_version numbers versions without ever reusing
// a deleted one's number (as MLflow); events keep the model's id and its name at the
// time, and outlive the model. Events are append-only (triggers below).
constexpr const char* kRegistry = R"sql(
CREATE TABLE registered_models (
  model_id {{ID_PK}},
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  creation_time BIGINT NOT NULL,
  last_updated_time BIGINT NOT NULL,
  last_version BIGINT NOT NULL DEFAULT 0,
  gate_policy TEXT
);
CREATE TABLE registered_model_tags (
  model_id BIGINT NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
);
CREATE INDEX registered_model_tags_by_key ON registered_model_tags(key, value);
CREATE TABLE model_versions (
  version_id {{ID_PK}},
  model_id BIGINT NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
  version BIGINT NOT NULL,
  creation_time BIGINT NOT NULL,
  last_updated_time BIGINT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  current_stage TEXT NOT NULL DEFAULT 'None',
  source TEXT NOT NULL,
  run_id TEXT NOT NULL DEFAULT '',
  run_link TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  status_message TEXT NOT NULL DEFAULT '',
  storage_location TEXT NOT NULL DEFAULT '',
  logged_model_id TEXT NOT NULL DEFAULT '',
  UNIQUE (model_id, version)
);
CREATE INDEX model_versions_by_run ON model_versions(run_id);
CREATE TABLE model_version_tags (
  version_id BIGINT NOT NULL REFERENCES model_versions(version_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (version_id, key)
);
CREATE INDEX model_version_tags_by_key ON model_version_tags(key, value);
CREATE TABLE model_aliases (
  model_id BIGINT NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  version_id BIGINT NOT NULL REFERENCES model_versions(version_id),
  PRIMARY KEY (model_id, alias)
);
CREATE INDEX model_aliases_by_version ON model_aliases(version_id);
CREATE TABLE registry_events (
  event_id {{ID_PK}},
  time BIGINT NOT NULL,
  model_id BIGINT NOT NULL,
  model_name TEXT NOT NULL,
  version BIGINT,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  before_state TEXT,
  after_state TEXT
);
CREATE INDEX registry_events_by_model ON registry_events(model_id, event_id);
)sql";

constexpr const char* kRegistrySqlite = R"sql(
CREATE TRIGGER registry_events_no_update BEFORE UPDATE ON registry_events
BEGIN SELECT RAISE(ABORT, 'registry events are append-only'); END;
CREATE TRIGGER registry_events_no_delete BEFORE DELETE ON registry_events
BEGIN SELECT RAISE(ABORT, 'registry events are append-only'); END;
)sql";

constexpr const char* kRegistryPostgres = R"sql(
CREATE FUNCTION ferry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER registry_events_append_only BEFORE UPDATE OR DELETE ON registry_events
FOR EACH ROW EXECUTE FUNCTION ferry_append_only();
CREATE TRIGGER registry_events_no_truncate BEFORE TRUNCATE ON registry_events
FOR EACH STATEMENT EXECUTE FUNCTION ferry_append_only();
)sql";

// Version 4: MLflow 3 logged models (a model as a first-class object of an
// experiment, with its own artifact folder) and the models a run output.
constexpr const char* kLoggedModels = R"sql(
CREATE TABLE logged_models (
  model_id TEXT PRIMARY KEY,
  experiment_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  artifact_location TEXT NOT NULL,
  creation_time BIGINT NOT NULL,
  last_updated_time BIGINT NOT NULL,
  status TEXT NOT NULL,
  status_message TEXT NOT NULL DEFAULT '',
  model_type TEXT NOT NULL DEFAULT '',
  source_run_id TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL DEFAULT 'active'
);
CREATE INDEX logged_models_by_experiment ON logged_models(experiment_id, creation_time);
CREATE INDEX logged_models_by_name ON logged_models(name);
CREATE TABLE logged_model_tags (
  model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
);
CREATE INDEX logged_model_tags_by_key ON logged_model_tags(key, value);
CREATE TABLE logged_model_params (
  model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
);
CREATE TABLE run_outputs (
  run_uuid TEXT NOT NULL,
  model_id TEXT NOT NULL,
  step BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (run_uuid, model_id)
);
)sql";

// Version 5: registry webhooks. Deliveries read registry_events (the
// outbox: an event is committed with its change) past each webhook's cursor.
constexpr const char* kWebhooks = R"sql(
CREATE TABLE webhooks (
  webhook_id {{ID_PK}},
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT '',
  actions TEXT NOT NULL DEFAULT '',
  created_time BIGINT NOT NULL,
  cursor_event_id BIGINT NOT NULL
);
CREATE TABLE webhook_deliveries (
  delivery_id {{ID_PK}},
  webhook_id BIGINT NOT NULL,
  event_id BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  delivered INTEGER NOT NULL,
  time BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, delivery_id);
)sql";

// Serving deployments: the spec as JSON (serving/deployment_spec.h).
constexpr const char* kDeployments = R"sql(
CREATE TABLE deployments (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  created_time BIGINT NOT NULL,
  updated_time BIGINT NOT NULL
);
)sql";

// Monitoring: reference profiles per model version, hourly profiles of
// served data per deployment and version, and how far each payload-log file
// has been read. Profiles are base64 text (monitoring/profile.h's bytes).
constexpr const char* kMonitoring = R"sql(
CREATE TABLE monitor_references (
  model TEXT NOT NULL,
  version BIGINT NOT NULL,
  profile TEXT NOT NULL,
  sample TEXT NOT NULL,
  rows BIGINT NOT NULL,
  created_time BIGINT NOT NULL,
  PRIMARY KEY (model, version)
);
CREATE TABLE monitor_windows (
  deployment TEXT NOT NULL,
  model TEXT NOT NULL,
  version BIGINT NOT NULL,
  window_start BIGINT NOT NULL,
  window_end BIGINT NOT NULL,
  rows BIGINT NOT NULL,
  profile TEXT NOT NULL,
  PRIMARY KEY (deployment, window_start, model, version)
);
CREATE TABLE monitor_cursors (
  path TEXT PRIMARY KEY,
  position BIGINT NOT NULL
);
)sql";

// Version 8: ground truth and alerts. monitor_predictions is the index of
// logged requests that labels join on (written with the windows, in the
// same transaction); labels are kept as sent (JSON number or string), the
// latest per prediction row; alert rules, their current states and the
// history of their transitions (`notified` once handed to the webhooks).
constexpr const char* kMonitoringLabelsAlerts = R"sql(
CREATE TABLE monitor_predictions (
  deployment TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  model TEXT NOT NULL,
  version BIGINT NOT NULL,
  role TEXT NOT NULL,
  time BIGINT NOT NULL,
  rows BIGINT NOT NULL,
  outputs TEXT NOT NULL,
  PRIMARY KEY (deployment, prediction_id, model, version)
);
CREATE INDEX monitor_predictions_by_time ON monitor_predictions(deployment, time);
CREATE TABLE monitor_labels (
  deployment TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  row_index BIGINT NOT NULL,
  label TEXT NOT NULL,
  received_time BIGINT NOT NULL,
  PRIMARY KEY (deployment, prediction_id, row_index)
);
CREATE INDEX monitor_labels_by_time ON monitor_labels(deployment, received_time);
CREATE TABLE monitor_alert_rules (
  name TEXT PRIMARY KEY,
  deployment TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_time BIGINT NOT NULL,
  updated_time BIGINT NOT NULL
);
CREATE TABLE monitor_alert_states (
  name TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  since BIGINT NOT NULL,
  value DOUBLE PRECISION,
  window_start BIGINT,
  model TEXT NOT NULL DEFAULT '',
  version BIGINT NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  evaluated_time BIGINT NOT NULL
);
CREATE TABLE monitor_alert_events (
  event_id {{ID_PK}},
  rule TEXT NOT NULL,
  deployment TEXT NOT NULL,
  model TEXT NOT NULL,
  version BIGINT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  kind TEXT NOT NULL,
  value DOUBLE PRECISION,
  threshold DOUBLE PRECISION NOT NULL,
  window_start BIGINT,
  time BIGINT NOT NULL,
  notified INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX monitor_alert_events_by_rule ON monitor_alert_events(rule, event_id);
)sql";

// Pipelines (their versions: the YAML as applied), pipeline runs and step
// runs, and dataset versions (content digests, manifest and profile).
constexpr const char* kPipelinesDatasets = R"sql(
CREATE TABLE pipelines (
  name TEXT PRIMARY KEY,
  latest_version BIGINT NOT NULL,
  workspace TEXT NOT NULL,
  next_schedule_time BIGINT,
  created_time BIGINT NOT NULL,
  updated_time BIGINT NOT NULL
);
CREATE TABLE pipeline_versions (
  name TEXT NOT NULL,
  version BIGINT NOT NULL,
  yaml TEXT NOT NULL,
  digest TEXT NOT NULL,
  created_time BIGINT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE pipeline_runs (
  run_id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  version BIGINT NOT NULL,
  state TEXT NOT NULL,
  trigger_kind TEXT NOT NULL,
  trigger_detail TEXT NOT NULL,
  params TEXT NOT NULL,
  tracking_run_id TEXT NOT NULL DEFAULT '',
  resumed_from TEXT NOT NULL DEFAULT '',
  run_dir TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  created_time BIGINT NOT NULL,
  start_time BIGINT,
  end_time BIGINT
);
CREATE INDEX pipeline_runs_by_pipeline ON pipeline_runs(pipeline, created_time);
CREATE INDEX pipeline_runs_by_state ON pipeline_runs(state);
CREATE TABLE pipeline_step_runs (
  run_id TEXT NOT NULL,
  step TEXT NOT NULL,
  position BIGINT NOT NULL,
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  exit_code BIGINT NOT NULL DEFAULT 0,
  timed_out INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  start_time BIGINT,
  end_time BIGINT,
  log_path TEXT NOT NULL,
  cache_key TEXT NOT NULL DEFAULT '',
  outputs TEXT NOT NULL DEFAULT '{}',
  reused INTEGER NOT NULL DEFAULT 0,
  tracking_run_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, step)
);
CREATE TABLE dataset_versions (
  name TEXT NOT NULL,
  version BIGINT NOT NULL,
  digest TEXT NOT NULL,
  source TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  manifest TEXT NOT NULL,
  profile TEXT NOT NULL,
  created_time BIGINT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE INDEX dataset_versions_by_digest ON dataset_versions(digest);
)sql";

void ReplaceAll(std::string& sql, const std::string& token, const std::string& text) {
  for (size_t pos; (pos = sql.find(token)) != std::string::npos;) {
    sql.replace(pos, token.size(), text);
  }
}

// The only dialect tokens: the auto-increment key type, and SQLite's
// WITHOUT ROWID (tables clustered on their primary key, so a metric row is
// written once instead of into a table and an index).
std::string ForDialect(std::string sql, Dialect dialect) {
  bool sqlite = dialect == Dialect::kSqlite;
  ReplaceAll(sql, "{{ID_PK}}",
             sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
  ReplaceAll(sql, "{{WITHOUT_ROWID}}", sqlite ? "WITHOUT ROWID" : "");
  return sql;
}

constexpr const char* kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_time BIGINT)";

}  // namespace

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> kAll = {
      {1, "tracking", kTracking},
      {2, "metric order index", kMetricOrderIndex},
      {3, "registry", kRegistry, kRegistrySqlite, kRegistryPostgres},
      {4, "logged models", kLoggedModels},
      {5, "webhooks", kWebhooks},
      {6, "deployments", kDeployments},
      {7, "monitoring", kMonitoring},
      {8, "monitoring labels and alerts", kMonitoringLabelsAlerts},
      {9, "pipelines and datasets", kPipelinesDatasets},
  };
  return kAll;
}

Result<int64_t> SchemaVersion(Database& db) {
  int64_t version = 0;
  RETURN_IF_ERROR(db.Read([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(version,
                     QueryInt(conn,
                              "SELECT COALESCE(MAX(version), 0) FROM "
                              "schema_migrations",
                              {}));
    return Status::Ok();
  }));
  return version;
}

// On PostgreSQL, replicas starting together on a new database serialise on
// an advisory lock taken first in each migration transaction (also around
// creating the version table, which would otherwise race).
Status LockForMigration(Database& db, SqlConnection& conn) {
  if (db.dialect() != Dialect::kPostgres) return Status::Ok();
  return conn.Query("SELECT pg_advisory_xact_lock(725301)", {},
                    [](const Row&) { return Status::Ok(); });
}

Status Migrate(Database& db) {
  RETURN_IF_ERROR(db.Write([&](SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(LockForMigration(db, conn));
    return conn.ExecuteScript(kVersionTable);
  }));
  for (const Migration& m : AllMigrations()) {
    Status st = db.Write([&](SqlConnection& conn) -> Status {
      RETURN_IF_ERROR(LockForMigration(db, conn));
      ASSIGN_OR_RETURN(
          int64_t seen,
          QueryInt(conn, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
                   {int64_t{m.version}}));
      if (seen > 0) return Status::Ok();
      RETURN_IF_ERROR(conn.ExecuteScript(ForDialect(m.sql, db.dialect())));
      const char* own = db.dialect() == Dialect::kSqlite ? m.sqlite_sql : m.postgres_sql;
      if (own) RETURN_IF_ERROR(conn.ExecuteScript(own));
      return conn
          .Execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                   {int64_t{m.version}, std::string(m.name)})
          .status();
    });
    if (!st.ok()) {
      return Internal("migration " + std::to_string(m.version) + " (" + m.name +
                      ") failed: " + st.message());
    }
  }
  return Status::Ok();
}

}  // namespace ferry::store
