"""search_runs through the real mlflow client: MLflow's filter grammar,
ordering, pagination, view types and the pandas DataFrame form."""

from __future__ import annotations

import uuid

import mlflow
import pytest
from mlflow.entities import Metric, Param, RunTag, ViewType


@pytest.fixture(scope="module")
def searchable(server):
    """One experiment per store with 25 finished runs, named run-00 .. run-24,
    that the read-only tests below share: metric rmse = i/10; param model gbm
    (i % 3 == 0) or linear; tag team Risk (odd i) or growth; status FAILED
    when i % 5 == 0, else FINISHED; start_time 1.7e12 + i seconds."""
    client = mlflow.MlflowClient(server.url)
    experiment_id = client.create_experiment(f"search-{uuid.uuid4().hex}")
    ids = []
    for i in range(25):
        run = client.create_run(experiment_id, run_name=f"run-{i:02d}",
                                start_time=1_700_000_000_000 + i * 1000)
        rid = run.info.run_id
        client.log_batch(rid, metrics=[Metric("rmse", i / 10.0, 1, 0)],
                         params=[Param("model", "gbm" if i % 3 == 0 else "linear")],
                         tags=[RunTag("team", "Risk" if i % 2 else "growth")])
        client.set_terminated(rid, "FINISHED" if i % 5 else "FAILED",
                              end_time=1_700_000_100_000 + i)
        ids.append(rid)
    return experiment_id, ids


@pytest.fixture
def experiment_id(searchable):
    return searchable[0]


@pytest.fixture
def populated(searchable):
    return searchable[1]


def names(client, experiment_id, filter_string, **kw):
    return sorted(r.info.run_name for r in
                  client.search_runs([experiment_id], filter_string, **kw))


def test_filter_metrics_and_params(client, experiment_id, populated):
    assert names(client, experiment_id, "metrics.rmse < 0.3") == ["run-00", "run-01", "run-02"]
    assert names(client, experiment_id, "metrics.rmse <= 0.2") == ["run-00", "run-01", "run-02"]
    assert names(client, experiment_id, "metrics.rmse >= 2.2 and params.model = 'gbm'") == \
        ["run-24"]
    assert names(client, experiment_id, "params.model != 'gbm' and metrics.rmse < 0.3") == \
        ["run-01", "run-02"]
    assert names(client, experiment_id, "metrics.rmse = 1.2") == ["run-12"]
    assert names(client, experiment_id, "metrics.rmse != 0.0 and metrics.rmse < 0.2") == \
        ["run-01"]
    assert len(names(client, experiment_id, 'params.model = "linear"')) == 16
    assert names(client, experiment_id, "metrics.missing > 0") == []


def test_filter_tags_and_attributes(client, experiment_id, populated):
    assert len(names(client, experiment_id, "tags.team = 'Risk'")) == 12
    assert len(names(client, experiment_id, "tags.team = 'risk'")) == 0  # = is case-sensitive
    assert len(names(client, experiment_id, "tags.team != 'Risk'")) == 13
    assert names(client, experiment_id, "attributes.status = 'FAILED'") == \
        ["run-00", "run-05", "run-10", "run-15", "run-20"]
    assert len(names(client, experiment_id, "attributes.status = 'FINISHED'")) == 20
    assert len(names(client, experiment_id, "status = 'FINISHED'")) == 20
    assert names(client, experiment_id, "attributes.run_name = 'run-07'") == ["run-07"]
    assert names(client, experiment_id, "run_name = 'run-07'") == ["run-07"]
    assert names(client, experiment_id, "tags.`mlflow.runName` = 'run-08'") == ["run-08"]
    assert names(client, experiment_id,
                 "attributes.start_time >= 1700000023000") == ["run-23", "run-24"]
    assert names(client, experiment_id, "attributes.end_time < 1700000100002") == \
        ["run-00", "run-01"]


def test_filter_like_and_ilike(client, experiment_id, populated):
    assert len(names(client, experiment_id, "tags.team LIKE 'Ri%'")) == 12
    assert len(names(client, experiment_id, "tags.team LIKE 'ri%'")) == 0  # case-sensitive
    assert len(names(client, experiment_id, "tags.team ILIKE 'ri%'")) == 12
    assert len(names(client, experiment_id, "tags.team LIKE '_rowth'")) == 13
    assert names(client, experiment_id, "attributes.run_name LIKE 'run-1%'") == \
        [f"run-{i}" for i in range(10, 20)]
    assert len(names(client, experiment_id, "params.model ILIKE '%BM'")) == 9
    assert names(client, experiment_id, "attributes.run_name ILIKE 'RUN-2_'") == \
        [f"run-2{i}" for i in range(5)]


def test_filter_run_id_in(client, experiment_id, populated):
    two = populated[:2]
    assert names(client, experiment_id, f"attributes.run_id IN ('{two[0]}', '{two[1]}')") == \
        ["run-00", "run-01"]
    assert len(names(client, experiment_id, f"attributes.run_id NOT IN ('{two[0]}')")) == 24
    assert names(client, experiment_id,
                 f"attributes.run_id IN ('{populated[3]}') and metrics.rmse > 1") == []


def test_order_by_metric_and_attributes(client, experiment_id, populated):
    runs = client.search_runs([experiment_id], order_by=["metrics.rmse DESC"])
    assert [r.info.run_name for r in runs] == [f"run-{i:02d}" for i in reversed(range(25))]
    runs = client.search_runs([experiment_id], order_by=["metrics.rmse"])
    assert [r.info.run_name for r in runs][:2] == ["run-00", "run-01"]
    runs = client.search_runs([experiment_id], order_by=["attributes.start_time DESC"])
    assert runs[0].info.run_name == "run-24" and runs[-1].info.run_name == "run-00"
    runs = client.search_runs([experiment_id], order_by=["params.model ASC",
                                                         "attributes.run_name DESC"])
    assert [r.info.run_name for r in runs][:3] == ["run-24", "run-21", "run-18"]
    # Default order: newest start_time first.
    runs = client.search_runs([experiment_id])
    assert runs[0].info.run_name == "run-24"


def test_order_by_puts_runs_without_the_metric_last(client):
    exp = client.create_experiment(f"nulls-{uuid.uuid4().hex}")
    without = client.create_run(exp, run_name="no-rmse").info.run_id
    for i in range(3):
        client.log_metric(client.create_run(exp).info.run_id, "rmse", float(i))
    for order in ("metrics.rmse DESC", "metrics.rmse ASC"):
        runs = client.search_runs([exp], order_by=[order])
        assert len(runs) == 4 and runs[-1].info.run_id == without, order


def test_pagination_collects_every_run_once(client, experiment_id, populated):
    seen, token, pages = [], None, 0
    while True:
        page = client.search_runs([experiment_id], max_results=7, page_token=token,
                                  order_by=["attributes.run_name ASC"])
        assert len(page) <= 7
        seen.extend(r.info.run_id for r in page)
        pages += 1
        token = page.token
        if not token:
            break
        assert pages < 10, "pagination does not terminate"
    assert pages == 4
    assert len(seen) == 25 and len(set(seen)) == 25
    assert seen == populated


def test_pagination_with_filter_and_default_order(client, experiment_id, populated):
    seen, token = [], None
    for _ in range(10):
        page = client.search_runs([experiment_id], "params.model = 'linear'", max_results=5,
                                  page_token=token)
        seen.extend(r.info.run_id for r in page)
        token = page.token
        if not token:
            break
    expected = [rid for i, rid in enumerate(populated) if i % 3 != 0]
    assert sorted(seen) == sorted(expected) and len(seen) == len(expected)


def test_search_across_experiments(client, experiment_id, populated):
    other = client.create_experiment(f"other-{uuid.uuid4().hex}")
    rid = client.create_run(other, run_name="elsewhere").info.run_id
    client.log_metric(rid, "rmse", 0.05)
    runs = client.search_runs([experiment_id, other], "metrics.rmse < 0.1")
    assert sorted(r.info.run_name for r in runs) == ["elsewhere", "run-00"]


def test_search_run_view_type(client):
    exp = client.create_experiment(f"views-{uuid.uuid4().hex}")
    ids = [client.create_run(exp).info.run_id for _ in range(5)]
    client.delete_run(ids[0])
    client.delete_run(ids[1])
    active = client.search_runs([exp], run_view_type=ViewType.ACTIVE_ONLY)
    deleted = client.search_runs([exp], run_view_type=ViewType.DELETED_ONLY)
    every = client.search_runs([exp], run_view_type=ViewType.ALL)
    assert sorted(r.info.run_id for r in active) == sorted(ids[2:])
    assert sorted(r.info.run_id for r in deleted) == sorted(ids[:2])
    assert len(every) == 5
    client.restore_run(ids[0])
    assert len(client.search_runs([exp], run_view_type=ViewType.ACTIVE_ONLY)) == 4


def test_search_runs_returns_full_run_data(client, experiment_id, populated):
    [run] = client.search_runs([experiment_id], "attributes.run_name = 'run-03'")
    assert run.info.run_id == populated[3] and run.info.status == "FINISHED"
    assert run.data.metrics == {"rmse": 0.3}
    assert run.data.params == {"model": "gbm"}
    assert run.data.tags["team"] == "Risk"


def test_fluent_search_runs_dataframe(url, experiment_id, populated):
    df = mlflow.search_runs([experiment_id], filter_string="metrics.rmse < 0.5",
                            order_by=["metrics.rmse ASC"])
    assert list(df["metrics.rmse"]) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert list(df["params.model"]) == ["gbm", "linear", "linear", "gbm", "linear"]
    assert list(df["tags.team"]) == ["growth", "Risk", "growth", "Risk", "growth"]
    assert list(df["run_id"]) == populated[:5]
    for column in ("experiment_id", "status", "start_time", "end_time", "artifact_uri"):
        assert column in df.columns
    assert set(df["status"]) == {"FINISHED", "FAILED"}


def test_fluent_search_runs_by_experiment_name(url, client, populated, experiment_id):
    name = client.get_experiment(experiment_id).name
    df = mlflow.search_runs(experiment_names=[name], max_results=3,
                            order_by=["metrics.rmse DESC"])
    assert list(df["metrics.rmse"]) == pytest.approx([2.4, 2.3, 2.2])
    runs = mlflow.search_runs([experiment_id], output_format="list",
                              filter_string="tags.team = 'Risk'")
    assert len(runs) == 12
