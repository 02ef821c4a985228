"""Artifacts through MLflow's artifact proxy (/api/2.0/mlflow-artifacts) with the
real client: files, nested trees, text/dict helpers, listing, downloads
compared byte for byte, a ~5 MB binary."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import mlflow
import pytest
import requests
import yaml

from harness import ferry_feature


@pytest.fixture
def tree(tmp_path):
    """A directory tree with nested subdirectories, an empty file, a name
    with a space and a binary file."""
    src = tmp_path / "src"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "empty.txt").write_bytes(b"")
    (src / "with space.txt").write_text("spaced")
    (src / "nested" / "b.json").write_text('{"b": 1}')
    (src / "nested" / "deeper" / "c.bin").write_bytes(os.urandom(1000))
    return src


def files_under(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_log_artifact_file_and_list(client, experiment_id, tmp_path):
    f = tmp_path / "model.txt"
    f.write_text("weights")
    rid = client.create_run(experiment_id).info.run_id
    client.log_artifact(rid, str(f))
    client.log_artifact(rid, str(f), artifact_path="sub/dir")
    top = {a.path: a for a in client.list_artifacts(rid)}
    assert set(top) == {"model.txt", "sub"}
    assert not top["model.txt"].is_dir and top["model.txt"].file_size == len("weights")
    assert top["sub"].is_dir
    assert [a.path for a in client.list_artifacts(rid, "sub")] == ["sub/dir"]
    [inner] = client.list_artifacts(rid, "sub/dir")
    assert inner.path == "sub/dir/model.txt" and inner.file_size == 7


def test_log_artifacts_tree_and_download_directory(client, experiment_id, tree, tmp_path):
    rid = client.create_run(experiment_id).info.run_id
    client.log_artifacts(rid, str(tree), artifact_path="tree")
    listed = {a.path: a for a in client.list_artifacts(rid, "tree")}
    assert set(listed) == {"tree/a.txt", "tree/empty.txt", "tree/with space.txt", "tree/nested"}
    assert listed["tree/nested"].is_dir
    assert listed["tree/empty.txt"].file_size in (0, None)  # proto3 drops a zero size
    assert {a.path for a in client.list_artifacts(rid, "tree/nested")} == \
        {"tree/nested/b.json", "tree/nested/deeper"}
    out = tmp_path / "out"
    out.mkdir()
    got = client.download_artifacts(rid, "tree", str(out))
    assert os.path.normpath(got) == os.path.normpath(out / "tree")
    assert files_under(out / "tree") == files_under(tree)
    for rel in files_under(tree):
        assert (out / "tree" / rel).read_bytes() == (tree / rel).read_bytes(), rel


def test_log_artifacts_at_root_and_download_everything(client, experiment_id, tree, tmp_path):
    rid = client.create_run(experiment_id).info.run_id
    client.log_artifacts(rid, str(tree))
    assert {a.path for a in client.list_artifacts(rid)} == \
        {"a.txt", "empty.txt", "with space.txt", "nested"}
    out = tmp_path / "all"
    out.mkdir()
    got = mlflow.artifacts.download_artifacts(run_id=rid, dst_path=str(out))
    assert files_under(Path(got)) == files_under(tree)
    for rel in files_under(tree):
        assert (tree / rel).read_bytes() == open(os.path.join(got, rel), "rb").read(), rel


def test_large_binary_round_trip(url, experiment_id, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(5 * 1024 * 1024 + 17))
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_artifact(str(big), "blobs")
    client = mlflow.MlflowClient(url)
    rid = run.info.run_id
    [listed] = client.list_artifacts(rid, "blobs")
    assert listed.path == "blobs/big.bin" and listed.file_size == big.stat().st_size
    out = tmp_path / "out"
    out.mkdir()
    back = client.download_artifacts(rid, "blobs/big.bin", str(out))
    data = open(back, "rb").read()
    assert len(data) == big.stat().st_size
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(big.read_bytes()).hexdigest()


def test_log_text_and_dict(url, experiment_id):
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_text("hello ünïcode\n", "notes/hello.txt")
        mlflow.log_dict({"k": [1, 2], "s": "x"}, "config.json")
        mlflow.log_dict({"a": 1}, "config.yaml")
    rid = run.info.run_id
    assert mlflow.artifacts.load_text(f"runs:/{rid}/notes/hello.txt") == "hello ünïcode\n"
    assert mlflow.artifacts.load_dict(f"runs:/{rid}/config.json") == {"k": [1, 2], "s": "x"}
    yaml_text = mlflow.artifacts.load_text(f"runs:/{rid}/config.yaml")
    assert yaml.safe_load(yaml_text) == {"a": 1}
    paths = {a.path for a in mlflow.MlflowClient(url).list_artifacts(rid)}
    assert paths == {"notes", "config.json", "config.yaml"}


def test_overwrite_artifact(client, experiment_id, tmp_path):
    rid = client.create_run(experiment_id).info.run_id
    f = tmp_path / "v.txt"
    f.write_text("one")
    client.log_artifact(rid, str(f))
    f.write_text("second version")
    client.log_artifact(rid, str(f))
    out = tmp_path / "out"
    out.mkdir()
    assert open(client.download_artifacts(rid, "v.txt", str(out))).read() == "second version"


def test_empty_run_lists_nothing(client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    assert client.list_artifacts(rid) == []
    assert client.list_artifacts(rid, "no/such/dir") == []


def test_missing_artifact_download_fails(client, experiment_id, tmp_path):
    rid = client.create_run(experiment_id).info.run_id
    with pytest.raises(Exception):
        client.download_artifacts(rid, "nope.txt", str(tmp_path))


def test_missing_artifact_is_404_json(url, client, experiment_id):
    rid = client.create_run(experiment_id).info.run_id
    r = requests.get(f"{url}/api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{rid}/"
                     "artifacts/nope.txt", timeout=10)
    assert r.status_code == 404
    assert r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_v1_listing_reports_sha256(url, experiment_id, tmp_path):
    ferry_feature("/api/v1 artifact listing with SHA-256")
    payload = os.urandom(4096)
    f = tmp_path / "w.bin"
    f.write_bytes(payload)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_artifact(str(f), "model")
    listing = requests.get(f"{url}/api/v1/runs/{run.info.run_id}/artifacts",
                           params={"path": "model"}, timeout=10).json()
    assert listing["files"][0]["sha256"] == hashlib.sha256(payload).hexdigest()
