"""The monitoring loop end to end on a server of its own with 3-second
windows: a served XGBoost model, reference-like traffic (no alert), shifted
traffic (the drift rule goes pending, then fires, and a real webhook
receiver gets the signed alert; Prometheus' /metrics shows it), labels (the
performance report drops on the shifted predictions, matching scikit-learn,
and the AUC rule fires), then calm traffic again (resolved)."""

from __future__ import annotations

import csv
import json
import math
import os
import time

import numpy as np
import pytest
import requests

import serving_models as sm
from harness import SERVER, ServerProcess
from test_cli import ferry
from webhook_receiver import Receiver

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="Ferry's monitoring API")

WINDOW_S = 3
ROWS = 300

RULES = """
rules:
  - name: drift
    deployment: {d}
    expr: dataset_drift_share > 0.3
    for: 2
    min_rows: 100
    severity: critical
    pipeline: retrain-{d}
  - name: auc
    deployment: {d}
    expr: auc < 0.75
    min_rows: 100
  - name: amount
    deployment: {d}
    expr: psi(feature=f0) > 0.2
"""


def forget_active_experiment():
    """The fluent API remembers the experiment an earlier test set on another
    server (in the module and in MLFLOW_EXPERIMENT_ID); mlflow has no public
    way to unset it, so reset it as a fresh process has it (the default
    experiment of whichever server is current)."""
    import mlflow.tracking.fluent
    mlflow.tracking.fluent._active_experiment_id = None
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    os.environ.pop("MLFLOW_EXPERIMENT_NAME", None)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    import mlflow
    previous_uri = mlflow.get_tracking_uri()
    s = ServerProcess("sqlite", tmp_path_factory.mktemp("alerts"),
                      ["--monitor-window", str(WINDOW_S), "--monitor-interval", "0"])
    s.start()
    forget_active_experiment()
    yield s
    mlflow.set_tracking_uri(previous_uri)
    forget_active_experiment()
    assert s.stop() == 0, s.log_tail()
    s.cleanup()


def serve_window(url, name, input_name, x):
    """Sends `x` within one fresh window; returns (prediction ids, outputs, window start ms)."""
    now = time.time()
    start = math.ceil(now / WINDOW_S) * WINDOW_S
    time.sleep(start - now + 0.05)
    ids, outputs = [], []
    for chunk in np.array_split(x.astype(np.float32), 3):
        body = {"inputs": [{"name": input_name, "shape": list(chunk.shape), "datatype": "FP32",
                            "data": chunk.flatten().tolist()}]}
        r = requests.post(f"{url}/v2/models/{name}/infer", json=body)
        assert r.status_code == 200, r.text
        ids.append(r.headers["Ferry-Prediction-Id"])
        outputs += r.json()["outputs"][0]["data"]
    assert time.time() < start + WINDOW_S - 0.2, "sending took longer than a window"
    return ids, np.array(outputs), int(start * 1000)


def alerts(url):
    requests.post(url + "/api/v1/monitoring/ingest").raise_for_status()  # ingests, then evaluates
    r = requests.get(url + "/api/v1/alerts")
    assert r.status_code == 200, r.text
    return {a["rule"]["name"]: a for a in r.json()["alerts"]}


def labels_for(ids, y):
    """Labels for three requests of ROWS/3 rows each."""
    out, k = [], 0
    for pid, rows in zip(ids, np.array_split(y, 3)):
        out += [{"prediction_id": pid, "row": i, "label": int(v)} for i, v in enumerate(rows)]
        k += len(rows)
    return out


def test_drift_alert_fires_resolves_and_labels_show_the_drop(srv, tmp_path):
    import mlflow
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
    mlflow.set_tracking_uri(srv.url)
    name = sm.unique("loop")
    booster = sm.train(seed=3)
    assert sm.log_version(name, booster) == "1"
    assert requests.post(srv.url + "/api/v1/deployments", json={"name": name, "model": f"{name}/1"}).status_code == 201
    meta = requests.get(f"{srv.url}/v2/models/{name}").json()
    input_name, output_name = meta["inputs"][0]["name"], meta["outputs"][0]["name"]

    x_ref, _ = sm.data(rows=2000, seed=10)
    with open(tmp_path / "ref.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(sm.COLUMNS + [output_name])
        for row, p in zip(x_ref.tolist(), sm.predict(booster, x_ref).tolist()):
            w.writerow([repr(v) for v in row] + [repr(p)])
    r = requests.put(f"{srv.url}/api/v1/models/{name}/versions/1/reference", data=open(tmp_path / "ref.csv", "rb"))
    assert r.status_code == 200, r.text
    receiver = Receiver()
    hook = requests.post(srv.url + "/api/v1/webhooks", json={
        "url": receiver.url, "model": name, "actions": ["alert_firing", "alert_resolved"]})
    assert hook.status_code in (200, 201), hook.text
    (tmp_path / "rules.yaml").write_text(RULES.format(d=name))
    applied = ferry(srv.url, "monitor", "alerts", "apply", str(tmp_path / "rules.yaml"))
    assert applied.returncode == 0 and "3 alert rules applied" in applied.stdout, applied

    # Reference-like traffic: nothing fires.
    x_calm, y_calm = sm.data(rows=ROWS, seed=11)
    calm_ids, calm_out, calm_start = serve_window(srv.url, name, input_name, x_calm)
    a = alerts(srv.url)
    assert a["drift"]["state"] == "inactive" and a["drift"]["value"] < 0.3, a["drift"]
    assert a["amount"]["state"] == "inactive", a["amount"]
    assert a["auc"]["state"] == "inactive" and a["auc"]["value"] is None  # no labels yet

    # Shifted traffic: one window makes the drift rule pending, two fire it.
    x_shift, y_shift = sm.data(rows=ROWS, seed=12)
    x_shift[:, :20] += 0.3
    shift_ids, shift_out, shift_start = serve_window(srv.url, name, input_name, x_shift)
    a = alerts(srv.url)
    assert a["drift"]["state"] == "pending", a["drift"]
    assert a["amount"]["state"] == "firing" and a["amount"]["value"] > 0.2, a["amount"]
    x_shift2, _ = sm.data(rows=ROWS, seed=13)
    x_shift2[:, :20] += 0.3
    serve_window(srv.url, name, input_name, x_shift2)
    a = alerts(srv.url)
    assert a["drift"]["state"] == "firing" and a["drift"]["value"] > 0.3, a["drift"]
    fired = receiver.wait_for_event("alert_firing", lambda b: b["after"]["rule"] == "drift")
    assert fired["model"] == name and fired["actor"] == "ferry-monitoring"
    assert fired["after"]["pipeline"] == f"retrain-{name}" and fired["after"]["severity"] == "critical"
    assert fired["after"]["value"] > 0.3 and fired["after"]["threshold"] == 0.3
    metrics = requests.get(srv.url + "/metrics").text
    assert f'ferry_alert_firing{{rule="drift",deployment="{name}",severity="critical"}} 1' in metrics
    history = requests.get(srv.url + "/api/v1/alerts/history", params={"rule": "drift"}).json()["events"]
    assert [e["kind"] for e in history] == ["firing", "pending"]

    # Labels: right on the calm predictions; on the shifted ones the concept
    # moved (labels flipped), and the report shows the drop.
    y_moved = 1 - y_shift
    sent = requests.post(f"{srv.url}/api/v1/deployments/{name}/labels",
                         json={"labels": labels_for(calm_ids, y_calm) + labels_for(shift_ids, y_moved)
                               + [{"prediction_id": "nobody", "label": 1}]})
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"accepted": 2 * ROWS + 1, "matched": 2 * ROWS, "unmatched": 1}

    def perf(**params):
        r = requests.get(f"{srv.url}/api/v1/deployments/{name}/performance", params=params)
        assert r.status_code == 200, r.text
        return r.json()
    calm = perf(**{"from": calm_start, "to": calm_start + WINDOW_S * 1000})
    moved = perf(**{"from": shift_start, "to": shift_start + WINDOW_S * 1000})
    assert moved["unmatched_labels"] == 0  # counted by when labels arrived: after this range
    whole = perf()  # the last 24 hours
    assert whole["unmatched_labels"] == 1 and whole["versions"][0]["metrics"]["rows"] == 2 * ROWS
    assert [w["start"] for w in whole["versions"][0]["windows"]] == [calm_start, shift_start]
    for report, y, p in ((calm, y_calm, calm_out), (moved, y_moved, shift_out)):
        (v,) = report["versions"]
        m = v["metrics"]
        assert (v["model"], v["version"], v["roles"]) == (name, 1, ["primary"])
        assert m["task"] == "binary" and m["rows"] == ROWS
        assert m["accuracy"] == pytest.approx(accuracy_score(y, p >= 0.5), abs=1e-12)
        assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-9)
        assert m["log_loss"] == pytest.approx(log_loss(y, p.astype(np.float64)), rel=1e-6)
        assert v["label_delay"]["count"] == ROWS and v["label_delay"]["p50_s"] > 0
    assert calm["versions"][0]["metrics"]["roc_auc"] > 0.9
    assert moved["versions"][0]["metrics"]["roc_auc"] < 0.2
    assert calm["versions"][0]["metrics"]["ece"] < moved["versions"][0]["metrics"]["ece"]
    a = alerts(srv.url)
    assert a["auc"]["state"] == "firing", a["auc"]
    receiver.wait_for_event("alert_firing", lambda b: b["after"]["rule"] == "auc")
    listed = ferry(srv.url, "monitor", "alerts", "list")
    assert listed.returncode == 0 and "firing" in listed.stdout and "auc < 0.75" in listed.stdout, listed
    shown = ferry(srv.url, "monitor", "performance", name)
    assert shown.returncode == 0 and f"{name} version 1 (binary, {2 * ROWS} labelled rows" in shown.stdout, shown

    # Calm traffic again: the newest window no longer drifts, the alert resolves.
    x_back, _ = sm.data(rows=ROWS, seed=14)
    serve_window(srv.url, name, input_name, x_back)
    a = alerts(srv.url)
    assert a["drift"]["state"] == "inactive", a["drift"]
    resolved = receiver.wait_for_event("alert_resolved", lambda b: b["after"]["rule"] == "drift")
    assert resolved["after"]["from"] == "firing" and resolved["after"]["value"] < 0.3
    audit = requests.get(f"{srv.url}/api/v1/models/{name}/events").json()
    kinds = [(e["action"], json.loads(e["after"])["rule"] if isinstance(e["after"], str) else e["after"]["rule"])
             for e in audit["events"] if e["action"].startswith("alert_")]
    # auc stays firing: the newest window has no labels, so it neither confirms nor clears.
    assert kinds == [("alert_firing", "amount"), ("alert_firing", "drift"), ("alert_firing", "auc"),
                     ("alert_resolved", "amount"), ("alert_resolved", "drift")], kinds
