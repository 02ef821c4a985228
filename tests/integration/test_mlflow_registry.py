"""The model registry through the real mlflow client: registered models,
versions, stages, aliases, tags, search and paging, register_model from a
run, downloads through models:/ URIs, and MLflow's error codes. Ferry's own
registry API (lineage, audit, gates) is exercised with raw HTTP."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import mlflow
import pytest
import requests
from mlflow.exceptions import MlflowException

from harness import ferry_feature


def unique(prefix: str = "m") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def model_run(client, experiment_id, tmp_path):
    """A finished run with a 'model' artifact directory and an auc metric."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.txt").write_text("w=1")
    (model / "MLmodel").write_text("flavors: {}\n")
    run = client.create_run(experiment_id)
    rid = run.info.run_id
    client.log_artifacts(rid, str(model), "model")
    client.log_metric(rid, "auc", 0.8)
    client.set_terminated(rid)
    return rid


def error_code(exc: MlflowException) -> str:
    return exc.error_code


def test_registered_model_lifecycle(client):
    name = unique()
    m = client.create_registered_model(name, tags={"team": "risk"}, description="first")
    assert m.name == name and m.description == "first" and m.tags == {"team": "risk"}
    assert client.get_registered_model(name).creation_timestamp > 0
    client.update_registered_model(name, description="second")
    assert client.get_registered_model(name).description == "second"
    client.set_registered_model_tag(name, "stage", "beta")
    client.delete_registered_model_tag(name, "team")
    assert client.get_registered_model(name).tags == {"stage": "beta"}
    new = unique()
    client.rename_registered_model(name, new)
    assert client.get_registered_model(new).name == new
    with pytest.raises(MlflowException) as e:
        client.get_registered_model(name)
    assert error_code(e.value) == "RESOURCE_DOES_NOT_EXIST"
    client.delete_registered_model(new)
    with pytest.raises(MlflowException) as e:
        client.get_registered_model(new)
    assert error_code(e.value) == "RESOURCE_DOES_NOT_EXIST"


def test_duplicate_and_invalid_names(client):
    name = unique()
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as e:
        client.create_registered_model(name)
    assert error_code(e.value) == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as e:
        client.get_model_version(name, "1")
    assert error_code(e.value) == "RESOURCE_DOES_NOT_EXIST"


def test_versions_stages_and_latest(client, model_run):
    name = unique()
    client.create_registered_model(name)
    source = f"runs:/{model_run}/model"
    versions = [client.create_model_version(name, source, run_id=model_run) for _ in range(3)]
    assert [v.version for v in versions] == ["1", "2", "3"]
    v1 = client.get_model_version(name, "1")
    assert v1.run_id == model_run and v1.source == source
    assert v1.status == "READY" and v1.current_stage == "None"
    client.update_model_version(name, "1", description="baseline")
    assert client.get_model_version(name, "1").description == "baseline"

    client.transition_model_version_stage(name, "1", "Production")
    client.transition_model_version_stage(name, "2", "Production")
    v3 = client.transition_model_version_stage(name, "3", "Production",
                                               archive_existing_versions=True)
    assert v3.current_stage == "Production"
    assert client.get_model_version(name, "1").current_stage == "Archived"
    latest = client.get_latest_versions(name, stages=["Production"])
    assert [v.version for v in latest] == ["3"]
    with pytest.raises(MlflowException) as e:
        client.transition_model_version_stage(name, "1", "Prod")
    assert error_code(e.value) == "INVALID_PARAMETER_VALUE"

    client.set_model_version_tag(name, "2", "validated", "yes")
    assert client.get_model_version(name, "2").tags == {"validated": "yes"}
    client.delete_model_version_tag(name, "2", "validated")
    assert client.get_model_version(name, "2").tags == {}
    client.delete_model_version(name, "2")
    with pytest.raises(MlflowException) as e:
        client.get_model_version(name, "2")
    assert error_code(e.value) == "RESOURCE_DOES_NOT_EXIST"


def test_aliases(client, model_run):
    name = unique()
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(name, f"runs:/{model_run}/model", run_id=model_run)
    client.set_registered_model_alias(name, "champion", "1")
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    client.set_registered_model_alias(name, "champion", 2)
    v = client.get_model_version_by_alias(name, "champion")
    assert v.version == "2" and v.aliases == ["champion"]
    assert client.get_registered_model(name).aliases == {"champion": "2"}
    client.delete_registered_model_alias(name, "champion")
    with pytest.raises(MlflowException) as e:
        client.get_model_version_by_alias(name, "champion")
    assert error_code(e.value) in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")
    # Deleting what is already gone is fine (as on MLflow); an unknown model is not.
    client.delete_registered_model_alias(name, "champion")
    client.delete_registered_model_tag(name, "no-such-tag")
    with pytest.raises(MlflowException) as e:
        client.delete_registered_model_alias(unique(), "champion")
    assert error_code(e.value) == "RESOURCE_DOES_NOT_EXIST"


def test_search_and_paging(client, model_run):
    prefix = unique("s")
    for i in range(5):
        n = f"{prefix}-{i}"
        client.create_registered_model(n, tags={"parity": "even" if i % 2 == 0 else "odd"})
        client.create_model_version(n, f"runs:/{model_run}/model", run_id=model_run)
    found = client.search_registered_models(filter_string=f"name LIKE '{prefix}-%'",
                                            order_by=["name DESC"], max_results=2)
    assert [m.name for m in found] == [f"{prefix}-4", f"{prefix}-3"]
    assert found.token
    rest = client.search_registered_models(filter_string=f"name LIKE '{prefix}-%'",
                                           order_by=["name DESC"], max_results=10,
                                           page_token=found.token)
    assert [m.name for m in rest] == [f"{prefix}-2", f"{prefix}-1", f"{prefix}-0"]
    even = client.search_registered_models(
        filter_string=f"name LIKE '{prefix}-%' AND tags.parity = 'even'")
    assert sorted(m.name for m in even) == [f"{prefix}-0", f"{prefix}-2", f"{prefix}-4"]
    versions = client.search_model_versions(f"name = '{prefix}-3'")
    assert [(v.name, v.version) for v in versions] == [(f"{prefix}-3", "1")]
    by_run = client.search_model_versions(f"run_id = '{model_run}'")
    assert {v.name for v in by_run} >= {f"{prefix}-{i}" for i in range(5)}
    with pytest.raises(MlflowException) as e:
        client.search_registered_models(filter_string="metrics.auc > 1")
    assert error_code(e.value) == "INVALID_PARAMETER_VALUE"


def test_register_model_and_download(client, model_run, tmp_path):
    name = unique()
    mv = mlflow.register_model(f"runs:/{model_run}/model", name)
    assert mv.version == "1"
    client.set_registered_model_alias(name, "champion", "1")
    uri = client.get_model_version_download_uri(name, "1")
    assert uri
    for ref in (f"models:/{name}/1", f"models:/{name}@champion"):
        dest = Path(mlflow.artifacts.download_artifacts(ref, dst_path=str(tmp_path / ref[-5:])))
        assert (dest / "weights.txt").read_text() == "w=1", ref


def test_hostile_sources_are_rejected(client, url):
    ferry_feature("source validation (mlflow rejects some local paths, differently)")
    name = unique()
    client.create_registered_model(name)
    for source in ("/etc/passwd", "file:///etc/passwd", "../../etc/passwd",
                   "mlflow-artifacts:/0/../../etc"):
        with pytest.raises(MlflowException) as e:
            client.create_model_version(name, source)
        assert error_code(e.value) == "INVALID_PARAMETER_VALUE", source


# --- Ferry's own registry API -------------------------------------------------

def v1(url: str, method: str, path: str, **kw):
    return requests.request(method, f"{url}/api/v1{path}", timeout=30, **kw)


def test_lineage_audit_and_gate(client, url, experiment_id):
    ferry_feature("lineage, audit trail and gates")
    name = unique()
    client.create_registered_model(name)
    runs = []
    for auc in (0.80, 0.79, 0.86):
        r = client.create_run(experiment_id)
        client.log_metric(r.info.run_id, "auc", auc)
        client.set_tag(r.info.run_id, "mlflow.source.git.commit", "c0ffee")
        client.create_model_version(name, f"runs:/{r.info.run_id}/model", run_id=r.info.run_id)
        runs.append(r.info.run_id)

    policy = "compare:\n  - metric: auc\n    direction: higher\n    min_delta: 0.01\n"
    r = v1(url, "PUT", f"/models/{name}/gate", json={"policy": policy},
           headers={"X-Ferry-User": "carol"})
    assert r.status_code == 200, r.text
    bad = v1(url, "PUT", f"/models/{name}/gate", json={"policy": "compare: [ {metric: "})
    assert bad.status_code == 400 and "line" in bad.json()["error"]["message"]

    def promote(version, **extra):
        r = v1(url, "POST", f"/models/{name}/promote",
               json={"candidate": version, "alias": "champion", **extra})
        assert r.status_code == 200, r.text
        return r.json()

    assert promote("1")["promoted"] is True       # no champion yet
    refused = promote("2")                          # worse than the champion
    assert refused["promoted"] is False and refused["decision"]["passed"] is False
    row = refused["decision"]["rows"][0]
    assert row["metric"] == "auc" and row["champion"] == 0.80 and row["challenger"] == 0.79
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    assert promote("3")["promoted"] is True
    assert client.get_model_version_by_alias(name, "champion").version == "3"

    lineage = v1(url, "GET", f"/models/{name}/versions/3/lineage").json()
    assert lineage["run"]["info"]["run_id"] == runs[2]
    assert lineage["code_version"] == "c0ffee"
    by_ref = v1(url, "GET", "/lineage", params={"ref": f"{name}@champion"}).json()
    assert by_ref["model_version"]["version"] == "3"

    events = v1(url, "GET", f"/models/{name}/events").json()["events"]
    actions = [e["action"] for e in events]
    assert actions[0] == "create_model"
    assert actions.count("gate_decision") == 3 and actions.count("set_alias") == 2
    gate_set = next(e for e in events if e["action"] == "set_gate")
    assert gate_set["actor"] == "carol"
    moved = [e for e in events if e["action"] == "set_alias"]
    assert moved[1]["before"] == {"alias": "champion", "version": 1}
    assert moved[1]["after"] == {"alias": "champion", "version": 3}


def test_log_model_register_and_load(client, experiment_id):
    """MLflow 3's full loop: log_model creates a logged model (its own
    artifact folder, finalized when the upload is done), registers it, and
    load_model reads it back through models:/name@alias."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    model = LogisticRegression().fit(X, y)
    name = unique()
    with mlflow.start_run(experiment_id=experiment_id) as run:
        info = mlflow.sklearn.log_model(model, name="model", registered_model_name=name,
                                        input_example=X[:2])
    logged = client.get_logged_model(info.model_id)
    assert logged.status.to_proto() == 2  # LOGGED_MODEL_READY
    assert logged.source_run_id == run.info.run_id
    v1 = client.get_model_version(name, "1")
    assert v1.run_id == run.info.run_id
    client.set_registered_model_alias(name, "champion", "1")
    loaded = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    assert list(loaded.predict(X)) == list(model.predict(X))
    # A runs:/ URI naming the logged model's artifact path finds it too.
    mv = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
    assert mv.version == "2"
    again = mlflow.sklearn.load_model(f"models:/{name}/2")
    assert list(again.predict(X)) == list(model.predict(X))
    if os.environ.get("FERRY_TEST_SERVER", "ferry") == "ferry":
        # Lineage lists the package's files with the digests recorded at upload.
        lineage = requests.get(f"{client.tracking_uri}/api/v1/models/{name}/versions/1/lineage",
                               timeout=30).json()
        files = {f["path"]: f["sha256"] for f in lineage["files"]}
        assert "MLmodel" in files and len(files["MLmodel"]) == 64
