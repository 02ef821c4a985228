"""Bulk-loads the registry data set straight into a stopped server's database.

10,000 registered models (by default) x 10 versions each, every version from
its own run (`runs:/<run_id>/model`), the alias `champion` on one version of
each model, and one tag per model and per version; the same seeded data go
into MLflow's tables (created by `mlflow server` itself) and Ferry's
(src/store/migrations.cc, migration 3). SQLite: one transaction of
executemany; PostgreSQL: COPY, then ANALYZE. Going through the REST API
would take MLflow most of an hour.
"""

import random

from populate import bulk_insert  # bench/tracking/populate.py (on the path of registry_bench.py)

BASE_TIME = 1735689600000  # 2025-01-01T00:00:00Z
VERSIONS = 10


def generate(n_models, seed=20261122):
    rng = random.Random(seed)
    models = []
    for i in range(n_models):
        runs = ["%032x" % rng.getrandbits(128) for _ in range(VERSIONS)]
        models.append({"name": f"model-{i:05d}", "runs": runs,
                       "champion": 1 + rng.randrange(VERSIONS), "team": f"team-{i % 16}"})
    return models


def _rows(system, models):
    out = {k: [] for k in ("models", "versions", "aliases", "model_tags", "version_tags")}
    for i, m in enumerate(models):
        t = BASE_TIME + i * 1000
        name = m["name"]
        if system == "mlflow":
            out["models"].append((name, t, t + VERSIONS, ""))
        else:
            out["models"].append((i + 1, name, t, t + VERSIONS, VERSIONS))
        out["model_tags"].append((name if system == "mlflow" else i + 1, "team", m["team"]))
        for v in range(1, VERSIONS + 1):
            rid = m["runs"][v - 1]
            source = f"runs:/{rid}/model"
            location = f"mlflow-artifacts:/1/{rid}/artifacts/model"
            if system == "mlflow":
                out["versions"].append((name, v, t + v, t + v, "", "bench", "None", source, rid,
                                        "READY", "", "", location))
                out["version_tags"].append((name, v, "validated", "yes" if v % 2 else "no"))
            else:
                vid = i * VERSIONS + v
                out["versions"].append((vid, i + 1, v, t + v, t + v, "bench", "None", source, rid,
                                        "READY", location))
                out["version_tags"].append((vid, "validated", "yes" if v % 2 else "no"))
        champion = m["champion"]
        if system == "mlflow":
            out["aliases"].append(("champion", champion, name))
        else:
            out["aliases"].append((i + 1, "champion", i * VERSIONS + champion))
    return out


COLUMNS = {
    "mlflow": {
        "models": ("registered_models", ["name", "creation_time", "last_updated_time",
                                         "description"]),
        "versions": ("model_versions", ["name", "version", "creation_time", "last_updated_time",
                                        "description", "user_id", "current_stage", "source",
                                        "run_id", "status", "status_message", "run_link",
                                        "storage_location"]),
        "aliases": ("registered_model_aliases", ["alias", "version", "name"]),
        "model_tags": ("registered_model_tags", ["name", "key", "value"]),
        "version_tags": ("model_version_tags", ["name", "version", "key", "value"]),
    },
    "ferry": {
        "models": ("registered_models", ["model_id", "name", "creation_time",
                                         "last_updated_time", "last_version"]),
        "versions": ("model_versions", ["version_id", "model_id", "version", "creation_time",
                                        "last_updated_time", "user_id", "current_stage", "source",
                                        "run_id", "status", "storage_location"]),
        "aliases": ("model_aliases", ["model_id", "alias", "version_id"]),
        "model_tags": ("registered_model_tags", ["model_id", "key", "value"]),
        "version_tags": ("model_version_tags", ["version_id", "key", "value"]),
    },
}
ORDER = ["models", "versions", "aliases", "model_tags", "version_tags"]


def load(system, store, db, models):
    """Loads `models` into `db` of `store` for `system`. Returns row counts."""
    rows = _rows(system, models)
    bulk_insert(store, db, [(*COLUMNS[system][key], rows[key]) for key in ORDER])
    if store.name != "sqlite" and system == "ferry":
        # Later inserts must not collide with the loaded keys.
        conn = store.connect(db)
        try:
            with conn.cursor() as cur:
                for table, column in (("registered_models", "model_id"),
                                      ("model_versions", "version_id")):
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                                f"(SELECT MAX({column}) FROM {table}))")
            conn.commit()
        finally:
            conn.close()
    return {k: len(v) for k, v in rows.items()}
