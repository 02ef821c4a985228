"""Fixtures that start a real `ferry server` on a free loopback port (see
ferry_fixtures.py): `server` is parametrised over the SQLite and PostgreSQL
stores; `client` is a real mlflow.MlflowClient pointed at it."""

from __future__ import annotations

import uuid

import pytest

from ferry_fixtures import STORES, make_server


@pytest.fixture(scope="session", params=STORES)
def server(request, tmp_path_factory):
    srv = make_server(request.param, tmp_path_factory.mktemp(f"ferry-{request.param}"))
    srv.start()
    yield srv
    code = srv.stop()
    assert code == 0, "ferry server did not exit cleanly on SIGTERM:\n" + srv.log_tail()


@pytest.fixture
def url(server) -> str:
    return server.url


@pytest.fixture
def client(url):
    import mlflow
    mlflow.set_tracking_uri(url)
    return mlflow.MlflowClient(url)


@pytest.fixture
def experiment_id(client) -> str:
    return client.create_experiment(f"it-{uuid.uuid4().hex}")
