"""Fixtures: `server` starts the server under test (harness.py: FERRY_TEST_SERVER
= ferry | mlflow) once per session per metadata store ("sqlite", "postgres");
`client` is a real mlflow.MlflowClient pointed at it, and the fluent API
(mlflow.start_run, mlflow.log_*) is pointed there too. Tests isolate
themselves by creating uniquely named experiments.

FERRY_TEST_RECORD=FILE writes, at the end of the session, every REST call the
mlflow client itself made (method, path, query keys, JSON body keys, statuses)
as JSON: the exact surface the server must implement."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness import SERVER, STORES, ServerProcess

# Fail fast instead of the client's default 7 retries with exponential backoff
# when a server answers 5xx/429: a test must see the first answer.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")
# No usage telemetry from the client (and none of its /server-info probes).
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")


def pytest_report_header(config):
    return f"server under test: {SERVER}"


@pytest.fixture(scope="session", params=STORES)
def server(request, tmp_path_factory):
    srv = ServerProcess(request.param, tmp_path_factory.mktemp(f"{SERVER}-{request.param}"))
    srv.start()
    yield srv
    code = srv.stop()
    srv.cleanup()
    if SERVER == "ferry":
        assert code == 0, "ferry server did not exit cleanly on SIGTERM:\n" + srv.log_tail()


@pytest.fixture
def url(server) -> str:
    """The server's base URL; the fluent API (mlflow.start_run ...) points there."""
    import mlflow
    assert server.alive(), f"the {SERVER} server died:\n" + server.log_tail()
    mlflow.set_tracking_uri(server.url)
    return server.url


@pytest.fixture
def client(url):
    import mlflow
    return mlflow.MlflowClient(url)


@pytest.fixture
def experiment_id(client) -> str:
    return client.create_experiment(f"it-{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _no_active_run():
    """A test that fails inside `with mlflow.start_run()` must not leak its run."""
    yield
    import mlflow
    while mlflow.active_run() is not None:
        mlflow.end_run()


# --- recording the REST surface the mlflow client uses -----------------------

_calls: dict = defaultdict(lambda: {"query": set(), "body": set(), "status": set(), "n": 0})


def _from_mlflow_client() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name == "mlflow" or name.startswith("mlflow."):
            return True
        frame = frame.f_back
    return False


def _normalise(path: str) -> str:
    prefix = "/api/2.0/mlflow-artifacts/artifacts/"
    if path.startswith(prefix):
        return prefix + "{artifact_path}"
    return path


def _record(method, url, kwargs, resp):
    parts = urlsplit(url)
    entry = _calls[(method.upper(), _normalise(parts.path))]
    entry["n"] += 1
    entry["query"].update(k for k, _ in parse_qsl(parts.query))
    params = kwargs.get("params")
    if isinstance(params, dict):
        entry["query"].update(params)
    elif isinstance(params, (list, tuple)):
        entry["query"].update(k for k, _ in params)
    body = kwargs.get("json")
    if body is None and isinstance(kwargs.get("data"), (str, bytes)):
        try:
            body = json.loads(kwargs["data"])
        except ValueError:
            body = None
    if isinstance(body, dict):
        entry["body"].update(body)
    if resp is not None:
        entry["status"].add(resp.status_code)


def pytest_configure(config):
    # Noise from inside mlflow's dataset helpers, not about the server under test.
    config.addinivalue_line("filterwarnings", "ignore::UserWarning:mlflow\\..*")
    config.addinivalue_line("filterwarnings", "ignore:Starting with pandas version 4.0")
    path = os.environ.get("FERRY_TEST_RECORD")
    if not path:
        return
    import requests

    original = requests.Session.request

    def request(self, method, url, *args, **kwargs):
        resp = original(self, method, url, *args, **kwargs)
        if _from_mlflow_client():
            _record(method, url, kwargs, resp)
        return resp

    requests.Session.request = request


def pytest_unconfigure(config):
    path = os.environ.get("FERRY_TEST_RECORD")
    if not path or not _calls:
        return
    out = [{"method": m, "path": p, "calls": e["n"], "query": sorted(e["query"]),
            "json_body": sorted(e["body"]), "statuses": sorted(e["status"])}
           for (m, p), e in sorted(_calls.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
