"""The API the web UI reads, over HTTP on SQLite and PostgreSQL: offset pages
of runs with their total, column keys, thinned metric histories; and the UI
itself served at / with deep links, while API paths stay JSON. Runs are
logged with the real mlflow client."""

from __future__ import annotations

import math

import mlflow
import pytest
import requests

from harness import ferry_only

V1 = "/api/v1"


@pytest.fixture(autouse=True)
def _ferry_only():
    ferry_only("/api/v1 and the web UI are Ferry's")


def post(url, path, body):
    return requests.post(url + V1 + path, json=body, timeout=60)


def error(r, status, *words):
    assert r.status_code == status, r.text
    message = r.json()["error"]["message"]
    for w in words:
        assert w in message, message


def test_run_pages_have_the_total_and_nested_runs_collapse(url, experiment_id):
    with mlflow.start_run(experiment_id=experiment_id, run_name="parent") as parent:
        for i in range(3):
            with mlflow.start_run(experiment_id=experiment_id, run_name=f"child-{i}", nested=True):
                mlflow.log_metric("auc", 0.5 + i / 10)
    for i in range(4):
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"top-{i}"):
            mlflow.log_metric("auc", i / 10)
            mlflow.log_param("depth", i)
    page = post(url, "/runs/page", {"experiment_ids": [experiment_id], "top_level_only": True,
                                    "order_by": ["metrics.auc DESC"], "limit": 2, "offset": 1}).json()
    assert page["total"] == 5
    assert [r["info"]["run_name"] for r in page["runs"]] == ["top-2", "top-1"]
    everything = post(url, "/runs/page", {"experiment_ids": [experiment_id], "limit": 100}).json()
    assert everything["total"] == 8
    assert everything["child_counts"] == {parent.info.run_id: 3}
    keys = requests.get(f"{url}{V1}/experiments/{experiment_id}/keys").json()
    assert keys["metrics"] == ["auc"] and keys["params"] == ["depth"]


def test_run_pages_refuse_bad_paging_and_filters_by_name(url, experiment_id):
    error(post(url, "/runs/page", {"experiment_ids": [experiment_id], "limit": 100000}), 400, "limit")
    error(post(url, "/runs/page", {"experiment_ids": [experiment_id], "offset": -5}), 400, "offset")
    error(post(url, "/runs/page", {"experiment_ids": []}), 400, "experiment_ids")
    error(post(url, "/runs/page", {"experiment_ids": [experiment_id], "limit": "ten"}), 400, "limit")
    error(post(url, "/runs/page", {"experiment_ids": [experiment_id], "filter": "metrics.auc >> 1"}), 400,
          "invalid filter")
    error(post(url, "/runs/page", {"experiment_ids": [experiment_id],
                                   "order_by": ["metrics.auc; DROP TABLE runs"]}), 400)
    r = post(url, "/runs/page", {"experiment_ids": [experiment_id], "top_level_only": "yes"})
    error(r, 400, "top_level_only")


def test_histories_are_thinned_on_the_server_keeping_the_ends(url, experiment_id):
    client = mlflow.MlflowClient(url)
    run = client.create_run(experiment_id)
    rid = run.info.run_id
    from mlflow.entities import Metric
    values = [math.sin(i / 30) for i in range(5000)]
    values[2500] = 50.0  # a spike the thinning must keep
    values[10] = float("nan")
    for start in range(0, 5000, 1000):
        client.log_batch(rid, metrics=[Metric("loss", values[i], 1000 + i, i) for i in range(start, start + 1000)])
    client.log_metric(rid, "acc", 0.5)
    r = post(url, "/metrics/history", {"run_ids": [rid], "keys": ["loss", "acc"], "max_points": 200})
    assert r.status_code == 200, r.text
    loss, acc = r.json()["series"]
    assert loss["total"] == 5000 and loss["downsampled"] is True
    assert 150 <= len(loss["steps"]) <= 200
    assert loss["steps"][0] == 0 and loss["steps"][-1] == 4999
    assert loss["steps"] == sorted(loss["steps"])
    assert 50.0 in loss["values"]
    assert acc["total"] == 1 and acc["downsampled"] is False and acc["values"] == [0.5]
    whole = post(url, "/metrics/history", {"run_ids": [rid], "keys": ["loss"], "max_points": 10000}).json()
    assert len(whole["series"][0]["steps"]) == 5000
    assert whole["series"][0]["values"][10] == "NaN"  # non-finite values as MLflow writes them


def test_histories_refuse_bad_requests_by_name(url, experiment_id):
    rid = mlflow.MlflowClient(url).create_run(experiment_id).info.run_id
    error(post(url, "/metrics/history", {"run_ids": [rid], "keys": ["x"], "max_points": 0}), 400, "max_points")
    error(post(url, "/metrics/history", {"run_ids": [rid], "keys": ["x"], "max_points": 10 ** 9}), 400, "max_points")
    error(post(url, "/metrics/history", {"run_ids": [rid] * 30, "keys": [f"k{i}" for i in range(10)]}), 400,
          "at most")
    error(post(url, "/metrics/history", {"run_ids": [], "keys": ["x"]}), 400, "run_ids")
    error(post(url, "/metrics/history", {"run_ids": [rid]}), 400, "keys")
    r = post(url, "/metrics/history", {"run_ids": ["0" * 32], "keys": ["x"]})
    assert r.status_code == 404, r.text
    r = requests.post(url + V1 + "/metrics/history", data=b"{" * 100000, timeout=60)
    assert r.status_code == 400, r.text


def test_the_ui_is_served_at_every_deep_link_and_api_paths_stay_json(url):
    root = requests.get(url + "/", timeout=60)
    # 200 with the app when ui/dist is built (scripts/build.sh ui), else 503 saying how to build it.
    assert root.status_code in (200, 503), root.text
    assert root.headers["Content-Type"].startswith("text/html")
    for page in ("/models/credit/versions/3?tab=lineage", "/models/a%2F%2Fb", "/runs//x"):
        deep = requests.get(url + page, timeout=60)
        assert deep.status_code == root.status_code and deep.text == root.text, page
    for path in ("/api/v1/no-such-route", "/ajax-api/2.0/mlflow/nope", "/api/2.0/mlflow/nope"):
        r = requests.get(url + path, timeout=60)
        assert r.status_code == 404, path
        assert r.headers["Content-Type"].startswith("application/json"), path
    # Each API keeps its own error shape for paths it does not have.
    assert "error_code" in requests.get(url + "/api/2.0/mlflow/nope", timeout=60).json()
    assert "code" in requests.get(url + "/api/v1/nope", timeout=60).json()["error"]
    # The UI answers GETs only: other methods keep their 404s, and a GET-less route its 405.
    assert requests.post(url + "/api/v1/no-such-route", json={}, timeout=60).status_code == 404
    assert requests.delete(url + "/some/page", timeout=60).status_code == 404
    assert requests.get(url + "/api/2.0/mlflow/runs/create", timeout=60).status_code == 405
    # HEAD answers the length without a body (keep-alive clients read the next answer intact).
    head = requests.head(url + "/", timeout=60)
    assert head.status_code == root.status_code and head.content == b""
    assert int(head.headers["Content-Length"]) == len(root.content)
    assert requests.get(url + "/health", timeout=60).status_code == 200  # same connection pool, still in step
    if root.status_code == 200:
        missing = requests.get(url + "/assets/no-such-file.js", timeout=60)
        assert missing.status_code == 404
        evil = requests.get(url + "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd", timeout=60)
        assert evil.status_code in (400, 404) and "root:" not in evil.text
