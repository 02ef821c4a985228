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
