"""Hostile and malformed requests, sent raw: a 4xx JSON error
({"error_code", "message"}) whose message names the offending field, never a
5xx, never a crash, never a half-written batch, never a file outside the
artifact root. Where the real mlflow server is known to answer worse (a 500,
an HTML page, silently accepting garbage), the assert is marked ferry_only."""

from __future__ import annotations

import http.client
import json
import os
import socket
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from harness import HEALTH_PATH, SERVER, ferry_feature, ferry_only

API = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


def post(url, path, body=None, data=None):
    return requests.post(url + API + path, json=body, data=data, timeout=60,
                         headers={"Content-Type": "application/json"})


def get(url, path, **params):
    return requests.get(url + API + path, params=params, timeout=30)


def assert_error(resp, status, field=None, code="INVALID_PARAMETER_VALUE"):
    """A JSON error answer in MLflow's format whose message names `field`."""
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    body = resp.json()
    assert body["error_code"] == code, body
    assert isinstance(body.get("message"), str) and body["message"], body
    if field:  # one name, or a tuple of acceptable names
        names = field if isinstance(field, tuple) else (field,)
        assert any(n in body["message"] for n in names), (field, body["message"])


def raw_request(url, method, path, body=None, headers=None):
    """Sends `path` exactly as given (requests/urllib3 would normalise dot
    segments away before the server ever saw them)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read()
    finally:
        conn.close()


@pytest.fixture
def run_id(url, experiment_id):
    r = post(url, "/runs/create", {"experiment_id": experiment_id})
    assert r.status_code == 200, r.text
    return r.json()["run"]["info"]["run_id"]


def run_data(url, run_id):
    r = get(url, "/runs/get", run_id=run_id)
    assert r.status_code == 200, r.text
    return r.json()["run"].get("data", {})


# --- malformed bodies, wrong types, missing fields -----------------------------

def test_malformed_json_is_400(url):
    for data in [b'{"name": "x",', b'{"name": }', b"\xff\xfe garbage", b'{"name": "x"} trailing']:
        r = post(url, "/experiments/create", data=data)
        assert r.status_code == 400, (data, r.text[:300])
        assert "error_code" in r.json()


def test_malformed_json_message_says_so(url):
    r = post(url, "/experiments/create", data=b'{"name": "x",')
    ferry_only("it ignores an unparsable body and reports the missing 'name'")
    assert_error(r, 400, "JSON")


def test_json_that_is_not_an_object(url):
    r = post(url, "/experiments/create", data=b"[1, 2]")
    ferry_only("a JSON array body is a 500 with an HTML page")
    assert_error(r, 400, "object")


def test_wrong_types_name_the_field(url, run_id):
    assert_error(post(url, "/experiments/create", {"name": ["x"]}), 400, "'name'")
    assert_error(post(url, "/experiments/create", {"name": 5}), 400, "'name'")
    assert_error(post(url, "/runs/create", {"experiment_id": ["1"]}), 400, "'experiment_id'")
    assert_error(post(url, "/runs/log-metric",
                      {"run_id": run_id, "key": "m", "value": "abc", "timestamp": 1}),
                 400, "'value'")
    assert_error(post(url, "/runs/log-batch", {"run_id": run_id, "params": "nope"}),
                 400, "'params'")
    assert_error(post(url, "/runs/search", {"experiment_ids": "1"}), 400, "'experiment_ids'")
    assert "m" not in {m["key"] for m in run_data(url, run_id).get("metrics", [])}


def test_numbers_as_experiment_ids_never_500(url, experiment_id):
    r = post(url, "/runs/search", {"experiment_ids": [int(experiment_id)]})
    assert r.status_code in (200, 400), r.text  # mlflow coerces; Ferry may refuse


def test_wrong_type_inside_a_batch_item(url, run_id):
    r = post(url, "/runs/log-batch", {"run_id": run_id,
                                      "metrics": [{"key": "m", "value": 1, "timestamp": "soon"}]})
    ferry_only("it stores a metric whose timestamp is \"soon\" as timestamp 0")
    assert_error(r, 400, "timestamp")
    assert "metrics" not in run_data(url, run_id)


def test_missing_required_fields(url, run_id):
    assert_error(post(url, "/experiments/create", {}), 400, "'name'")
    assert_error(post(url, "/runs/log-parameter", {"run_id": run_id, "value": "1"}), 400, "'key'")
    assert_error(post(url, "/runs/log-metric", {"run_id": run_id, "key": "m", "timestamp": 1}),
                 400, "'value'")
    assert_error(post(url, "/runs/log-metric", {"run_id": run_id, "key": "m", "value": 1}),
                 400, "'timestamp'")
    assert_error(post(url, "/runs/log-batch", {}), 400, "'run_id'")
    assert_error(post(url, "/experiments/create", data=b""), 400, "'name'")


def test_log_batch_limits_rejected_whole(url, run_id):
    # MLflow's limits per log-batch: 1000 metrics, 100 params, 100 tags and
    # 1000 items in all. The mlflow client splits big batches itself, so these
    # go raw.
    def metrics(n):
        return [{"key": f"m{i}", "value": 1.0, "timestamp": 1, "step": 0} for i in range(n)]

    def kv(prefix, n):
        return [{"key": f"{prefix}{i}", "value": "v"} for i in range(n)]

    for body, field in [({"metrics": metrics(1001)}, "metrics"),
                        ({"params": kv("p", 101)}, "params"),
                        ({"tags": kv("t", 101)}, "tags"),
                        ({"metrics": metrics(900), "params": kv("p", 100), "tags": kv("t", 1)},
                         "1000")]:
        assert_error(post(url, "/runs/log-batch", {"run_id": run_id, **body}), 400, field)
    assert "metrics" not in run_data(url, run_id)
    at_limit = post(url, "/runs/log-batch", {"run_id": run_id, "metrics": metrics(800),
                                             "params": kv("p", 100), "tags": kv("t", 100)})
    assert at_limit.status_code == 200, at_limit.text
    data = run_data(url, run_id)
    assert len(data["metrics"]) == 800 and len(data["params"]) == 100
    assert post(url, "/runs/log-batch", {"run_id": run_id,
                                         "metrics": metrics(1000)}).status_code == 200


def test_bad_batch_item_leaves_nothing(url, run_id):
    body = {"run_id": run_id,
            "params": [{"key": "p", "value": "1"}],
            "tags": [{"key": "t", "value": "1"}],
            "metrics": [{"key": "ok", "value": 1, "timestamp": 1},
                        {"key": "../escape", "value": 2, "timestamp": 1}]}
    assert_error(post(url, "/runs/log-batch", body), 400, "metrics[1]")
    data = run_data(url, run_id)
    assert "metrics" not in data and "params" not in data
    assert "t" not in {t["key"] for t in data.get("tags", [])}


# --- unknown ids and endpoints -------------------------------------------------

def test_unknown_ids(url, experiment_id):
    ghost = uuid.uuid4().hex
    assert_error(post(url, "/runs/log-metric", {"run_id": ghost, "key": "m", "value": 1,
                                                "timestamp": 1}),
                 404, ghost, code="RESOURCE_DOES_NOT_EXIST")
    assert_error(get(url, "/runs/get", run_id=ghost), 404, ghost,
                 code="RESOURCE_DOES_NOT_EXIST")
    assert_error(post(url, "/runs/update", {"run_id": ghost, "status": "FINISHED"}), 404,
                 code="RESOURCE_DOES_NOT_EXIST")
    assert_error(post(url, "/runs/delete", {"run_id": ghost}), 404,
                 code="RESOURCE_DOES_NOT_EXIST")
    assert_error(get(url, "/experiments/get", experiment_id="999999"), 404, "999999",
                 code="RESOURCE_DOES_NOT_EXIST")
    assert_error(post(url, "/runs/create", {"experiment_id": "999999"}), 404,
                 code="RESOURCE_DOES_NOT_EXIST")
    assert_error(get(url, "/experiments/get-by-name", experiment_name="no-" + ghost), 404,
                 code="RESOURCE_DOES_NOT_EXIST")


def test_non_numeric_experiment_id(url):
    r = get(url, "/experiments/get", experiment_id="1; DROP TABLE experiments")
    assert r.status_code in (400, 404), r.text
    assert r.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST")


def test_unknown_endpoint_is_404(url):
    r = post(url, "/runs/frobnicate", {})
    assert r.status_code == 404
    ferry_only("unknown endpoints get an HTML 404 page")
    assert "error_code" in r.json()


# --- SQL injection: stored literally, tables intact ----------------------------

EVIL = "x'); DROP TABLE runs; --"


def test_injection_in_values_is_stored_literally(client, url, experiment_id, run_id):
    for key, value in [("evil", EVIL), ("quote", "it''s \" \\ ` %_"),
                       ("1 -- DROP TABLE params", "v")]:  # a legal param key
        r = post(url, "/runs/log-parameter", {"run_id": run_id, "key": key, "value": value})
        assert r.status_code == 200, (key, r.text)
    r = post(url, "/runs/set-tag", {"run_id": run_id, "key": "t", "value": EVIL})
    assert r.status_code == 200, r.text
    params = {p["key"]: p["value"] for p in run_data(url, run_id)["params"]}
    assert params == {"evil": EVIL, "quote": "it''s \" \\ ` %_", "1 -- DROP TABLE params": "v"}
    found = client.search_runs([experiment_id], f'params.evil = "{EVIL}"')
    assert [r.info.run_id for r in found] == [run_id]
    found = client.search_runs([experiment_id], f'tags.t = "{EVIL}"')
    assert [r.info.run_id for r in found] == [run_id]
    assert client.search_runs([experiment_id], "params.evil = 'x'") == []
    name = f"exp'; DROP TABLE experiments; -- {uuid.uuid4().hex}"
    exp = client.create_experiment(name)
    assert client.get_experiment_by_name(name).experiment_id == exp


def test_injection_in_keys_is_rejected(url, run_id):
    for key in [EVIL, "a; DELETE FROM metrics", "x\" OR \"1\"=\"1"]:
        assert_error(post(url, "/runs/log-parameter", {"run_id": run_id, "key": key,
                                                       "value": "1"}), 400, "key")
        assert_error(post(url, "/runs/log-metric", {"run_id": run_id, "key": key, "value": 1,
                                                    "timestamp": 1}), 400, ("key", "name"))
    assert "params" not in run_data(url, run_id)


HOSTILE_FILTERS = [
    "params.x = 'a' OR 1=1",
    "attributes.run_id IN ('x') OR 1=1",
    "params.evil = 'x'' OR ''1''=''1'",
    "metrics.`a; DROP TABLE runs` > 1",
    "params.x = 'unterminated",
    "tags.t IN ()",
    "tags.`mlflow.runName` LIKE '%' UNION SELECT * FROM params --",
    "\x00",
    "a" * 10000,
    "metrics.m > 1e999999",
]


def test_hostile_filters_never_500(client, url, experiment_id, run_id):
    post(url, "/runs/log-parameter", {"run_id": run_id, "key": "evil", "value": EVIL})
    for hostile in HOSTILE_FILTERS:
        r = post(url, "/runs/search", {"experiment_ids": [experiment_id], "filter": hostile})
        assert r.status_code in (200, 400), (hostile, r.status_code, r.text[:300])
        if r.status_code == 200:
            assert not r.json().get("runs"), (hostile, r.text[:300])
        else:
            assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE", hostile
        r = post(url, "/experiments/search", {"filter": hostile, "max_results": 10})
        assert r.status_code in (200, 400), (hostile, r.status_code, r.text[:300])
    # Every table is still there and still answers.
    assert [r.info.run_id for r in client.search_runs([experiment_id])] == [run_id]
    assert client.get_run(run_id).data.params == {"evil": EVIL}
    client.log_metric(run_id, "after", 1.0)
    assert len(client.get_metric_history(run_id, "after")) == 1
    assert client.search_experiments(max_results=1)


# --- huge bodies and garbage on the socket -------------------------------------

def test_huge_body_is_refused_and_server_survives(server, url, run_id):
    value = b"x" * (80 * 1024 * 1024)  # above Ferry's 64 MiB default --max-body-mb
    big = b'{"run_id": "' + run_id.encode() + b'", "params": [{"key": "k", "value": "' + \
        value + b'"}]}'
    status, body = None, None
    try:
        r = post(url, "/runs/log-batch", data=big)
        status, body = r.status_code, r.text
    except requests.ConnectionError:
        pass  # the server may answer early and close before reading everything
    del big, value
    assert server.alive() and server.healthy(), server.log_tail()
    assert status is None or status < 500, (status, (body or "")[:300])
    ferry_only("it accepts an 80 MiB log-batch body and stores the 80 MiB param")
    assert status is None or status in (400, 413), (status, (body or "")[:300])
    if status is not None:
        assert "error_code" in json.loads(body)
    assert "params" not in run_data(url, run_id)


def test_raw_garbage_does_not_kill_server(server, url):
    parts = urlsplit(url)
    payloads = [b"\x00\xff" * 1000, b"GET / HTTP/9.9\r\n\r\n",
                b"POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                b"POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 100\r\n\r\n{\"run_id\"",  # truncated body, then close
                b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n"]
    for payload in payloads:
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                s.recv(4096)
            except OSError:
                pass
    assert server.alive() and server.healthy(), server.log_tail()


# --- path traversal on the artifact proxy --------------------------------------

TRAVERSALS = [
    "../{secret}",
    "../../../../../../etc/passwd",
    "1/../../{secret}",
    "%2e%2e/{secret}",
    "%2e%2e%2f{secret}",
    "%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "a/%2e%2e/%2e%2e/{secret}",
    "..%2f{secret}",
    "{abs_encoded}",  # %2F + the absolute path of the sentinel
    "/{abs}",  # .../artifacts//tmp/...
]
# Not traversal on POSIX, but a server may refuse them; they must stay inside the root.
ODD_NAMES = ["a\\..\\..\\{secret}", "..%5c{secret}", "%252e%252e/{secret}"]


@pytest.fixture
def sentinel(server):
    """A file next to (outside) the artifact root that no request may read."""
    path = server.tmp / f"secret-{uuid.uuid4().hex[:8]}.txt"
    path.write_text("TOP-SECRET-" + uuid.uuid4().hex)
    yield path
    path.unlink()


def fill(template, secret: Path, name: str):
    abs_path = str(secret.parent / name)
    return template.format(secret=name, abs=abs_path.lstrip("/"),
                           abs_encoded=abs_path.replace("/", "%2F"))


def files_outside_root(server):
    """Every file under the server's temp dir but outside its artifact root."""
    root = server.artifacts.resolve()
    return {p for p in server.tmp.rglob("*")
            if p.is_file() and root not in p.resolve().parents}


def test_path_traversal_get_is_refused(url, server, sentinel):
    secret_text = sentinel.read_text()
    not_json = []
    for template in TRAVERSALS:
        path = fill(template, sentinel, sentinel.name)
        status, ctype, body = raw_request(url, "GET", f"{ARTIFACTS}/{path}")
        assert 400 <= status < 500, (path, status, body[:200])
        assert secret_text.encode() not in body and b"root:" not in body, path
        if not (ctype.startswith("application/json") and b'"error_code"' in body):
            not_json.append((path, status, body[:100]))
    assert server.alive()
    if not_json:
        ferry_only("some of its refusals are not JSON errors")
    assert not not_json


def test_path_traversal_put_writes_nothing_outside_root(url, server, sentinel):
    before = files_outside_root(server)
    secret_text = sentinel.read_text()
    for template in TRAVERSALS:
        owned = f"owned-{uuid.uuid4().hex[:8]}.txt"
        path = fill(template, sentinel, owned)
        status, _, body = raw_request(url, "PUT", f"{ARTIFACTS}/{path}", body=b"owned",
                                      headers={"Content-Type": "application/octet-stream"})
        assert 400 <= status < 500, (path, status, body[:200])
        # And overwriting the sentinel itself:
        path = fill(template, sentinel, sentinel.name)
        status, _, _ = raw_request(url, "PUT", f"{ARTIFACTS}/{path}", body=b"owned",
                                   headers={"Content-Type": "application/octet-stream"})
        assert 400 <= status < 500, (path, status)
    assert files_outside_root(server) == before
    assert sentinel.read_text() == secret_text
    assert not Path("/owned.txt").exists()


def test_odd_names_stay_inside_root(url, server, sentinel):
    before = files_outside_root(server)
    for template in ODD_NAMES:
        path = fill(template, sentinel, f"owned-{uuid.uuid4().hex[:8]}.txt")
        status, _, body = raw_request(url, "PUT", f"{ARTIFACTS}/{path}", body=b"owned",
                                      headers={"Content-Type": "application/octet-stream"})
        assert status < 500, (path, status, body[:200])
        path = fill(template, sentinel, sentinel.name)
        status, _, body = raw_request(url, "GET", f"{ARTIFACTS}/{path}")
        assert status < 500 and sentinel.read_text().encode() not in body, (path, status)
    assert files_outside_root(server) == before


def test_path_traversal_in_list_and_delete(url, server, sentinel):
    # The query string goes raw: "%2e%2e" must reach the server as "..".
    for query in ["..", "../..", "1/../..", str(server.tmp), "/etc", "%2e%2e", "%2e%2e%2f%2e%2e",
                  "%2Fetc"]:
        status, ctype, body = raw_request(url, "GET", f"{ARTIFACTS}?path={query}")
        assert 400 <= status < 500, (query, status, body[:200])
        assert sentinel.name.encode() not in body and b"passwd" not in body, query
        assert json.loads(body)["error_code"] == "INVALID_PARAMETER_VALUE", (query, body)
    status, _, _ = raw_request(url, "DELETE", f"{ARTIFACTS}/../{sentinel.name}")
    assert 400 <= status < 500, status
    assert sentinel.exists()


# --- Ferry's own operational endpoints -----------------------------------------

def test_health_endpoint(url):
    r = requests.get(url + HEALTH_PATH, timeout=10)
    assert r.status_code == 200


def test_metrics_endpoint_counts_routes(url):
    ferry_feature("Prometheus /metrics")
    requests.get(url + "/healthz", timeout=10)
    text = requests.get(url + "/metrics", timeout=10).text
    assert 'ferry_http_requests_total{route="/healthz",method="GET",status="200"}' in text
    assert "ferry_http_request_duration_seconds_bucket" in text


def test_readyz(url):
    ferry_feature("/readyz")
    assert requests.get(url + "/readyz", timeout=10).json() == {"status": "ready"}


def test_server_still_alive_after_everything(server):
    assert server.alive() and server.healthy(), f"{SERVER} died:\n" + server.log_tail()
    assert os.path.isdir(server.artifacts)
