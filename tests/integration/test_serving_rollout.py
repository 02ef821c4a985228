"""Rollouts: an alias move swaps the served version under load with zero
failed requests; canary traffic splits by routing key and sticks; shadow
traffic runs beside the primary without touching its answers; a corrupt
package never replaces a working version; deployments survive a restart."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
import requests

import serving_models as sm
from harness import SERVER, wait_for

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="serving is Ferry's own API")

DEPLOY = "/api/v1/deployments"
ROW = json.dumps({"inputs": [{"name": "input-0", "datatype": "FP32", "shape": [1, 30],
                              "data": [0.25] * 30}]})


@pytest.fixture(scope="module")
def model(server):
    """A registered model with versions 1 and 2."""
    import mlflow
    mlflow.set_tracking_uri(server.url)
    name = sm.unique("rollout")
    for seed in (1, 2):
        sm.log_version(name, sm.train(seed=seed, rounds=5 + seed * 10))
    return name


def deploy(server, body):
    r = requests.post(server.url + DEPLOY, json=body)
    assert r.status_code == 201, r.text
    return r.json()["deployment"]


def infer(session, server, name, key=None):
    headers = {"Ferry-Routing-Key": key} if key else {}
    return session.post(f"{server.url}/v2/models/{name}/infer", data=ROW, headers=headers,
                        timeout=30)




def test_alias_move_under_load_fails_no_request(server, model):
    client = __import__("mlflow").MlflowClient(server.url)
    client.set_registered_model_alias(model, "live", "1")
    name = sm.unique("hot")
    deploy(server, {"name": name, "model": f"{model}@live"})
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load():
        session = requests.Session()
        while not stop.is_set():
            try:
                r = infer(session, server, name)
                item = (r.status_code, r.headers.get("Ferry-Model-Version", r.text[:200]))
            except requests.RequestException as e:
                item = (0, str(e))
            with lock:
                results.append(item)

    threads = [threading.Thread(target=load) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        for target in ("2", "1", "2", "1"):
            client.set_registered_model_alias(model, "live", target)
            seen = len(results)
            # Keep the load on for a while after the new version answers.
            wait_for(lambda: any(v == target for _, v in results[seen:]) and
                     len(results) - seen > 300, f"version {target} to answer")
    finally:
        stop.set()
        for t in threads:
            t.join()
    failed = [r for r in results if r[0] != 200]
    assert not failed, f"{len(failed)} of {len(results)} requests failed: {failed[:5]}"
    assert {v for _, v in results} == {"1", "2"}
    assert len(results) > 1200


def test_canary_split_is_sticky(server, model):
    name = sm.unique("canary")
    deploy(server, {"name": name, "model": f"{model}/1",
                    "canary": {"model": f"{model}/2", "percent": 30}})
    session = requests.Session()
    versions = [infer(session, server, name, key=f"user-{i}").headers["Ferry-Model-Version"]
                for i in range(600)]
    share = versions.count("2") / len(versions)
    # Binomial sd at n=600, p=0.3 is 0.019; 0.2..0.4 is over 5 sd.
    assert 0.2 < share < 0.4, share
    for key in ("user-1", "user-2", "user-3"):
        assert len({infer(session, server, name, key=key).headers["Ferry-Model-Version"]
                    for _ in range(10)}) == 1
    # Pinning a version through the protocol reaches that arm only.
    r = session.post(f"{server.url}/v2/models/{name}/versions/2/infer", data=ROW)
    assert r.headers["Ferry-Model-Version"] == "2"
    arms = {a["role"]: a for a in requests.get(f"{server.url}{DEPLOY}/{name}").json()
            ["deployment"]["arms"]}
    assert arms["canary"]["requests"] >= versions.count("2")


def test_shadow_sees_every_request_and_never_answers(server, model):
    name = sm.unique("shadow")
    deploy(server, {"name": name, "model": f"{model}/1", "shadow": {"model": f"{model}/2"}})
    session = requests.Session()
    for _ in range(20):
        r = infer(session, server, name)
        assert r.status_code == 200 and r.headers["Ferry-Model-Version"] == "1"

    def compared():
        d = requests.get(f"{server.url}{DEPLOY}/{name}").json()["deployment"]
        return d["shadow_comparison"]["compared"] == 20

    wait_for(compared, "the shadow to answer all 20 requests")
    arms = {a["role"]: a for a in requests.get(f"{server.url}{DEPLOY}/{name}").json()
            ["deployment"]["arms"]}
    assert arms["shadow"]["requests"] == 20 and arms["primary"]["requests"] == 20


def register_corrupt_version(server, model, tmp_path):
    """A version whose package has a valid MLmodel and a garbage model file."""
    import mlflow
    good = mlflow.artifacts.download_artifacts(f"models:/{model}/1", dst_path=str(tmp_path / "g"))
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    for f in bad.iterdir():
        if f.suffix in (".ubj", ".json", ".xgb") and f.name != "input_example.json" \
                and not f.name.startswith("serving_input"):
            f.write_bytes(b"\x00garbage, not a model" * 10)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(bad), "model")
    version = mlflow.MlflowClient(server.url).create_model_version(
        model, f"runs:/{run.info.run_id}/model", run.info.run_id)
    return version.version


def test_corrupt_package_keeps_previous_version(server, model, tmp_path):
    client = __import__("mlflow").MlflowClient(server.url)
    bad = register_corrupt_version(server, model, tmp_path)
    r = requests.post(server.url + DEPLOY, json={"name": sm.unique("bad"), "model": f"{model}/{bad}"})
    assert r.status_code in (400, 409) and "xgboost" in r.json()["error"]["message"], r.text
    client.set_registered_model_alias(model, "stable", "1")
    name = sm.unique("keep")
    deploy(server, {"name": name, "model": f"{model}@stable"})
    client.set_registered_model_alias(model, "stable", bad)

    def reported():
        arm = requests.get(f"{server.url}{DEPLOY}/{name}").json()["deployment"]["arms"][0]
        return "error" in arm

    wait_for(reported, "the load error to be reported")
    arm = requests.get(f"{server.url}{DEPLOY}/{name}").json()["deployment"]["arms"][0]
    assert arm["ready"] and arm["version"] == "1" and "xgboost" in arm["error"]
    r = infer(requests.Session(), server, name)
    assert r.status_code == 200 and r.headers["Ferry-Model-Version"] == "1"


def test_deployments_survive_restart(server, model):
    name = sm.unique("durable")
    deploy(server, {"name": name, "model": f"{model}/2", "batching": {"max_batch_size": 16}})
    assert server.stop() == 0
    server.start()
    d = requests.get(f"{server.url}{DEPLOY}/{name}").json()["deployment"]
    assert d["batching"]["max_batch_size"] == 16 and d["arms"][0]["version"] == "2"
    r = infer(requests.Session(), server, name)
    assert r.status_code == 200 and r.headers["Ferry-Model-Version"] == "2"
