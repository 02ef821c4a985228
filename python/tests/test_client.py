"""The SDK against a real server: runs as context managers, batches,
artifacts with digests, search, and errors carrying the server's code."""

import hashlib
import math
import uuid

import pytest

from ferry import Client, FerryError


@pytest.fixture
def client(ferry_url):
    return Client(ferry_url)


def test_run_context_manager_logs_and_finishes(client):
    exp = client.create_experiment(f"sdk-{uuid.uuid4().hex}")
    with client.start_run(exp, run_name="first") as run:
        run.log_params({"depth": 6, "lr": 0.1})
        for step in range(5):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
        run.set_tag("team", "fraud")
    got = client.get_run(run.run_id)
    assert got["info"]["status"] == "FINISHED"
    assert got["info"]["run_name"] == "first"
    params = {p["key"]: p["value"] for p in got["data"]["params"]}
    assert params == {"depth": "6", "lr": "0.1"}
    history = client.metric_history(run.run_id, "loss")
    assert [m["step"] for m in history] == [0, 1, 2, 3, 4]
    assert history[-1]["value"] == pytest.approx(0.2)


def test_failed_block_marks_run_failed(client):
    exp = client.create_experiment(f"sdk-{uuid.uuid4().hex}")
    with pytest.raises(RuntimeError):
        with client.start_run(exp) as run:
            raise RuntimeError("training blew up")
    assert client.get_run(run.run_id)["info"]["status"] == "FAILED"


def test_non_finite_metrics_round_trip(client):
    exp = client.create_experiment(f"sdk-{uuid.uuid4().hex}")
    with client.start_run(exp) as run:
        run.log_metrics({"a": float("nan"), "b": float("inf"), "c": float("-inf")})
    values = {k: client.metric_history(run.run_id, k)[0]["value"] for k in "abc"}
    assert math.isnan(values["a"])
    assert values["b"] == float("inf") and values["c"] == float("-inf")


def test_batch_is_all_or_nothing(client):
    exp = client.create_experiment(f"sdk-{uuid.uuid4().hex}")
    run = client.create_run(exp)
    run_id = run["info"]["run_id"]
    client.log(run_id, params={"p": "1"})
    with pytest.raises(FerryError) as err:
        client.log(run_id, metrics={"good": 1.0}, params={"p": "2"})
    assert err.value.code == "INVALID_ARGUMENT"
    assert client.metric_history(run_id, "good") == []


def test_artifact_upload_records_sha256(client, tmp_path):
    exp = client.create_experiment(f"sdk-{uuid.uuid4().hex}")
    with client.start_run(exp) as run:
        data = bytes(range(256)) * 4096
        src = tmp_path / "weights.bin"
        src.write_bytes(data)
        answer = run.log_artifact(str(src), "model/weights.bin")
    assert answer["sha256"] == hashlib.sha256(data).hexdigest()
    listing = client.list_artifacts(run.run_id, "model")
    assert listing[0]["sha256"] == answer["sha256"]
    dst = tmp_path / "back.bin"
    client.download_artifact(run.run_id, "model/weights.bin", str(dst))
    assert dst.read_bytes() == data


def test_search_follows_pages(client):
    exp = client.create_experiment(f"sdk-{uuid.uuid4().hex}")
    for i in range(7):
        with client.start_run(exp, run_name=f"r{i}") as run:
            run.log_metric("score", i)
    found = list(client.search_runs([exp], filter="metrics.score >= 2",
                                    order_by=["metrics.score DESC"], max_results=2))
    assert [r["info"]["run_name"] for r in found] == ["r6", "r5", "r4", "r3", "r2"]


def test_errors_carry_server_code(client):
    with pytest.raises(FerryError) as err:
        client.get_run("0" * 32)
    assert err.value.status == 404 and err.value.code == "NOT_FOUND"
    with pytest.raises(FerryError) as err:
        client.search_runs(["0"], filter="metrics.x <<< 1").__next__()
    assert err.value.code == "INVALID_ARGUMENT"
