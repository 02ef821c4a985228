"""Starting the server under test for the integration suite.

FERRY_TEST_SERVER picks it: "ferry" (default; the binary FERRY_BIN, default
build/release/ferry) or "mlflow" (the real `mlflow server`, the reference the
suite is validated against). Either runs on a free loopback port with a
metadata store that is "sqlite" (a file in a temp dir) or "postgres" (a fresh,
uniquely named database on the PostgreSQL server named by
FERRY_TEST_POSTGRES_URL; skipped when that is unset).
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Optional

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
STORES = ["sqlite", "postgres"]
SERVER = os.environ.get("FERRY_TEST_SERVER", "ferry").strip().lower()
if SERVER not in ("ferry", "mlflow"):
    raise pytest.UsageError(f"FERRY_TEST_SERVER must be 'ferry' or 'mlflow', not {SERVER!r}")

# Liveness path of the server under test (MLflow's own is /health).
HEALTH_PATH = "/healthz" if SERVER == "ferry" else "/health"
# Polled at start-up: Ferry's /readyz answers 200 once the metadata store does.
READY_PATH = "/readyz" if SERVER == "ferry" else "/health"
START_DEADLINE_S = 30 if SERVER == "ferry" else 180  # mlflow imports for ~15 s


def ferry_only(reason: str) -> None:
    """Marks the rest of a test as an expectation the real mlflow server is
    known not to meet (it 500s, or answers less precisely); Ferry must.
    FERRY_TEST_STRICT=1 runs those asserts against mlflow too."""
    if SERVER == "mlflow" and os.environ.get("FERRY_TEST_STRICT") != "1":
        pytest.xfail(f"mlflow server: {reason}")


def ferry_feature(what: str) -> None:
    """Skips a test of Ferry's own API, which mlflow does not have."""
    if SERVER != "ferry":
        pytest.skip(f"Ferry's own API ({what}), not part of MLflow's")


def wait_for(predicate, what: str, timeout: float = 60):
    """Polls `predicate` until it returns something truthy (returned) or
    fails the test after `timeout` seconds: for state reached asynchronously
    (a reload, a scrape, a log line), never as a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)  # polling interval, not synchronisation
    pytest.fail(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_url() -> Optional[str]:
    return os.environ.get("FERRY_TEST_POSTGRES_URL") or None


def new_postgres_database(base_url: str) -> str:
    """Creates a uniquely named database on base_url's server; returns its URL."""
    name = "ferry_it_" + uuid.uuid4().hex[:12]
    try:
        subprocess.run(["psql", base_url, "-v", "ON_ERROR_STOP=1", "-q",
                        "-c", f"CREATE DATABASE {name}"],
                       check=True, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        pytest.fail("psql is not installed (needed to create the test database)")
    except subprocess.CalledProcessError as e:
        pytest.fail(f"cannot create database {name} on {base_url}: {e.stderr}")
    return base_url.split("?", 1)[0].rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    """Drops the database new_postgres_database made (best effort)."""
    name = url.rsplit("/", 1)[1]
    admin = postgres_url()
    if not admin or not name.startswith("ferry_it_"):
        return
    subprocess.run(["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name}"],
                   capture_output=True, timeout=60)


def store_url(store: str, tmp: Path) -> str:
    if store == "postgres":
        base = postgres_url()
        if not base:
            pytest.skip("FERRY_TEST_POSTGRES_URL is not set "
                        "(eval \"$(tests/util/postgres.sh start DIR)\" starts one)")
        dialect = "postgresql"
        if SERVER == "mlflow":  # SQLAlchemy needs a driver: psycopg (3) or psycopg2
            for module in ("psycopg", "psycopg2"):
                try:
                    __import__(module)
                    dialect = "postgresql+" + module
                    break
                except ImportError:
                    pass
            else:
                pytest.skip("mlflow server on PostgreSQL needs psycopg2 or psycopg")
        url = new_postgres_database(base)
        return dialect + url[url.index(":"):]
    if SERVER == "ferry":
        return f"sqlite://{tmp / 'ferry.db'}"  # sqlite:///abs/path
    return f"sqlite:///{tmp / 'mlflow.db'}"


class ServerProcess:
    """One server process on a fixed port, restartable on the same store.

    `tmp` holds the server's log, its SQLite file and its artifact root
    (`artifacts`); the traversal tests put a sentinel beside them that no
    request may read or overwrite.
    """

    def __init__(self, store: str, tmp: Path, extra_args: Optional[list[str]] = None):
        self.store = store
        self.extra_args = extra_args or []
        self.tmp = tmp
        self.store_url = store_url(store, tmp)
        self.artifacts = tmp / "artifacts"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.log_path = tmp / "server.log"
        self.port = free_port()
        self.grpc_port = free_port()
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if SERVER == "ferry":
            binary = os.environ.get("FERRY_BIN", "build/release/ferry")
            path = Path(binary) if Path(binary).is_absolute() else REPO / binary
            if not path.exists():
                pytest.fail(f"ferry binary not found at {path}: build it "
                            "(scripts/build.sh release) or set FERRY_BIN")
            return [str(path), "server", "--host", "127.0.0.1", "--port", str(self.port),
                    "--grpc-port", str(self.grpc_port), "--store", self.store_url, "--artifacts", str(self.artifacts),
                    *self.extra_args]
        return [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", "1",
                "--backend-store-uri", self.store_url,
                "--artifacts-destination", str(self.artifacts)]

    def start(self) -> None:
        cmd = self.command()
        env = dict(os.environ)
        env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"  # no huey worker processes
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- start: {shlex.join(cmd)}\n".encode())
            log.flush()
            # Own process group: mlflow forks uvicorn workers, stop() ends them all.
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env,
                                         cwd=self.tmp, start_new_session=True)
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if requests.get(self.url + READY_PATH, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)  # polling interval, not synchronisation
        code = self.proc.poll()
        self.kill()
        pytest.fail(f"{SERVER} server did not become ready on {self.url}{READY_PATH} "
                    f"(exit code {code}); its log:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def healthy(self) -> bool:
        try:
            return requests.get(self.url + HEALTH_PATH, timeout=10).status_code == 200
        except requests.RequestException:
            return False

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL, no chance to flush anything (the crash test's power cut)."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM and wait; returns the exit code (0 for a clean drain)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(timeout=30)
            return -9
        self._signal_group(signal.SIGKILL)  # stragglers left by mlflow's launcher
        return code

    def cleanup(self) -> None:
        """After stop(): drops a PostgreSQL test database (a SQLite file goes
        with pytest's temp dirs)."""
        if self.store == "postgres" and (self.proc is None or self.proc.poll() is not None):
            drop_postgres_database(self.store_url)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text[-lines:])
