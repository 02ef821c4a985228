"""ferry.monitoring from the SDK against a real server: a reference from a
pandas DataFrame, predictions through the SDK, ingestion, and the drift
report (JSON and HTML); errors carry the server's code."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from ferry import Client, FerryError


@pytest.fixture(scope="module")
def deployed(ferry_url):
    import mlflow
    import xgboost
    mlflow.set_tracking_uri(ferry_url)
    mlflow.set_experiment(f"sdk-monitoring-{uuid.uuid4().hex[:8]}")
    rng = np.random.default_rng(1)
    x = rng.random((300, 4), dtype=np.float32)
    booster = xgboost.train({"objective": "binary:logistic", "max_depth": 2},
                            xgboost.DMatrix(x, label=(x[:, 0] > 0.5).astype(np.float32)), 5)
    name = f"sdk-mon-{uuid.uuid4().hex[:8]}"
    with mlflow.start_run():
        mlflow.xgboost.log_model(booster, name="model", input_example=x[:2], registered_model_name=name)
    client = Client(ferry_url)
    client.create_deployment(name, f"{name}/1")
    yield client, name
    client.delete_deployment(name)


def test_reference_predictions_and_drift(deployed, tmp_path):
    client, name = deployed
    rng = np.random.default_rng(2)
    reference = pd.DataFrame(rng.random((1500, 4)), columns=["a", "b", "c", "d"])
    ref = client.set_reference(name, 1, reference)
    assert ref["rows"] == 1500 and [c["name"] for c in ref["profile"]["columns"]] == ["a", "b", "c", "d"]
    assert client.get_reference(name, "1")["profile"]["columns"][0]["numeric"]["count"] == 1500
    x = rng.random((400, 4), dtype=np.float32)
    x[:, 0] += 1.0  # column a moves
    for chunk in np.array_split(x, 8):
        client.predict(name, chunk)
    for _ in range(100):
        client.ingest()
        if sum(w["rows"] for w in client.windows(name)) >= 400:
            break
    report = client.drift(name)
    cols = {c["column"]: c for c in report["columns"]}
    assert cols["a"]["drifted"] and not cols["b"]["drifted"], report
    assert report["version"] == 1
    series = client.drift_series(name)
    assert sum(w["rows"] for w in series["windows"]) >= 400
    assert series["windows"][-1]["columns"]["a"]["drifted"]
    path = client.drift_html(name, str(tmp_path / "d.html"))
    assert "<svg" in open(path).read()


def test_errors_carry_the_server_code(deployed):
    client, name = deployed
    with pytest.raises(FerryError) as e:
        client.set_reference(name, 99, "a\n1\n")
    assert e.value.status == 404
    with pytest.raises(FerryError) as e:
        client.drift("no-such-deployment")
    assert e.value.status == 404
    with pytest.raises(FerryError) as e:
        client.set_reference(name, 1, "a,b\n1\n")
    assert e.value.status == 400 and "line 2" in str(e.value)


def test_labels_performance_and_alert_rules(deployed):
    client, name = deployed
    rng = np.random.default_rng(5)
    x = rng.random((50, 4), dtype=np.float32)
    before = sum(w["rows"] for w in client.windows(name))
    ids = [client.predict(name, row[None, :]).prediction_id for row in x]
    for _ in range(100):
        client.ingest()
        if sum(w["rows"] for w in client.windows(name)) >= before + 50:
            break
    counts = client.log_labels(name, {pid: int(row[0] > 0.5) for pid, row in zip(ids, x)})
    assert counts == {"accepted": 50, "matched": 50, "unmatched": 0}
    perf = client.performance(name)
    metrics = perf["versions"][0]["metrics"]
    assert metrics["task"] == "binary" and metrics["rows"] == 50 and metrics["accuracy"] > 0.8
    with pytest.raises(FerryError) as bad:
        client.log_labels(name, [(ids[0], -1, 1)])
    assert bad.value.status == 400 and "row" in str(bad.value)

    rules = client.set_alert_rules(f"rules:\n  - {{name: sdk-{name}, deployment: {name}, expr: accuracy < 0.5}}\n")
    assert rules[0]["expr"] == "accuracy < 0.5"
    (state,) = [a for a in client.evaluate_alerts() if a["rule"]["name"] == f"sdk-{name}"]
    assert state["state"] == "inactive" and state["value"] == pytest.approx(metrics["accuracy"])
    client.set_alert_rules([dict(rules[0], expr="accuracy > 0.5")])
    client.evaluate_alerts()
    assert [e["kind"] for e in client.alert_history(f"sdk-{name}")] == ["firing"]
    client.delete_alert_rule(f"sdk-{name}")
    assert all(r["name"] != f"sdk-{name}" for r in client.alert_rules())
