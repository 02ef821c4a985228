"""Starting real `ferry server` processes for the integration tests.

The `server` fixture is parametrised over the metadata stores: "sqlite" (a
file in a temp dir) and "postgres" (a fresh database on the PostgreSQL server
named by FERRY_TEST_POSTGRES_URL; skipped when that is unset). The binary is
FERRY_BIN (default build/release/ferry).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
STORES = ["sqlite", "postgres"]


def ferry_bin() -> str:
    return os.environ.get("FERRY_BIN", str(REPO / "build/release/ferry"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_url() -> Optional[str]:
    return os.environ.get("FERRY_TEST_POSTGRES_URL") or None


def new_postgres_database(base_url: str) -> str:
    """Creates a uniquely named database next to base_url's and returns its URL."""
    name = "ferry_it_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", base_url, "-q", "-c", f"CREATE DATABASE {name}"],
                   check=True, capture_output=True)
    return base_url.rsplit("/", 1)[0] + "/" + name


@dataclass
class FerryServer:
    """One running server process and how to reach and restart it."""
    store_url: str
    artifacts: Path
    log_path: Path
    port: int
    proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = ferry_bin()
        if not Path(binary).exists():
            pytest.fail(f"ferry binary not found at {binary}: build it or set FERRY_BIN")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "server", "--host", "127.0.0.1", "--port", str(self.port),
             "--store", self.store_url, "--artifacts", str(self.artifacts)],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if requests.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.kill()
        pytest.fail("ferry server did not become ready:\n" + self.log_tail())

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM and wait: returns the exit code."""
        if not self.proc:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text[-lines:])


def make_server(kind: str, tmp: Path) -> FerryServer:
    if kind == "postgres":
        base = postgres_url()
        if not base:
            pytest.skip("FERRY_TEST_POSTGRES_URL is not set (tests/util/postgres.sh starts one)")
        store = new_postgres_database(base)
    else:
        store = f"sqlite://{tmp / 'ferry.db'}"
    return FerryServer(store_url=store, artifacts=tmp / "artifacts",
                       log_path=tmp / "server.log", port=free_port())
