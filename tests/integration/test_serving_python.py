"""The Python backend: scikit-learn models and a user's pyfunc class served
from worker processes. Predictions equal scikit-learn's own; a model that
raises answers 4xx/5xx with its exception and the worker lives on; a worker
that dies fails only its batch (503), the next request gets a fresh worker,
and a model whose worker keeps dying is marked unhealthy."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest
import requests

import serving_models as sm
from harness import SERVER, wait_for

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="serving is Ferry's own API")

DEPLOY = "/api/v1/deployments"

FLAKY = textwrap.dedent('''
    import os
    import mlflow

    class Flaky(mlflow.pyfunc.PythonModel):
        """Doubles x; x == -1 kills the worker, -2 raises ValueError, -3 RuntimeError,
    -4 takes 1.5 s."""
        def predict(self, context, model_input, params=None):
            x = model_input["x"].to_numpy()
            if (x == -1).any():
                os._exit(3)
            if (x == -2).any():
                raise ValueError("x must not be -2")
            if (x == -3).any():
                raise RuntimeError("internal failure")
            if (x == -4).any():
                import time
                time.sleep(1.5)
            return x * 2

    mlflow.models.set_model(Flaky())
''')


@pytest.fixture(scope="module")
def flaky(server, tmp_path_factory):
    import mlflow
    mlflow.set_tracking_uri(server.url)
    code = tmp_path_factory.mktemp("flaky") / "flaky.py"
    code.write_text(FLAKY)
    name = sm.unique("flaky")
    with mlflow.start_run():
        mlflow.pyfunc.log_model(name="model", python_model=str(code),
                                input_example=pd.DataFrame({"x": [1.0, 2.0]}),
                                registered_model_name=name)
    return name


def deploy(server, name, ref):
    r = requests.post(server.url + DEPLOY, json={"name": name, "model": ref})
    assert r.status_code == 201, r.text
    return r.json()["deployment"]


def call(server, name, x):
    return requests.post(f"{server.url}{DEPLOY}/{name}/invocations",
                         json={"dataframe_records": [{"x": v} for v in x]})


def test_sklearn_regressor_matches_sklearn(server, url):
    import mlflow
    from sklearn.ensemble import RandomForestRegressor
    x, _ = sm.data(rows=300, seed=4)
    frame = pd.DataFrame(x.astype(np.float64), columns=sm.COLUMNS)
    y = x[:, 0] * 3 + x[:, 1]
    model = RandomForestRegressor(n_estimators=20, max_depth=6, random_state=0).fit(frame, y)
    name = sm.unique("sklearn")
    with mlflow.start_run():
        mlflow.sklearn.log_model(model, name="model", input_example=frame[:2],
                                 registered_model_name=name,
                                 skops_trusted_types=["sklearn.tree._tree.Tree"])
    d = deploy(server, name, f"{name}/1")
    assert d["arms"][0]["backend"] == "python"
    rows = frame[:40]
    r = requests.post(f"{server.url}{DEPLOY}/{name}/invocations",
                      json={"dataframe_split": rows.to_dict(orient="split")})
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(r.json()["predictions"], model.predict(rows), rtol=0, atol=1e-6)
    # The same model through tritonclient, one FP32 tensor per column.
    import tritonclient.http as th
    client = th.InferenceServerClient(f"127.0.0.1:{server.port}")
    inputs = []
    for col in sm.COLUMNS:
        inp = th.InferInput(col, [40], "FP32")
        inp.set_data_from_numpy(rows[col].to_numpy(np.float32))
        inputs.append(inp)
    result = client.infer(name, inputs)
    out = result.as_numpy(result.get_response()["outputs"][0]["name"])
    np.testing.assert_allclose(out, model.predict(rows.astype(np.float32).astype(np.float64)),
                               rtol=0, atol=1e-6)


def test_model_exceptions_answer_and_the_worker_lives(server, flaky):
    name = sm.unique("raises")
    deploy(server, name, f"{flaky}/1")
    assert call(server, name, [1.5]).json()["predictions"] == [3.0]
    r = call(server, name, [-2.0])
    assert r.status_code == 400 and "ValueError: x must not be -2" in r.json()["error"]
    r = call(server, name, [-3.0])
    assert r.status_code == 500 and "RuntimeError: internal failure" in r.json()["error"]
    assert call(server, name, [4.0]).json()["predictions"] == [8.0]
    arm = requests.get(f"{server.url}{DEPLOY}/{name}").json()["deployment"]["arms"][0]
    assert arm["healthy"]


def test_worker_crash_fails_only_its_request(server, flaky):
    name = sm.unique("crash")
    deploy(server, name, f"{flaky}/1")
    r = call(server, name, [-1.0])
    assert r.status_code == 503, r.text
    assert "exited with code 3" in r.json()["error"]
    assert r.headers.get("Retry-After") == "1"
    r = call(server, name, [2.0])
    assert r.status_code == 200 and r.json()["predictions"] == [4.0]


def test_worker_that_keeps_crashing_is_marked_unhealthy(server, flaky):
    name = sm.unique("unhealthy")
    deploy(server, name, f"{flaky}/1")
    for _ in range(3):
        assert call(server, name, [-1.0]).status_code == 503
    r = call(server, name, [2.0])
    assert r.status_code == 503 and "unhealthy" in r.json()["error"]
    arm = requests.get(f"{server.url}{DEPLOY}/{name}").json()["deployment"]["arms"][0]
    assert arm["healthy"] is False and "failed 3 times" in arm["error"]
    assert requests.get(f"{server.url}/v2/models/{name}/ready").status_code == 400
    # Replacing the deployment (a new version or the same) loads fresh workers.
    r = requests.put(f"{server.url}{DEPLOY}/{name}",
                     json={"model": f"{flaky}/1", "batching": {"max_batch_size": 8}})
    assert r.status_code == 200, r.text
    assert call(server, name, [2.0]).json()["predictions"] == [4.0]


def test_python_model_without_signature_is_refused(server, url):
    import mlflow
    from sklearn.linear_model import LinearRegression
    name = sm.unique("nosig")
    with mlflow.start_run():
        mlflow.sklearn.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]),
                                 name="model", registered_model_name=name)
    r = requests.post(server.url + DEPLOY, json={"name": name, "model": f"{name}/1"})
    assert r.status_code in (400, 409) and "signature" in r.json()["error"]["message"]


def test_overload_answers_429_at_once(server, flaky):
    """One instance, one queue slot: while a slow request runs, one more may
    wait and the rest are refused at once with 429 + Retry-After."""
    import concurrent.futures
    name = sm.unique("overload")
    r = requests.post(server.url + DEPLOY, json={
        "name": name, "model": f"{flaky}/1",
        "batching": {"instances": 1, "max_queue": 1, "max_batch_size": 1}})
    assert r.status_code == 201, r.text
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        slow = pool.submit(call, server, name, [-4.0])

        def slow_in_flight():
            arm = requests.get(f"{server.url}{DEPLOY}/{name}").json()["deployment"]["arms"][0]
            return arm["requests"] >= 1

        wait_for(slow_in_flight, "the slow request to reach the model")
        quick = [pool.submit(call, server, name, [1.0]) for _ in range(5)]
        answers = [f.result(timeout=60) for f in quick]
        assert slow.result(timeout=60).json()["predictions"] == [-8.0]
    refused = [a for a in answers if a.status_code == 429]
    served = [a for a in answers if a.status_code == 200]
    assert len(refused) >= 3, [a.status_code for a in answers]
    assert len(refused) + len(served) == 5
    assert all(a.headers.get("Retry-After") == "1" for a in refused)
    assert "queue is full" in refused[0].json()["error"]
    assert all(a.json()["predictions"] == [2.0] for a in served)


def test_onnx_model_runs_in_the_python_backend(server, url):
    """ONNX Runtime's PyPI wheel ships libonnxruntime.so but not its C API
    headers, and Debian 12 packages neither: ONNX packages run through
    MLflow's onnx flavor in the Python worker."""
    import mlflow
    import onnxruntime
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression
    x, y = sm.data(rows=300, seed=11)
    model = LogisticRegression().fit(x, y)
    onx = to_onnx(model, x[:1], options={id(model): {"zipmap": False}})
    name = sm.unique("onnx")
    with mlflow.start_run():
        mlflow.onnx.log_model(onx, name="model", input_example=x[:2], registered_model_name=name)
    d = deploy(server, name, f"{name}/1")
    assert d["arms"][0]["backend"] == "onnx"
    rows = x[:20]
    want = onnxruntime.InferenceSession(onx.SerializeToString()).run(None, {"X": rows})
    r = requests.post(f"{server.url}{DEPLOY}/{name}/invocations", json={"inputs": rows.tolist()})
    assert r.status_code == 200, r.text
    got = r.json()["predictions"]
    np.testing.assert_array_equal(got["label"], want[0])
    np.testing.assert_allclose(got["probabilities"], want[1], rtol=0, atol=1e-6)


def test_workers_inherit_no_server_sockets(server, flaky):
    """A worker holding a copy of a client connection would keep it open
    after the server closed it (no FIN; the client's next request on the
    pooled connection hangs). Workers get fd 3, their socket pair, only."""
    import os
    name = sm.unique("fds")
    deploy(server, name, f"{flaky}/1")
    session = requests.Session()  # a connection open while the worker starts
    assert session.get(server.url + "/healthz").status_code == 200
    assert call(server, name, [1.0]).status_code == 200
    workers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if ppid == server.proc.pid and b"ferry.worker" in cmdline:
            workers.append(pid)
    assert workers
    for pid in workers:
        sockets = []
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:") and fd != "3":
                sockets.append((fd, target))
        assert not sockets, f"worker {pid} holds server sockets {sockets}"
