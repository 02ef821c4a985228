"""Starts a real `ferry server` (SQLite store) on a free loopback port."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def ferry_url(tmp_path_factory):
    binary = os.environ.get("FERRY_BIN", str(REPO / "build/release/ferry"))
    if not Path(binary).exists():
        pytest.fail(f"ferry binary not found at {binary}; build it or set FERRY_BIN")
    data = tmp_path_factory.mktemp("ferry-sdk")
    port = _free_port()
    log = open(data / "server.log", "wb")
    proc = subprocess.Popen([binary, "server", "--port", str(port), "--grpc-port", "-1",
                             "--data-dir", str(data)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail("ferry server did not start:\n" + (data / "server.log").read_text())
        time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=30)
