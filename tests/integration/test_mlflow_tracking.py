"""The real mlflow client, unchanged, against ferry server (both stores)."""

from __future__ import annotations

import math
import uuid

import mlflow
import pytest
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException


def error_code(exc: MlflowException) -> str:
    return exc.error_code


def test_experiment_lifecycle(client):
    name = f"exp-{uuid.uuid4().hex}"
    exp_id = client.create_experiment(name, tags={"team": "risk"})
    exp = client.get_experiment(exp_id)
    assert exp.name == name and exp.lifecycle_stage == "active"
    assert exp.tags["team"] == "risk"
    assert client.get_experiment_by_name(name).experiment_id == exp_id
    client.rename_experiment(exp_id, name + "-renamed")
    assert client.get_experiment(exp_id).name == name + "-renamed"
    client.set_experiment_tag(exp_id, "stage", "dev")
    assert client.get_experiment(exp_id).tags["stage"] == "dev"
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    assert client.get_experiment_by_name("no-such-" + uuid.uuid4().hex) is None


def test_duplicate_experiment_is_resource_already_exists(client):
    name = f"dup-{uuid.uuid4().hex}"
    client.create_experiment(name)
    with pytest.raises(MlflowException) as err:
        client.create_experiment(name)
    assert error_code(err.value) == "RESOURCE_ALREADY_EXISTS"


def test_search_experiments_filter_order_and_pages(client):
    prefix = f"se-{uuid.uuid4().hex[:8]}"
    ids = [client.create_experiment(f"{prefix}-{i}") for i in range(5)]
    found = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'",
                                      order_by=["name DESC"])
    assert [e.experiment_id for e in found] == list(reversed(ids))
    page = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'", max_results=2)
    assert len(page) == 2 and page.token
    rest = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'",
                                     max_results=10, page_token=page.token)
    assert {e.experiment_id for e in page} | {e.experiment_id for e in rest} == set(ids)
    client.delete_experiment(ids[0])
    deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY,
                                        filter_string=f"name LIKE '{prefix}-%'")
    assert [e.experiment_id for e in deleted] == [ids[0]]


def test_nested_runs_params_metrics_tags(url, experiment_id):
    mlflow.set_tracking_uri(url)
    with mlflow.start_run(experiment_id=experiment_id, run_name="sweep") as parent:
        mlflow.log_params({"model": "gbm", "depth": 6})
        for i in range(3):
            with mlflow.start_run(experiment_id=experiment_id, nested=True,
                                  run_name=f"trial-{i}") as child:
                mlflow.log_param("lr", 0.1 * (i + 1))
                for step in range(10):
                    mlflow.log_metric("loss", 1.0 / (step + 1 + i), step=step)
                mlflow.set_tag("trial", str(i))
    client = mlflow.MlflowClient(url)
    run = client.get_run(parent.info.run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "sweep"
    assert run.data.params == {"model": "gbm", "depth": "6"}
    children = client.search_runs(
        [experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        order_by=["tags.trial ASC"])
    assert [r.data.tags["trial"] for r in children] == ["0", "1", "2"]
    assert children[0].data.metrics["loss"] == pytest.approx(1.0 / 10)
    history = client.get_metric_history(child.info.run_id, "loss")
    assert [m.step for m in history] == list(range(10))


def test_params_are_immutable(client, experiment_id):
    run = client.create_run(experiment_id)
    client.log_param(run.info.run_id, "lr", "0.1")
    client.log_param(run.info.run_id, "lr", "0.1")  # the same value is fine
    with pytest.raises(MlflowException) as err:
        client.log_param(run.info.run_id, "lr", "0.2")
    assert error_code(err.value) == "INVALID_PARAMETER_VALUE"
    assert client.get_run(run.info.run_id).data.params["lr"] == "0.1"


def test_non_finite_metrics_round_trip(client, experiment_id):
    run = client.create_run(experiment_id)
    rid = run.info.run_id
    client.log_metric(rid, "nan", float("nan"))
    client.log_metric(rid, "pinf", float("inf"))
    client.log_metric(rid, "ninf", float("-inf"))
    client.log_metric(rid, "tiny", 5e-324)
    data = client.get_run(rid).data.metrics
    assert math.isnan(data["nan"])
    assert data["pinf"] == float("inf") and data["ninf"] == float("-inf")
    assert data["tiny"] == 5e-324
    assert math.isnan(client.get_metric_history(rid, "nan")[0].value)


def test_log_batch_and_history_completeness(client, experiment_id):
    run = client.create_run(experiment_id)
    rid = run.info.run_id
    for chunk in range(5):
        metrics = [Metric("acc", step / 1000.0, 1_700_000_000_000 + step, step)
                   for step in range(chunk * 100, chunk * 100 + 100)]
        client.log_batch(rid, metrics=metrics,
                         params=[Param(f"p{chunk}", str(chunk))],
                         tags=[RunTag("chunk", str(chunk))])
    history = client.get_metric_history(rid, "acc")
    assert [m.step for m in history] == list(range(500))
    run = client.get_run(rid)
    assert run.data.metrics["acc"] == pytest.approx(0.499)
    assert run.data.tags["chunk"] == "4"
    assert len([k for k in run.data.params if k.startswith("p")]) == 5


@pytest.mark.parametrize("kind,count", [("metrics", 1001), ("params", 101), ("tags", 101)])
def test_log_batch_limits(url, client, experiment_id, kind, count):
    # The mlflow client splits big batches itself, so send the raw request.
    import requests
    rid = client.create_run(experiment_id).info.run_id
    item = {"metrics": lambda i: {"key": f"m{i}", "value": 1.0, "timestamp": 1, "step": 0},
            "params": lambda i: {"key": f"p{i}", "value": "v"},
            "tags": lambda i: {"key": f"t{i}", "value": "v"}}[kind]
    r = requests.post(url + "/api/2.0/mlflow/runs/log-batch", timeout=30,
                      json={"run_id": rid, kind: [item(i) for i in range(count)]})
    assert r.status_code == 400
    assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    run = client.get_run(rid)
    assert not run.data.metrics and not run.data.params


def test_client_splits_large_batches(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_batch(rid, metrics=[Metric("m", float(i), 1, i) for i in range(2500)])
    assert len(client.get_metric_history(rid, "m")) == 2500


def test_bad_batch_writes_nothing(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_param(rid, "fixed", "a")
    with pytest.raises(MlflowException):
        client.log_batch(rid, metrics=[Metric("good", 1.0, 1, 0)],
                         params=[Param("fixed", "b")], tags=[RunTag("t", "x")])
    run = client.get_run(rid)
    assert "good" not in run.data.metrics and "t" not in run.data.tags


def test_tags_set_and_delete(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.set_tag(rid, "owner", "ana")
    client.set_tag(rid, "owner", "bo")
    assert client.get_run(rid).data.tags["owner"] == "bo"
    client.delete_tag(rid, "owner")
    assert "owner" not in client.get_run(rid).data.tags
    with pytest.raises(MlflowException) as err:
        client.delete_tag(rid, "owner")
    assert error_code(err.value) == "RESOURCE_DOES_NOT_EXIST"


def test_run_status_delete_restore(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.set_terminated(rid, "FAILED")
    info = client.get_run(rid).info
    assert info.status == "FAILED" and info.end_time is not None
    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"
    assert client.search_runs([experiment_id]) == []
    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [rid]
    with pytest.raises(MlflowException):
        client.log_metric(rid, "m", 1.0)
    client.restore_run(rid)
    assert [r.info.run_id for r in client.search_runs([experiment_id])] == [rid]


def test_unknown_run_is_resource_does_not_exist(client):
    with pytest.raises(MlflowException) as err:
        client.get_run(uuid.uuid4().hex)
    assert error_code(err.value) == "RESOURCE_DOES_NOT_EXIST"


def test_invalid_filter_is_invalid_parameter_value(client, experiment_id):
    with pytest.raises(MlflowException) as err:
        client.search_runs([experiment_id], "metrics.acc >>> 1")
    assert error_code(err.value) == "INVALID_PARAMETER_VALUE"
    assert "position" in err.value.message


@pytest.fixture
def populated(client, experiment_id):
    """25 runs with metrics, params and tags to search over."""
    ids = []
    for i in range(25):
        run = client.create_run(experiment_id, run_name=f"run-{i:02d}",
                                tags={"team": "Risk" if i % 2 else "growth"})
        rid = run.info.run_id
        client.log_batch(rid, metrics=[Metric("rmse", i / 10.0, 1, 0)],
                         params=[Param("model", "gbm" if i % 3 == 0 else "linear")])
        client.set_terminated(rid, "FINISHED" if i % 5 else "FAILED")
        ids.append(rid)
    return ids


def test_search_runs_filters(client, experiment_id, populated):
    def names(filter_string, **kw):
        runs = client.search_runs([experiment_id], filter_string, **kw)
        return sorted(r.info.run_name for r in runs)

    assert names("metrics.rmse < 0.3") == ["run-00", "run-01", "run-02"]
    assert names("metrics.rmse >= 2.2 and params.model = 'gbm'") == ["run-24"]
    assert len(names("attributes.status = 'FAILED'")) == 5
    assert len(names("tags.team = 'risk'")) == 0  # = is case-sensitive
    assert len(names("tags.team LIKE 'Ri%'")) == 12
    assert len(names("tags.team LIKE 'ri%'")) == 0  # LIKE is case-sensitive
    assert len(names("tags.team ILIKE 'ri%'")) == 12
    two = populated[:2]
    assert names(f"attributes.run_id IN ('{two[0]}', '{two[1]}')") == ["run-00", "run-01"]
    assert names("attributes.run_name = 'run-07'") == ["run-07"]
    assert names("params.model != 'gbm' and metrics.rmse < 0.3") == ["run-01", "run-02"]


def test_search_runs_order_and_pagination(client, experiment_id, populated):
    ordered = client.search_runs([experiment_id], order_by=["metrics.rmse DESC"])
    assert [r.info.run_name for r in ordered][:3] == ["run-24", "run-23", "run-22"]
    seen, token = [], None
    while True:
        page = client.search_runs([experiment_id], max_results=7, page_token=token,
                                  order_by=["attributes.run_name ASC"])
        seen.extend(r.info.run_id for r in page)
        token = page.token
        if not token:
            break
    assert len(seen) == 25 and len(set(seen)) == 25
    assert seen == [populated[i] for i in range(25)]


def test_search_runs_dataframe(url, experiment_id, populated):
    mlflow.set_tracking_uri(url)
    df = mlflow.search_runs([experiment_id], filter_string="metrics.rmse < 0.5",
                            order_by=["metrics.rmse ASC"])
    assert list(df["metrics.rmse"]) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert "params.model" in df.columns and "tags.team" in df.columns


def test_dataset_inputs(url, experiment_id):
    import pandas as pd
    mlflow.set_tracking_uri(url)
    df = pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(df, name="train-v1", targets="y")
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_input(dataset, context="training")
    got = mlflow.MlflowClient(url).get_run(run.info.run_id)
    inputs = got.inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "train-v1"
    assert inputs[0].dataset.digest == dataset.digest
    assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "training"
    found = mlflow.MlflowClient(url).search_runs(
        [experiment_id], "datasets.name = 'train-v1' and datasets.context = 'training'")
    assert [r.info.run_id for r in found] == [run.info.run_id]
