"""Serving: models logged with mlflow and registered in Ferry, deployed, and
called through the real tritonclient (Open Inference Protocol over HTTP and
gRPC) and through MLflow's scoring protocol with plain requests. Predictions
must equal the xgboost library's own to 1e-6; bad requests get a 4xx naming
the input; a corrupt package never replaces a working version."""

from __future__ import annotations

import numpy as np
import pytest
import requests

import serving_models as sm
from harness import SERVER

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="serving is Ferry's own API")

DEPLOY = "/api/v1/deployments"


@pytest.fixture(scope="module")
def champion(server):
    """A registered model with versions 1 and 2 (different boosters), the
    alias champion on 1, and a deployment of model@champion."""
    import mlflow
    mlflow.set_tracking_uri(server.url)
    name = sm.unique("fraud")
    boosters = {"1": sm.train(seed=1), "2": sm.train(seed=2, rounds=10)}
    for version, booster in boosters.items():
        assert sm.log_version(name, booster) == version
    mlflow.MlflowClient(server.url).set_registered_model_alias(name, "champion", "1")
    r = requests.post(server.url + DEPLOY, json={"name": name, "model": f"{name}@champion"})
    assert r.status_code == 201, r.text
    yield name, boosters
    requests.delete(f"{server.url}{DEPLOY}/{name}")


def infer_http(server, deployment, x, binary=True):
    import tritonclient.http as th
    client = th.InferenceServerClient(f"127.0.0.1:{server.port}")
    meta = client.get_model_metadata(deployment)
    inp = th.InferInput(meta["inputs"][0]["name"], list(x.shape), "FP32")
    inp.set_data_from_numpy(x, binary_data=binary)
    out = th.InferRequestedOutput(meta["outputs"][0]["name"], binary_data=binary)
    result = client.infer(deployment, [inp], outputs=[out])
    return result.as_numpy(meta["outputs"][0]["name"]), result.get_response()


@pytest.mark.parametrize("binary", [True, False])
def test_tritonclient_http_matches_xgboost(server, champion, binary):
    name, boosters = champion
    x, _ = sm.data(rows=64, seed=7)
    got, response = infer_http(server, name, x, binary)
    np.testing.assert_allclose(got, sm.predict(boosters["1"], x), rtol=0, atol=1e-6)
    assert response["model_version"] == "1"


def test_tritonclient_grpc_matches_xgboost(server, champion):
    import tritonclient.grpc as tg
    name, boosters = champion
    client = tg.InferenceServerClient(f"127.0.0.1:{server.grpc_port}")
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready(name)
    meta = client.get_model_metadata(name, as_json=True)
    assert meta["platform"] == "ferry_xgboost" and meta["versions"] == ["1"]
    x, _ = sm.data(rows=17, seed=8)
    inp = tg.InferInput(meta["inputs"][0]["name"], list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    result = client.infer(name, [inp], request_id="r-1")
    got = result.as_numpy(meta["outputs"][0]["name"])
    np.testing.assert_allclose(got, sm.predict(boosters["1"], x), rtol=0, atol=1e-6)
    assert result.get_response().id == "r-1"
    # Pinning a version the deployment does not serve is NOT_FOUND.
    with pytest.raises(tg.InferenceServerException, match="does not serve version 9"):
        client.infer(name, [inp], model_version="9")
    bad = tg.InferInput(meta["inputs"][0]["name"], [2, 29], "FP32")
    bad.set_data_from_numpy(np.zeros((2, 29), dtype=np.float32))
    with pytest.raises(tg.InferenceServerException, match="input-0"):
        client.infer(name, [bad])


def test_oip_metadata_and_health(server, champion):
    name, _ = champion
    base = server.url + "/v2"
    assert requests.get(base).json()["name"] == "ferry"
    assert requests.get(base + "/health/live").status_code == 200
    assert requests.get(base + "/health/ready").status_code == 200
    meta = requests.get(f"{base}/models/{name}").json()
    assert meta["inputs"] == [{"name": "input-0", "datatype": "FP32", "shape": [-1, 30]}]
    assert requests.get(f"{base}/models/{name}/versions/1").status_code == 200
    assert requests.get(f"{base}/models/{name}/versions/2").status_code == 404
    assert requests.get(f"{base}/models/{name}/ready").status_code == 200
    assert requests.get(f"{base}/models/nope/ready").status_code == 404
    index = requests.post(base + "/repository/index").json()
    assert {"name": name, "version": "1", "state": "READY"} in index


def test_invocations_formats(server, champion):
    name, boosters = champion
    x, _ = sm.data(rows=5, seed=9)
    want = sm.predict(boosters["1"], x)
    url = f"{server.url}{DEPLOY}/{name}/invocations"
    for body in ({"inputs": x.tolist()}, {"instances": x.tolist()},
                 {"dataframe_split": {"columns": [f"c{i}" for i in range(30)],
                                      "data": x.tolist()}}):
        r = requests.post(url, json=body)
        assert r.status_code == 200, r.text
        np.testing.assert_allclose(r.json()["predictions"], want, rtol=0, atol=1e-6)
        assert r.headers["Ferry-Model-Version"] == "1"
        assert len(r.headers["Ferry-Prediction-Id"]) == 32
    # The bare MLflow path, naming the deployment in a header.
    r = requests.post(server.url + "/invocations", json={"inputs": x.tolist()},
                      headers={"Ferry-Deployment": name})
    assert r.status_code == 200, r.text


def test_column_signature_model(server, url):
    """A model logged with a DataFrame example takes named columns, in any
    order, as records or as a split frame, and over tritonclient one tensor
    per column."""
    import tritonclient.http as th
    name = sm.unique("columns")
    booster = sm.train(seed=3, named=True)
    sm.log_version(name, booster, columns=True)
    r = requests.post(server.url + DEPLOY, json={"name": name, "model": f"{name}/1"})
    assert r.status_code == 201, r.text
    x, _ = sm.data(rows=6, seed=10)
    want = sm.predict(booster, x)
    cols = [f"f{i}" for i in range(30)]
    order = list(reversed(range(30)))
    split = {"dataframe_split": {"columns": [cols[i] for i in order],
                                 "data": x[:, order].tolist()}}
    records = {"dataframe_records": [dict(zip(cols, row.tolist())) for row in x]}
    for body in (split, records):
        r = requests.post(f"{server.url}{DEPLOY}/{name}/invocations", json=body)
        assert r.status_code == 200, r.text
        np.testing.assert_allclose(r.json()["predictions"], want, rtol=0, atol=1e-6)
    client = th.InferenceServerClient(f"127.0.0.1:{server.port}")
    inputs = []
    for i, col in enumerate(cols):
        inp = th.InferInput(col, [6], "FP64")
        inp.set_data_from_numpy(x[:, i].astype(np.float64))
        inputs.append(inp)
    result = client.infer(name, inputs)
    np.testing.assert_allclose(result.as_numpy(result.get_response()["outputs"][0]["name"]),
                               want, rtol=0, atol=1e-6)
    r = requests.post(f"{server.url}{DEPLOY}/{name}/invocations",
                      json={"dataframe_records": [{"f0": 1.0}]})
    assert r.status_code == 400 and "missing input 'f1'" in r.json()["error"]


def oip(server, name, body, headers=None):
    return requests.post(f"{server.url}/v2/models/{name}/infer", data=body, headers=headers or {})


def test_bad_requests_name_the_input(server, champion):
    import json
    name, _ = champion

    def call(inputs, **kw):
        return oip(server, name, json.dumps({"inputs": inputs}), **kw)

    ok_input = {"name": "input-0", "datatype": "FP32", "shape": [1, 30], "data": [0.5] * 30}
    assert call([ok_input]).status_code == 200
    cases = [
        ({**ok_input, "shape": [1, 29], "data": [0.5] * 29}, "input 'input-0' has shape [1, 29]"),
        ({**ok_input, "datatype": "BYTES", "data": ["a"] * 30}, "datatype BYTES"),
        ({**ok_input, "name": "x"}, "unknown input 'x'"),
        ({**ok_input, "data": [0.5] * 7}, "shape holds 30 elements, 'data' has 7"),
        ({**ok_input, "datatype": "FP99"}, "unknown datatype"),
        ({**ok_input, "shape": [-1, 30]}, "'shape' must be an array of integers >= 0"),
        ({**ok_input, "data": ["x"] * 30}, "expected a number"),
        ({**ok_input, "datatype": "INT8", "data": [300] * 30}, "out of range"),
    ]
    for bad, message in cases:
        r = call([bad])
        assert r.status_code == 400, (bad, r.text)
        assert message in r.json()["error"], (message, r.text)
    assert call([ok_input, ok_input]).json()["error"] == "input 'input-0' is given twice"
    assert oip(server, name, "{not json").status_code == 400
    assert oip(server, name, '{"inputs": [{"name": "input-0", "data": [NaN]}]}').status_code == 400
    assert oip(server, "no-such-deployment", json.dumps({"inputs": [ok_input]})).status_code == 404
    # Binary extension: sizes that do not add up.
    header = json.dumps({"inputs": [{"name": "input-0", "datatype": "FP32", "shape": [1, 30],
                                     "parameters": {"binary_data_size": 120}}]}).encode()
    body = header + np.zeros(30, dtype=np.float32).tobytes()
    assert oip(server, name, body, {"Inference-Header-Content-Length": str(len(header))}).status_code == 200
    r = oip(server, name, body[:-4], {"Inference-Header-Content-Length": str(len(header))})
    assert r.status_code == 400 and "binary_data_size" in r.json()["error"]
    r = oip(server, name, body + b"xx", {"Inference-Header-Content-Length": str(len(header))})
    assert r.status_code == 400 and "no input claims" in r.json()["error"]
    r = oip(server, name, body, {"Inference-Header-Content-Length": str(len(body) + 1)})
    assert r.status_code == 400
    # A body over the server's limit is refused before it is read.
    r = requests.post(f"{server.url}/v2/models/{name}/infer", data=b"x" * (65 << 20))
    assert r.status_code == 413
    # MLflow scoring: formats and fields.
    url = f"{server.url}{DEPLOY}/{name}/invocations"
    assert requests.post(url, json={"inputs": [[1.0] * 30], "instances": []}).status_code == 400
    r = requests.post(url, json={"data": []})
    assert r.status_code == 400 and "unknown field 'data'" in r.json()["error"]
    r = requests.post(url, json={"inputs": [[1.0] * 30, [1.0] * 29]})
    assert r.status_code == 400 and "different lengths" in r.json()["error"]
    r = requests.post(url, data="a,b\n1,2", headers={"Content-Type": "text/csv"})
    assert r.status_code == 400 and "Content-Type" in r.json()["error"]


def test_deployment_api_validation(server, champion):
    name, _ = champion
    url = server.url + DEPLOY
    r = requests.post(url, json={"name": name, "model": f"{name}@champion"})
    assert r.status_code == 409
    for body, field in [({"name": "a/b", "model": "x@y"}, "name"),
                        ({"name": "ok-name"}, "model"),
                        ({"name": "ok-name", "model": "x", "canary": {"model": "y", "percent": 0}},
                         "canary.percent"),
                        ({"name": "ok-name", "model": "x", "batching": {"max_batch_size": 0}},
                         "batching.max_batch_size"),
                        ({"name": "ok-name", "model": "x", "color": "red"}, "color")]:
        r = requests.post(url, json=body)
        assert r.status_code == 400 and field in r.json()["error"]["message"], (body, r.text)
    r = requests.post(url, json={"name": "ok-name", "model": "no-such-model@champion"})
    assert r.status_code == 404
    assert requests.get(url + "/nope").status_code == 404
    assert requests.delete(url + "/nope").status_code == 404
    listed = [d["name"] for d in requests.get(url).json()["deployments"]]
    assert name in listed


def test_yaml_deployment_file(server, champion):
    name, _ = champion
    other = sm.unique("gitops")
    text = f"name: {other}\nmodel: {name}/2\nbatching:\n  max_batch_size: 8\n  instances: 2\n"
    r = requests.post(server.url + DEPLOY, data=text, headers={"Content-Type": "application/yaml"})
    assert r.status_code == 201, r.text
    d = r.json()["deployment"]
    assert d["batching"]["max_batch_size"] == 8 and d["arms"][0]["version"] == "2"
    assert requests.delete(f"{server.url}{DEPLOY}/{other}").status_code == 200
    assert requests.get(f"{server.url}{DEPLOY}/{other}").status_code == 404


def test_stalled_clients_hold_sockets_not_threads(server, champion):
    """200 clients that send half a request and stall (half the headers, or
    the headers and part of a promised body) do not keep inference from
    answering: the server reads asynchronously and a stalled client holds a
    socket, not a thread (they are dropped after the read timeout, 120 s)."""
    import socket
    name, boosters = champion
    stalled = []
    try:
        for i in range(200):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            if i % 2:
                s.sendall(b"POST /v2/models/" + name.encode() + b"/infer HTTP/1.1\r\nHost: x\r\n")
            else:
                s.sendall(b"POST /v2/models/" + name.encode() + b"/infer HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: 100000\r\n\r\n{\"inputs\": [")
            stalled.append(s)
        x, _ = sm.data(rows=3, seed=12)
        session = requests.Session()
        for _ in range(20):
            r = session.post(f"{server.url}{DEPLOY}/{name}/invocations",
                             json={"inputs": x.tolist()}, timeout=10)
            assert r.status_code == 200
        np.testing.assert_allclose(r.json()["predictions"], sm.predict(boosters["1"], x),
                                   rtol=0, atol=1e-6)
    finally:
        for s in stalled:
            s.close()
