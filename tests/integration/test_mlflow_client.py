"""The real mlflow client, unchanged, against the server under test (both
stores): experiments, runs, params, metrics, tags, statuses, datasets, errors."""

from __future__ import annotations

import math
import uuid

import mlflow
import pytest
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException

from harness import ferry_only


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


# --- experiments ---------------------------------------------------------------

def test_experiment_create_get_by_id_and_name(client):
    name = unique("exp")
    exp_id = client.create_experiment(name, tags={"team": "risk"})
    exp = client.get_experiment(exp_id)
    assert exp.experiment_id == exp_id and exp.name == name
    assert exp.lifecycle_stage == "active"
    assert exp.tags["team"] == "risk"
    assert exp.artifact_location  # the client resolves run artifact URIs from it
    assert client.get_experiment_by_name(name).experiment_id == exp_id
    assert client.get_experiment_by_name(unique("no-such")) is None


def test_experiment_rename(client):
    name = unique("exp")
    exp_id = client.create_experiment(name)
    client.rename_experiment(exp_id, name + "-renamed")
    assert client.get_experiment(exp_id).name == name + "-renamed"
    assert client.get_experiment_by_name(name) is None
    assert client.get_experiment_by_name(name + "-renamed").experiment_id == exp_id


def test_experiment_delete_and_restore(client):
    exp_id = client.create_experiment(unique("exp"))
    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"


def test_experiment_tags(client):
    exp_id = client.create_experiment(unique("exp"))
    client.set_experiment_tag(exp_id, "stage", "dev")
    client.set_experiment_tag(exp_id, "stage", "prod")  # overwrites
    client.set_experiment_tag(exp_id, "note", "multi\nline ünïcode")
    tags = client.get_experiment(exp_id).tags
    assert tags["stage"] == "prod" and tags["note"] == "multi\nline ünïcode"


def test_set_experiment_fluent_creates_then_reuses(url):
    name = unique("fluent")
    first = mlflow.set_experiment(name)
    again = mlflow.set_experiment(name)
    assert first.experiment_id == again.experiment_id and first.name == name
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == first.experiment_id


def test_duplicate_experiment_is_resource_already_exists(client):
    name = unique("dup")
    client.create_experiment(name)
    with pytest.raises(MlflowException) as err:
        client.create_experiment(name)
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_unknown_experiment_is_resource_does_not_exist(client):
    with pytest.raises(MlflowException) as err:
        client.get_experiment("987654321")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_search_experiments_filter_and_order(client):
    prefix = unique("se")
    ids = [client.create_experiment(f"{prefix}-{i}", tags={"parity": "odd" if i % 2 else "even"})
           for i in range(5)]
    found = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'",
                                      order_by=["name DESC"])
    assert [e.experiment_id for e in found] == list(reversed(ids))
    odd = client.search_experiments(
        filter_string=f"name LIKE '{prefix}-%' AND tags.parity = 'odd'", order_by=["name ASC"])
    assert [e.experiment_id for e in odd] == [ids[1], ids[3]]
    exact = client.search_experiments(filter_string=f"name = '{prefix}-2'")
    assert [e.experiment_id for e in exact] == [ids[2]]


def test_search_experiments_pagination(client):
    prefix = unique("pg")
    ids = [client.create_experiment(f"{prefix}-{i}") for i in range(7)]
    seen, token, pages = [], None, 0
    while True:
        page = client.search_experiments(filter_string=f"name LIKE '{prefix}-%'",
                                         max_results=3, page_token=token,
                                         order_by=["name ASC"])
        seen.extend(e.experiment_id for e in page)
        pages += 1
        token = page.token
        if not token:
            break
        assert pages < 10, "pagination does not terminate"
    assert seen == ids  # in name order, no duplicates, nothing lost


def test_search_experiments_view_type(client):
    prefix = unique("vt")
    ids = [client.create_experiment(f"{prefix}-{i}") for i in range(3)]
    client.delete_experiment(ids[0])
    flt = f"name LIKE '{prefix}-%'"

    def found(view):
        return sorted(e.experiment_id for e in
                      client.search_experiments(view_type=view, filter_string=flt))

    assert found(ViewType.ACTIVE_ONLY) == sorted(ids[1:])
    assert found(ViewType.DELETED_ONLY) == [ids[0]]
    assert found(ViewType.ALL) == sorted(ids)


# --- runs ----------------------------------------------------------------------

def test_nested_runs_and_parent_tag(url, experiment_id):
    with mlflow.start_run(experiment_id=experiment_id, run_name="sweep") as parent:
        mlflow.log_params({"model": "gbm", "depth": 6})
        child_ids = []
        for i in range(3):
            with mlflow.start_run(experiment_id=experiment_id, nested=True,
                                  run_name=f"trial-{i}") as child:
                mlflow.log_param("lr", 0.1 * (i + 1))
                for step in range(10):
                    mlflow.log_metric("loss", 1.0 / (step + 1 + i), step=step)
                mlflow.set_tag("trial", str(i))
                child_ids.append(child.info.run_id)
    client = mlflow.MlflowClient(url)
    parent_id = parent.info.run_id
    run = client.get_run(parent_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "sweep"
    assert run.data.params == {"model": "gbm", "depth": "6"}
    assert "mlflow.parentRunId" not in run.data.tags
    for cid in child_ids:
        child = client.get_run(cid)
        assert child.data.tags["mlflow.parentRunId"] == parent_id
        assert child.info.status == "FINISHED"
    children = client.search_runs([experiment_id], f"tags.mlflow.parentRunId = '{parent_id}'",
                                  order_by=["tags.trial ASC"])
    assert [r.info.run_id for r in children] == child_ids
    assert [r.data.tags["trial"] for r in children] == ["0", "1", "2"]
    assert children[0].data.metrics["loss"] == pytest.approx(1.0 / 10)


def test_create_run_fields_and_update(client, experiment_id):
    run = client.create_run(experiment_id, start_time=1_700_000_000_123, run_name="first",
                            tags={"owner": "ana"})
    rid = run.info.run_id
    assert run.info.status == "RUNNING" and run.info.lifecycle_stage == "active"
    assert run.info.experiment_id == experiment_id
    got = client.get_run(rid)
    assert got.info.start_time == 1_700_000_000_123
    assert got.info.run_name == "first" and got.data.tags["mlflow.runName"] == "first"
    assert got.data.tags["owner"] == "ana"
    assert got.info.artifact_uri.endswith(f"{rid}/artifacts")
    client.update_run(rid, name="second")
    got = client.get_run(rid)
    assert got.info.run_name == "second" and got.data.tags["mlflow.runName"] == "second"


def test_run_status_transitions(url, client, experiment_id):
    run = mlflow.start_run(experiment_id=experiment_id)
    assert client.get_run(run.info.run_id).info.status == "RUNNING"
    mlflow.end_run()
    info = client.get_run(run.info.run_id).info
    assert info.status == "FINISHED" and info.end_time >= info.start_time

    rid = client.create_run(experiment_id).info.run_id
    client.set_terminated(rid, "FAILED", end_time=1_800_000_000_000)
    info = client.get_run(rid).info
    assert info.status == "FAILED" and info.end_time == 1_800_000_000_000


def test_failed_with_block_marks_run_failed(url, client, experiment_id):
    with pytest.raises(ZeroDivisionError):
        with mlflow.start_run(experiment_id=experiment_id) as run:
            1 / 0
    assert client.get_run(run.info.run_id).info.status == "FAILED"


def test_delete_restore_and_view_type(client, experiment_id):
    keep = client.create_run(experiment_id).info.run_id
    rid = client.create_run(experiment_id).info.run_id
    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"

    def ids(view):
        return sorted(r.info.run_id for r in client.search_runs([experiment_id],
                                                                run_view_type=view))

    assert ids(ViewType.ACTIVE_ONLY) == [keep]
    assert ids(ViewType.DELETED_ONLY) == [rid]
    assert ids(ViewType.ALL) == sorted([keep, rid])
    with pytest.raises(MlflowException):
        client.log_metric(rid, "m", 1.0)  # a deleted run takes no writes
    client.restore_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "active"
    assert ids(ViewType.ACTIVE_ONLY) == sorted([keep, rid])


def test_unknown_run_is_resource_does_not_exist(client):
    with pytest.raises(MlflowException) as err:
        client.get_run(uuid.uuid4().hex)
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"


# --- params --------------------------------------------------------------------

def test_log_param_and_params(url, client, experiment_id):
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"depth": 6, "model": "gbm", "note": "a b/c:d", "empty": ""})
    params = client.get_run(run.info.run_id).data.params
    assert params == {"alpha": "0.5", "depth": "6", "model": "gbm", "note": "a b/c:d",
                      "empty": ""}


def test_params_are_immutable(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_param(rid, "lr", "0.1")
    client.log_param(rid, "lr", "0.1")  # the same value again is fine
    with pytest.raises(MlflowException) as err:
        client.log_param(rid, "lr", "0.2")
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_run(rid).data.params["lr"] == "0.1"


def test_long_param_value_round_trips(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    value = "v" * 6000  # MLflow's limit for a param value
    client.log_param(rid, "long", value)
    assert client.get_run(rid).data.params["long"] == value


# --- metrics -------------------------------------------------------------------

def test_log_metric_steps_and_timestamps(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_metric(rid, "acc", 0.5, timestamp=1_700_000_000_001, step=0)
    client.log_metric(rid, "acc", 0.7, timestamp=1_700_000_000_002, step=1)
    client.log_metric(rid, "acc", 0.6, timestamp=1_700_000_000_003, step=1)  # same step again
    client.log_metric(rid, "acc", 0.9, timestamp=1_700_000_000_000, step=5)
    client.log_metric(rid, "acc", 0.1, timestamp=1_700_000_000_009, step=3)  # late, lower step
    history = client.get_metric_history(rid, "acc")
    got = sorted((m.step, m.timestamp, m.value) for m in history)
    assert got == [(0, 1_700_000_000_001, 0.5), (1, 1_700_000_000_002, 0.7),
                   (1, 1_700_000_000_003, 0.6), (3, 1_700_000_000_009, 0.1),
                   (5, 1_700_000_000_000, 0.9)]
    assert all(m.key == "acc" for m in history)
    # The run's latest value is the one at the highest step, not the last logged.
    assert client.get_run(rid).data.metrics["acc"] == 0.9


def test_fluent_metric_default_step_and_timestamp(url, client, experiment_id):
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_metric("m", 2.5)
        mlflow.log_metrics({"a": 1.0, "b": -3.25})
    history = client.get_metric_history(run.info.run_id, "m")
    assert len(history) == 1 and history[0].step == 0 and history[0].value == 2.5
    assert history[0].timestamp >= run.info.start_time - 60_000
    assert client.get_run(run.info.run_id).data.metrics == {"m": 2.5, "a": 1.0, "b": -3.25}


def test_nan_and_extreme_metrics_round_trip(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_metric(rid, "nan", float("nan"))
    client.log_metric(rid, "tiny", 5e-324)
    client.log_metric(rid, "big", 1.7976931348623157e308)
    client.log_metric(rid, "neg", -0.1)
    client.log_batch(rid, metrics=[Metric("batch", v, 1, i)
                                   for i, v in enumerate([float("nan"), 2.5, float("nan")])])
    data = client.get_run(rid).data.metrics
    assert math.isnan(data["nan"]) and math.isnan(data["batch"])
    assert data["tiny"] == 5e-324 and data["big"] == 1.7976931348623157e308
    assert data["neg"] == -0.1
    assert math.isnan(client.get_metric_history(rid, "nan")[0].value)
    batch = sorted(client.get_metric_history(rid, "batch"), key=lambda m: m.step)
    assert [m.step for m in batch] == [0, 1, 2]
    assert math.isnan(batch[0].value) and batch[1].value == 2.5 and math.isnan(batch[2].value)


def test_infinite_metrics_round_trip(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_metric(rid, "pinf", float("inf"))
    client.log_metric(rid, "ninf", float("-inf"))
    client.log_batch(rid, metrics=[Metric("batch", v, 1, i)
                                   for i, v in enumerate([float("inf"), float("-inf")])])
    data = client.get_run(rid).data.metrics
    history = [m.value for m in sorted(client.get_metric_history(rid, "batch"),
                                       key=lambda m: m.step)]
    ferry_only("its SQL store clamps +-inf to +-DBL_MAX (sqlalchemy_store._log_metrics)")
    assert data["pinf"] == math.inf and data["ninf"] == -math.inf
    assert client.get_metric_history(rid, "pinf")[0].value == math.inf
    assert client.get_metric_history(rid, "ninf")[0].value == -math.inf
    assert history == [math.inf, -math.inf]


def test_metric_history_order_and_completeness(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    for chunk in range(5):
        client.log_batch(rid, metrics=[Metric("acc", step / 1000.0, 1_700_000_000_000 + step,
                                              step)
                                       for step in range(chunk * 100, chunk * 100 + 100)])
    history = client.get_metric_history(rid, "acc")
    assert [m.step for m in history] == list(range(500))
    assert [m.value for m in history] == [s / 1000.0 for s in range(500)]
    assert [m.timestamp for m in history] == [1_700_000_000_000 + s for s in range(500)]
    assert client.get_run(rid).data.metrics["acc"] == pytest.approx(0.499)
    assert client.get_metric_history(rid, "never-logged") == []


def test_metric_history_beyond_one_page(client, experiment_id):
    # get-history pages at 25,000 points in MLflow; the client follows the tokens.
    rid = client.create_run(experiment_id).info.run_id
    n = 25_100
    for start in range(0, n, 1000):
        client.log_batch(rid, metrics=[Metric("x", float(s), 1, s)
                                       for s in range(start, min(n, start + 1000))])
    history = client.get_metric_history(rid, "x")
    assert len(history) == n
    assert sorted(m.step for m in history) == list(range(n))


# --- log_batch -----------------------------------------------------------------

def test_log_batch_metrics_params_tags(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_batch(rid,
                     metrics=[Metric("m1", 1.0, 10, 0), Metric("m1", 2.0, 20, 1),
                              Metric("m2", -1.0, 10, 0)],
                     params=[Param("p1", "a"), Param("p2", "b")],
                     tags=[RunTag("t1", "x"), RunTag("t2", "y")])
    run = client.get_run(rid)
    assert run.data.metrics == {"m1": 2.0, "m2": -1.0}
    assert run.data.params == {"p1": "a", "p2": "b"}
    assert run.data.tags["t1"] == "x" and run.data.tags["t2"] == "y"
    assert [m.value for m in client.get_metric_history(rid, "m1")] == [1.0, 2.0]


def test_client_splits_large_batches(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_batch(rid, metrics=[Metric("m", float(i), 1, i) for i in range(2500)],
                     params=[Param(f"p{i}", str(i)) for i in range(150)],
                     tags=[RunTag(f"t{i}", str(i)) for i in range(150)])
    run = client.get_run(rid)
    assert len(client.get_metric_history(rid, "m")) == 2500
    assert len(run.data.params) == 150
    assert all(run.data.tags[f"t{i}"] == str(i) for i in range(150))


def test_bad_batch_writes_nothing(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.log_param(rid, "fixed", "a")
    with pytest.raises(MlflowException) as err:
        client.log_batch(rid, metrics=[Metric("good", 1.0, 1, 0)],
                         params=[Param("fresh", "1"), Param("fixed", "b")],
                         tags=[RunTag("t", "x")])
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"
    run = client.get_run(rid)
    assert run.data.params == {"fixed": "a"}
    assert "good" not in run.data.metrics and "t" not in run.data.tags


# --- tags ----------------------------------------------------------------------

def test_tags_set_overwrite_and_delete(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    client.set_tag(rid, "owner", "ana")
    client.set_tag(rid, "owner", "bo")
    client.set_tag(rid, "long", "t" * 8000)
    tags = client.get_run(rid).data.tags
    assert tags["owner"] == "bo" and tags["long"] == "t" * 8000
    client.delete_tag(rid, "owner")
    assert "owner" not in client.get_run(rid).data.tags
    with pytest.raises(MlflowException) as err:
        client.delete_tag(rid, "owner")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"


# --- dataset inputs ------------------------------------------------------------

def test_log_input_dataset(url, client, experiment_id):
    import pandas as pd
    df = pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(df, name="train-v1", targets="y")
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_input(dataset, context="training")
        mlflow.log_input(dataset, context="training")  # the same input twice is one input
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    got = inputs[0].dataset
    assert got.name == "train-v1" and got.digest == dataset.digest
    assert got.source_type == dataset.source._get_source_type()
    assert got.schema and got.profile and "x" in got.schema
    assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "training"
    found = client.search_runs(
        [experiment_id], "datasets.name = 'train-v1' and datasets.context = 'training'")
    assert [r.info.run_id for r in found] == [run.info.run_id]


# --- errors --------------------------------------------------------------------

def test_invalid_filter_is_invalid_parameter_value(client, experiment_id):
    for bad in ["metrics.acc >>> 1", "metrics.acc > 'abc", "nonsense", "params.x = 1 AND"]:
        with pytest.raises(MlflowException) as err:
            client.search_runs([experiment_id], bad)
        assert err.value.error_code == "INVALID_PARAMETER_VALUE", bad


def test_invalid_filter_message_says_where(client, experiment_id):
    with pytest.raises(MlflowException) as err:
        client.search_runs([experiment_id], "metrics.acc >>> 1")
    ferry_only("its filter errors do not give a position")
    assert "position" in err.value.message
