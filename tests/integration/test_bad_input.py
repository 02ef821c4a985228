"""Hostile and malformed requests: always a 4xx JSON error naming the field,
never a 500, never a crash, never a half-written batch."""

from __future__ import annotations

import socket
import uuid

import pytest
import requests

API = "/api/2.0/mlflow"


def post(url, path, body=None, data=None):
    return requests.post(url + API + path, json=body, data=data, timeout=30,
                         headers={"Content-Type": "application/json"})


def assert_error(resp, status, field=None, code="INVALID_PARAMETER_VALUE"):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error_code"] == code, body
    if field:
        assert field in body["message"], body["message"]


@pytest.fixture
def run_id(url, experiment_id):
    r = post(url, "/runs/create", {"experiment_id": experiment_id})
    return r.json()["run"]["info"]["run_id"]


def test_malformed_json(url):
    r = post(url, "/experiments/create", data=b'{"name": "x",')
    assert_error(r, 400, "Malformed JSON")
    r = post(url, "/experiments/create", data=b"[1, 2]")
    assert_error(r, 400, "JSON object")


def test_wrong_types_name_the_field(url, run_id):
    assert_error(post(url, "/experiments/create", {"name": ["x"]}), 400, "'name'")
    assert_error(post(url, "/runs/log-metric",
                      {"run_id": run_id, "key": "m", "value": "abc", "timestamp": 1}),
                 400, "value")
    assert_error(post(url, "/runs/log-batch",
                      {"run_id": run_id, "metrics": [{"key": "m", "value": 1,
                                                      "timestamp": "soon"}]}),
                 400, "metrics[0].timestamp")
    assert_error(post(url, "/runs/log-batch", {"run_id": run_id, "params": "nope"}),
                 400, "'params'")
    assert_error(post(url, "/runs/search", {"experiment_ids": [1, 2]}), 400,
                 "'experiment_ids'")


def test_missing_fields(url, run_id):
    assert_error(post(url, "/experiments/create", {}), 400, "'name'")
    assert_error(post(url, "/runs/log-parameter", {"run_id": run_id, "value": "1"}),
                 400, "'key'")
    assert_error(post(url, "/runs/log-batch", {}), 400, "'run_id'")


def test_unknown_ids(url):
    assert_error(post(url, "/runs/log-metric", {"run_id": uuid.uuid4().hex, "key": "m",
                                                "value": 1, "timestamp": 1}),
                 404, code="RESOURCE_DOES_NOT_EXIST")
    r = requests.get(url + API + "/experiments/get", params={"experiment_id": "999999"},
                     timeout=10)
    assert_error(r, 404, code="RESOURCE_DOES_NOT_EXIST")
    r = requests.get(url + API + "/experiments/get", params={"experiment_id": "1; DROP"},
                     timeout=10)
    assert r.status_code == 404


def test_bad_batch_item_leaves_nothing(url, run_id):
    body = {"run_id": run_id,
            "metrics": [{"key": "ok", "value": 1, "timestamp": 1},
                        {"key": "../escape", "value": 2, "timestamp": 1}]}
    assert_error(post(url, "/runs/log-batch", body), 400, "metrics[1].key")
    r = requests.get(url + API + "/runs/get", params={"run_id": run_id}, timeout=10)
    assert "metrics" not in r.json()["run"]["data"]


def test_injection_is_stored_literally(url, experiment_id, run_id):
    evil = "x'); DROP TABLE runs; --"
    r = post(url, "/runs/log-parameter", {"run_id": run_id, "key": "evil", "value": evil})
    assert r.status_code == 200
    found = post(url, "/runs/search", {"experiment_ids": [experiment_id],
                                       "filter": f"params.evil = \"{evil}\""})
    assert found.status_code == 200, found.text
    assert [x["info"]["run_id"] for x in found.json()["runs"]] == [run_id]
    for hostile in ["params.x = 'a' OR 1=1", "metrics.`a; DROP TABLE runs` > 1",
                    "params.x = 'unterminated", "tags.t IN ()", "\x00", "a" * 10000]:
        r = post(url, "/runs/search", {"experiment_ids": [experiment_id],
                                       "filter": hostile})
        assert r.status_code in (200, 400), (hostile, r.text)
    r = requests.get(url + API + "/runs/get", params={"run_id": run_id}, timeout=10)
    assert r.status_code == 200  # the runs table is still there


def test_huge_body_is_413_and_server_survives(url):
    big = b'{"name": "' + b"x" * (80 * 1024 * 1024) + b'"}'
    try:
        r = post(url, "/experiments/create", data=big)
        assert r.status_code == 413
        assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    except requests.ConnectionError:
        pass  # the server may close the connection before reading it all
    assert requests.get(url + "/healthz", timeout=10).status_code == 200


def test_path_traversal_on_artifact_proxy(url, tmp_path):
    base = url + "/api/2.0/mlflow-artifacts/artifacts/"
    for path in ["../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "a/%2e%2e/%2e%2e/x",
                 "%2Fetc%2Fpasswd", "a\\..\\..\\x"]:
        r = requests.get(base + path, timeout=10)
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert "root:" not in r.text
        r = requests.put(base + path, data=b"owned", timeout=10)
        assert 400 <= r.status_code < 500, (path, r.status_code)
    r = requests.get(url + "/api/2.0/mlflow-artifacts/artifacts",
                     params={"path": "../.."}, timeout=10)
    assert r.status_code == 400


def test_raw_garbage_does_not_kill_server(url):
    host, port = url.replace("http://", "").split(":")
    for payload in [b"\x00\xff" * 1000, b"GET / HTTP/9.9\r\n\r\n",
                    b"POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nContent-Length: -5\r\n\r\n"]:
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(payload)
            try:
                s.recv(4096)
            except OSError:
                pass
    assert requests.get(url + "/healthz", timeout=10).status_code == 200


def test_metrics_endpoint_counts_routes(url):
    requests.get(url + "/healthz", timeout=10)
    text = requests.get(url + "/metrics", timeout=10).text
    assert 'ferry_http_requests_total{route="/healthz",method="GET",status="200"}' in text
    assert "ferry_http_request_duration_seconds_bucket" in text
