"""Artifacts through MLflow's proxy: files, trees, large binaries, digests."""

from __future__ import annotations

import hashlib
import os

import mlflow
import requests


def test_file_and_tree_round_trip(url, experiment_id, tmp_path):
    mlflow.set_tracking_uri(url)
    src = tmp_path / "src"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "nested" / "b.json").write_text('{"b": 1}')
    (src / "nested" / "deeper" / "c.bin").write_bytes(os.urandom(1000))
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(5 * 1024 * 1024 + 17))
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_artifact(str(big))
        mlflow.log_artifacts(str(src), "tree")
        mlflow.log_text("hello", "notes/hello.txt")
        mlflow.log_dict({"k": [1, 2]}, "config.json")
    client = mlflow.MlflowClient(url)
    rid = run.info.run_id
    top = {f.path: f for f in client.list_artifacts(rid)}
    assert set(top) == {"big.bin", "tree", "notes", "config.json"}
    assert top["big.bin"].file_size == big.stat().st_size and top["tree"].is_dir
    nested = {f.path for f in client.list_artifacts(rid, "tree/nested")}
    assert nested == {"tree/nested/b.json", "tree/nested/deeper"}
    out = tmp_path / "out"
    out.mkdir()
    got = client.download_artifacts(rid, "tree", str(out))
    for rel in ["a.txt", "nested/b.json", "nested/deeper/c.bin"]:
        assert (src / rel).read_bytes() == (out / "tree" / rel).read_bytes(), rel
    assert got.endswith("tree")
    big_back = client.download_artifacts(rid, "big.bin", str(out))
    assert hashlib.sha256(open(big_back, "rb").read()).hexdigest() == \
        hashlib.sha256(big.read_bytes()).hexdigest()
    assert mlflow.artifacts.load_text(f"runs:/{rid}/notes/hello.txt") == "hello"
    assert mlflow.artifacts.load_dict(f"runs:/{rid}/config.json") == {"k": [1, 2]}


def test_v1_listing_reports_sha256(url, experiment_id, tmp_path):
    mlflow.set_tracking_uri(url)
    payload = os.urandom(4096)
    f = tmp_path / "w.bin"
    f.write_bytes(payload)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_artifact(str(f), "model")
    listing = requests.get(f"{url}/api/v1/runs/{run.info.run_id}/artifacts",
                           params={"path": "model"}, timeout=10).json()
    assert listing["files"][0]["sha256"] == hashlib.sha256(payload).hexdigest()


def test_missing_artifact_is_404(url, experiment_id):
    rid = mlflow.MlflowClient(url).create_run(experiment_id).info.run_id
    r = requests.get(f"{url}/api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{rid}/"
                     "artifacts/nope.txt", timeout=10)
    assert r.status_code == 404
    assert r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
