"""Monitoring a deployment: a model version's reference data uploaded through
the CLI, served traffic read from the payload log into hourly profiles, and
the drift report of the served data against the reference (JSON, HTML).
Reference-like traffic shows no dataset drift; shifted traffic does, on the
shifted columns and on the predictions. Ingestion is exactly-once: passes
resume from stored cursors and leave half-written lines for later."""

from __future__ import annotations

import csv
import json
import time

import numpy as np
import pytest
import requests

import serving_models as sm
from harness import SERVER, wait_for
from test_cli import ferry

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="Ferry's monitoring API")

DEPLOY = "/api/v1/deployments"


@pytest.fixture(scope="module")
def deployed(server):
    """A model version deployed as `name`, its input and output tensor names."""
    import mlflow
    mlflow.set_tracking_uri(server.url)
    name = sm.unique("mon")
    booster = sm.train(seed=3)
    assert sm.log_version(name, booster) == "1"
    r = requests.post(server.url + DEPLOY, json={"name": name, "model": f"{name}/1"})
    assert r.status_code == 201, r.text
    meta = requests.get(f"{server.url}/v2/models/{name}").json()
    yield name, booster, meta["inputs"][0]["name"], meta["outputs"][0]["name"]
    requests.delete(f"{server.url}{DEPLOY}/{name}")


def write_reference(path, x, predictions, output_name):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(sm.COLUMNS + [output_name])
        for row, p in zip(x.tolist(), predictions.tolist()):
            w.writerow([repr(v) for v in row] + [repr(p)])


def send(server, name, input_name, x, batch=50):
    for start in range(0, len(x), batch):
        chunk = x[start:start + batch].astype(np.float32)
        body = {"inputs": [{"name": input_name, "shape": list(chunk.shape), "datatype": "FP32",
                            "data": chunk.flatten().tolist()}]}
        r = requests.post(f"{server.url}/v2/models/{name}/infer", json=body)
        assert r.status_code == 200, r.text


def windows(server, name):
    r = requests.get(f"{server.url}{DEPLOY}/{name}/windows")
    assert r.status_code == 200, r.text
    return r.json()["windows"]


def ingest_until(server, name, rows):
    def caught_up():
        requests.post(server.url + "/api/v1/monitoring/ingest").raise_for_status()
        return sum(w["rows"] for w in windows(server, name)) >= rows
    wait_for(caught_up, f"{rows} monitored rows")
    return sum(w["rows"] for w in windows(server, name))


def drift(server, name, **params):
    r = requests.get(f"{server.url}{DEPLOY}/{name}/drift", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_drift_of_served_traffic_against_the_reference(server, deployed, tmp_path):
    name, booster, input_name, output_name = deployed
    x_ref, _ = sm.data(rows=2000, seed=10)
    write_reference(tmp_path / "train.csv", x_ref, sm.predict(booster, x_ref), output_name)
    up = ferry(server.url, "monitor", "reference", f"{name}@1", "--data", str(tmp_path / "train.csv"))
    assert up.returncode == 0, up.stderr
    assert "2000 rows, 31 columns" in up.stdout

    x_same, _ = sm.data(rows=600, seed=11)
    send(server, name, input_name, x_same)
    assert ingest_until(server, name, 600) == 600
    calm = drift(server, name)
    assert (calm["model"], calm["version"]) == (name, 1)
    cols = {c["column"]: c for c in calm["columns"]}
    assert set(cols) == set(sm.COLUMNS) | {output_name}
    assert all(c["tested"] and c["test"] == "wasserstein" for c in cols.values()), calm
    assert calm["drifted_columns"] <= 2 and not calm["dataset_drift"], calm
    assert cols["f0"]["reference_count"] == 2000 and cols["f0"]["current_count"] == 600

    x_shift, _ = sm.data(rows=3000, seed=12)
    x_shift[:, :20] += 0.3  # 20 of 30 features move; so do the predictions
    send(server, name, input_name, x_shift, batch=100)
    assert ingest_until(server, name, 3600) == 3600
    moved = drift(server, name)
    cols = {c["column"]: c for c in moved["columns"]}
    assert moved["dataset_drift"], moved
    assert all(cols[f"f{i}"]["drifted"] for i in range(20)), moved
    assert sum(cols[f"f{i}"]["drifted"] for i in range(20, 30)) <= 2
    assert cols["f0"]["current_count"] == 3600
    series = requests.get(f"{server.url}{DEPLOY}/{name}/drift/series").json()
    assert sum(w["rows"] for w in series["windows"]) == 3600
    assert series["windows"][-1]["dataset_drift"], series
    assert series["windows"][-1]["columns"]["f0"]["test"] == "wasserstein"
    # The same report through the CLI, as a standalone HTML page.
    out = ferry(server.url, "monitor", "report", name, "-o", str(tmp_path / "report.html"))
    assert out.returncode == 0, out.stderr
    html = (tmp_path / "report.html").read_text()
    assert "Dataset drift" in html and html.count("<svg") == 31
    text = ferry(server.url, "monitor", "report", name)
    assert text.returncode == 0 and "DATASET DRIFT" in text.stdout, text.stdout


def test_ingestion_is_exactly_once_and_waits_for_whole_lines(server, deployed):
    name, _, input_name, _ = deployed
    before = sum(w["rows"] for w in windows(server, name))
    x, _ = sm.data(rows=40, seed=13)
    send(server, name, input_name, x, batch=10)
    assert ingest_until(server, name, before + 40) == before + 40
    requests.post(server.url + "/api/v1/monitoring/ingest").raise_for_status()
    assert sum(w["rows"] for w in windows(server, name)) == before + 40  # nothing read twice

    # A half-written line (the writer mid-append) waits; once whole, it counts.
    folder = server.tmp / "ferry-data" / "payloads" / name
    log = sorted(folder.glob("*.jsonl"))[-1]
    record = json.loads(log.read_text().splitlines()[-1])
    record["prediction_id"] = "manual"
    line = json.dumps(record)
    with open(log, "a") as f:
        f.write(line[:40])
    stats = requests.post(server.url + "/api/v1/monitoring/ingest").json()
    assert stats["skipped_lines"] == 0
    with open(log, "a") as f:
        f.write(line[40:] + "\n" + "not json\n")
    stats = requests.post(server.url + "/api/v1/monitoring/ingest").json()
    rows = sum(w["rows"] for w in windows(server, name))
    if stats["records"] == 0:  # the background pass got there first
        assert rows == before + 40 + len(record["inputs"][input_name]["data"]) // 30
    else:
        assert stats["records"] == 1 and stats["skipped_lines"] == 1, stats


def test_reference_upload_errors_name_the_problem(server, deployed, tmp_path):
    name = deployed[0]
    url = f"{server.url}/api/v1/models/{name}/versions/1/reference"
    bad = requests.put(url, data="a,b\n1,2\n3\n", headers={"Content-Type": "text/csv"})
    assert bad.status_code == 400 and "line 3" in bad.text, bad.text
    empty = requests.put(url, data="a,b\n", headers={"Content-Type": "text/csv"})
    assert empty.status_code == 400 and "no rows" in empty.text
    missing = requests.put(f"{server.url}/api/v1/models/{name}/versions/99/reference", data="a\n1\n")
    assert missing.status_code == 404, missing.text
    alias = requests.get(f"{server.url}/api/v1/models/{name}/versions/nope/reference")
    assert alias.status_code == 404
    cli = ferry(server.url, "monitor", "reference", name, "--data", str(tmp_path / "x.csv"))
    assert cli.returncode != 0 and "NAME@ALIAS" in cli.stderr


def test_drift_query_errors(server, deployed):
    name = deployed[0]
    base = f"{server.url}{DEPLOY}/{name}/drift"
    assert requests.get(f"{server.url}{DEPLOY}/no-such-deployment/drift").status_code == 404
    r = requests.get(base, params={"from": 10, "to": 5})
    assert r.status_code == 400 and "'to'" in r.text
    r = requests.get(base, params={"test": "nope"})
    assert r.status_code in (400, 404), r.text
    r = requests.get(base, params={"threshold": "NaN"})
    assert r.status_code == 400 and "threshold" in r.text
    r = requests.get(base, params={"from": "yesterday"})
    assert r.status_code == 400 and "from" in r.text
    now = int(time.time() * 1000)
    r = requests.get(base, params={"from": now - 10 * 86400000, "to": now - 9 * 86400000})
    assert r.status_code == 404 and "no monitored data" in r.text


def test_labels_join_predictions_and_bad_batches_store_nothing(server, deployed):
    from sklearn.metrics import mean_absolute_error
    name, _, input_name, _ = deployed
    before = sum(w["rows"] for w in windows(server, name))
    x, y = sm.data(rows=20, seed=20)
    body = {"inputs": [{"name": input_name, "shape": [20, 30], "datatype": "FP32",
                        "data": x.astype(np.float32).flatten().tolist()}]}
    r = requests.post(f"{server.url}/v2/models/{name}/infer", json=body)
    assert r.status_code == 200, r.text
    pid, out = r.headers["Ferry-Prediction-Id"], np.array(r.json()["outputs"][0]["data"])
    ingest_until(server, name, before + 20)  # the prediction is indexed with its window
    labels_url = f"{server.url}{DEPLOY}/{name}/labels"
    good = [{"prediction_id": pid, "row": i, "label": float(v)} for i, v in enumerate(y)]
    for bad, field in ((dict(good[3], label=None), "labels[3].label"),
                       (dict(good[3], row=-2), "labels[3].row"),
                       (dict(good[3], prediction_id=""), "labels[3].prediction_id"),
                       ({"prediction_id": pid}, "labels[3].label: missing"),
                       (dict(good[3], extra=1), "labels[3].extra")):
        r = requests.post(labels_url, json={"labels": good[:3] + [bad] + good[4:]})
        assert r.status_code == 400 and field in r.json()["error"]["message"], r.text
    for text in ('{"labels": "x"}', "[]", "not json", '{"labels": []}'):
        assert requests.post(labels_url, data=text).status_code == 400
    start = int(time.time() * 1000) - 60_000
    perf = requests.get(f"{server.url}{DEPLOY}/{name}/performance", params={"from": start})
    assert perf.status_code == 200 and perf.json()["versions"] == [], perf.text  # nothing half-stored

    r = requests.post(labels_url, json={"labels": good})
    assert r.status_code == 200 and r.json() == {"accepted": 20, "matched": 20, "unmatched": 0}, r.text
    report = requests.get(f"{server.url}{DEPLOY}/{name}/performance",
                          params={"from": start, "task": "regression"}).json()
    (v,) = report["versions"]
    assert v["metrics"]["task"] == "regression" and v["metrics"]["rows"] == 20
    assert v["metrics"]["mae"] == pytest.approx(mean_absolute_error(y, out), rel=1e-9)
    auto = requests.get(f"{server.url}{DEPLOY}/{name}/performance", params={"from": start}).json()
    assert auto["versions"][0]["metrics"]["task"] == "binary"
    assert auto["versions"][0]["metrics"]["reliability"], auto
    for params, field in (({"task": "nope"}, "nope"), ({"threshold": "x"}, "threshold"),
                          ({"calibration_bins": 0}, "calibration_bins"), ({"model": name}, "version")):
        r = requests.get(f"{server.url}{DEPLOY}/{name}/performance", params=params)
        assert r.status_code == 400 and field in r.text, r.text


def test_alert_rules_api_names_bad_input(server, deployed):
    name = deployed[0]
    base = server.url + "/api/v1/alerts/rules"
    bad_yaml = "rules:\n  - name: ok\n    deployment: d\n    expr: rows > 1\n  - name: two\n    deployment: d\n" \
               "    expr: psi(feature=a) => 0.2\n"
    r = requests.put(base, data=bad_yaml)
    assert r.status_code == 400 and "rules[1] 'two' (line 5)" in r.text and "column" in r.text, r.text
    assert requests.get(base).json()["rules"] == []  # all or none
    for body, needle in (({"deployment": "d", "expr": "nope > 1"}, "nope"),
                         ({"deployment": "d", "expr": "rows > 1", "for": 0}, "for"),
                         ({"deployment": "d", "expr": "rows > 1", "colour": 1}, "colour"),
                         ({"deployment": "d", "expr": "rows > NaN"}, "expr"),
                         ({"name": "other", "deployment": "d", "expr": "rows > 1"}, "name")):
        r = requests.put(base + "/r1", json=body)
        assert r.status_code == 400 and needle in r.text, (body, r.text)
    r = requests.put(base + "/r1", json={"deployment": name, "expr": "missing_share(feature=f3) > 5%",
                                         "min_rows": 1})
    assert r.status_code == 200, r.text
    assert requests.get(base + "/r1").json()["rule"]["expr"] == "missing_share(feature=f3) > 5%"
    states = requests.post(server.url + "/api/v1/alerts/evaluate").json()["alerts"]
    (r1,) = [a for a in states if a["rule"]["name"] == "r1"]
    assert r1["state"] == "inactive" and r1["value"] == 0 and r1["error"] == "", r1
    assert requests.get(server.url + "/api/v1/alerts/history", params={"limit": 0}).status_code == 400
    assert requests.delete(base + "/r1").status_code == 200
    assert requests.delete(base + "/r1").status_code == 404
    assert requests.get(base + "/r1").status_code == 404
