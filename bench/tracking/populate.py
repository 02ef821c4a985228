"""Bulk-loads the search data set straight into a stopped server's database.

The same deterministic runs (seeded) go into each system, each in its own
schema: MLflow's SQLAlchemy tables and Ferry's (src/store/migrations.cc).
Every run gets 10 metrics m0..m9 (one point each, step 0, in both `metrics`
and `latest_metrics`), params `model` and `lr`, and tags `mlflow.runName`,
`mlflow.user` and `team`, in one experiment that the server itself created.
SQLite: one transaction of executemany (ANALYZE only with --sqlite-analyze);
PostgreSQL: COPY, then ANALYZE (what autovacuum would do shortly after such a
load).
"""

import csv
import io
import random

SEARCH_FILTER = "metrics.m0 > 0.5 and params.model = 'gbm'"
SEARCH_ORDER = ["metrics.m1 DESC"]
SEARCH_MAX_RESULTS = 100
MODELS = ["gbm", "rf", "lr", "svm", "knn"]
N_METRICS = 10
BASE_TIME = 1735689600000  # 2025-01-01T00:00:00Z


def generate(n_runs, seed=20261122):
    rng = random.Random(seed)
    runs = []
    for i in range(n_runs):
        runs.append(
            {
                "id": "%032x" % rng.getrandbits(128),
                "name": f"run-{i:06d}",
                "start": BASE_TIME + i * 1000,
                "metrics": [rng.random() for _ in range(N_METRICS)],
                "model": rng.choice(MODELS),
                "lr": rng.choice(["0.1", "0.03", "0.01", "0.003"]),
                "team": f"team-{i % 16}",
            }
        )
    return runs


def expected_ids(runs):
    """The first page MLflow's semantics give for the benchmark query."""
    hits = [r for r in runs if r["metrics"][0] > 0.5 and r["model"] == "gbm"]
    # order_by metrics.m1 DESC, then MLflow's tie-breakers start_time DESC, run_uuid.
    hits.sort(key=lambda r: (-r["metrics"][1], -r["start"], r["id"]))
    return [r["id"] for r in hits[:SEARCH_MAX_RESULTS]], len(hits)


def _rows(system, runs, experiment_id, artifact_location):
    exp = int(experiment_id)
    false = False if system == "mlflow" else 0
    out = {"runs": [], "params": [], "tags": [], "metrics": [], "latest_metrics": []}
    for r in runs:
        rid = r["id"]
        art = f"{artifact_location}/{rid}/artifacts"
        if system == "mlflow":
            out["runs"].append((rid, r["name"], "UNKNOWN", "", "", "bench", "FINISHED", r["start"],
                                r["start"] + 60000, "", "active", art, exp))
        else:
            out["runs"].append((rid, exp, r["name"], "bench", "FINISHED", r["start"],
                                r["start"] + 60000, "active", art))
        out["params"] += [(rid, "model", r["model"]), (rid, "lr", r["lr"])]
        out["tags"] += [(rid, "mlflow.runName", r["name"]), (rid, "mlflow.user", "bench"),
                        (rid, "team", r["team"])]
        for k, v in enumerate(r["metrics"]):
            row = (rid, f"m{k}", v, false, r["start"] + 1000, 0)
            out["metrics"].append(row)
            out["latest_metrics"].append(row)
    return out


COLUMNS = {
    "mlflow": {
        "runs": ["run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id",
                 "status", "start_time", "end_time", "source_version", "lifecycle_stage",
                 "artifact_uri", "experiment_id"],
        "params": ["run_uuid", "key", "value"],
        "tags": ["run_uuid", "key", "value"],
        "metrics": ["run_uuid", "key", "value", "is_nan", "timestamp", "step"],
        "latest_metrics": ["run_uuid", "key", "value", "is_nan", "timestamp", "step"],
    },
    "ferry": {
        "runs": ["run_uuid", "experiment_id", "name", "user_id", "status", "start_time",
                 "end_time", "lifecycle_stage", "artifact_uri"],
        "params": ["run_uuid", "key", "value"],
        "tags": ["run_uuid", "key", "value"],
        "metrics": ["run_uuid", "key", "value", "is_nan", "timestamp", "step"],
        "latest_metrics": ["run_uuid", "key", "value", "is_nan", "timestamp", "step"],
    },
}
ORDER = ["runs", "params", "tags", "metrics", "latest_metrics"]


def _artifact_location(conn, experiment_id, placeholder):
    cur = conn.cursor()
    cur.execute(f"SELECT artifact_location FROM experiments WHERE experiment_id = {placeholder}",
                (int(experiment_id),))
    row = cur.fetchone()
    if row is None:
        raise RuntimeError(f"experiment {experiment_id} not found in the database")
    return row[0]


def bulk_insert(store, db, batches, sqlite_analyze=False):
    """Inserts `batches` [(table, columns, rows)] into `db` of a stopped server's
    store. SQLite: one transaction of executemany (ANALYZE only when asked);
    PostgreSQL: COPY in chunks, then ANALYZE of every table."""
    conn = store.connect(db)
    try:
        if store.name == "sqlite":
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -1000000")
            conn.execute("BEGIN")
            for table, cols, rows in batches:
                quoted = ", ".join(f'"{c}"' for c in cols)
                marks = ", ".join("?" for _ in cols)
                conn.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)
            conn.execute("COMMIT")
            if sqlite_analyze:
                conn.execute("ANALYZE")
                conn.commit()
            return
        with conn.cursor() as cur:
            for table, cols, rows in batches:
                quoted = ", ".join(f'"{c}"' for c in cols)
                for start in range(0, len(rows), 200000):
                    buf = io.StringIO()
                    w = csv.writer(buf)
                    for row in rows[start:start + 200000]:
                        w.writerow(["f" if v is False else repr(v) if isinstance(v, float) else v
                                    for v in row])
                    buf.seek(0)
                    cur.copy_expert(f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv)", buf)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            for table, _, _ in batches:
                cur.execute(f"ANALYZE {table}")
    finally:
        conn.close()


def load(system, store, db, runs, experiment_id, sqlite_analyze=False):
    """Loads `runs` into `db` of `store` for `system` ('ferry' | 'mlflow'). Returns row counts.

    sqlite_analyze: also run ANALYZE on SQLite (neither server ever does, so
    by default their planners see no statistics, as in a real deployment).
    """
    conn = store.connect(db)
    try:
        location = _artifact_location(conn, experiment_id, "?" if store.name == "sqlite" else "%s")
    finally:
        conn.close()
    rows = _rows(system, runs, experiment_id, location)
    bulk_insert(store, db, [(t, COLUMNS[system][t], rows[t]) for t in ORDER], sqlite_analyze)
    return {t: len(v) for t, v in rows.items()}
