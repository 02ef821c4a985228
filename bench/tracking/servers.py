"""Starting and stopping the servers under test, and their database stores.

Only one server runs at a time; each phase of each system gets a fresh
database (SQLite file, or its own PostgreSQL database on one local cluster).
"""

import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- stores -----------------------------------------------------------------


class SqliteStore:
    name = "sqlite"

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "sqlite")
        os.makedirs(self.dir, exist_ok=True)

    def _path(self, db):
        return os.path.join(self.dir, db + ".db")

    def reset(self, db):
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.remove(self._path(db) + suffix)
            except FileNotFoundError:
                pass

    def uri(self, db, system):
        # SQLAlchemy (MLflow) spells an absolute path sqlite:////abs/x.db;
        # Ferry reads everything after "sqlite://" as the path: sqlite:///abs/x.db.
        if system == "ferry":
            return "sqlite://" + self._path(db)
        return "sqlite:///" + self._path(db)

    def connect(self, db):
        conn = sqlite3.connect(self._path(db), timeout=60)
        return conn

    def db_pid(self):
        return None  # in-process

    def stop(self):
        pass


class PostgresStore:
    """One local PostgreSQL cluster (tests/util/postgres.sh), a database per phase."""

    name = "postgres"

    def __init__(self, workdir, url=None):
        import psycopg2  # noqa: F401  (fail early with a clear message)

        self.dir = os.path.join(workdir, "pg")
        self.started = False
        if url is None:
            script = os.path.join(REPO, "tests", "util", "postgres.sh")
            out = subprocess.run(
                ["bash", script, "start", self.dir], check=True, capture_output=True, text=True
            ).stdout
            line = [l for l in out.splitlines() if "FERRY_TEST_POSTGRES_URL=" in l][-1]
            url = line.split("=", 1)[1].strip().strip("'\"")
            self.started = True
        self.admin_url = url  # postgresql://ferry@127.0.0.1:PORT/ferry
        self.base = url.rsplit("/", 1)[0]

    def _admin(self, sql):
        import psycopg2

        conn = psycopg2.connect(self.admin_url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def reset(self, db):
        self._admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{db}"')

    def uri(self, db, system=None):
        if system == "mlflow":
            # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3; the
            # benchmark installs psycopg2-binary (requirements.txt).
            return f"{self.base.replace('postgresql://', 'postgresql+psycopg2://', 1)}/{db}"
        return f"{self.base}/{db}"

    def db_pid(self):
        """The postmaster's pid (its backends are its children), for CPU accounting."""
        try:
            with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def connect(self, db):
        import psycopg2

        return psycopg2.connect(self.uri(db, "ferry"))

    def stop(self):
        if self.started:
            script = os.path.join(REPO, "tests", "util", "postgres.sh")
            subprocess.run(["bash", script, "stop", self.dir], check=False, capture_output=True)


# --- servers ----------------------------------------------------------------


class Server:
    """A server process started in its own session (so its workers go with it)."""

    name = "?"
    health = "/health"

    def __init__(self, workdir):
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.log = None

    def command(self, store_uri, artifacts):
        raise NotImplementedError

    def env(self):
        return dict(os.environ)

    def start(self, store_uri, tag, timeout=180):
        self.port = free_port()
        artifacts = os.path.join(self.workdir, "artifacts", f"{self.name}-{tag}")
        os.makedirs(artifacts, exist_ok=True)
        os.makedirs(os.path.join(self.workdir, "logs"), exist_ok=True)
        self.log = os.path.join(self.workdir, "logs", f"{self.name}-{tag}.log")
        cmd = self.command(store_uri, artifacts)
        self.cmdline = " ".join(cmd)
        with open(self.log, "ab") as log:
            log.write(("\n$ " + self.cmdline + "\n").encode())
            log.flush()
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env(), cwd=self.workdir,
                start_new_session=True,
            )
        deadline = time.time() + timeout
        url = f"http://127.0.0.1:{self.port}{self.health}"
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return self.port
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.name} did not become healthy in {timeout}s; see {self.log}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                rc = self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                rc = self.proc.wait()
        self.proc = None
        return rc


class FerryServer(Server):
    name = "ferry"
    health = "/healthz"

    def __init__(self, workdir, binary):
        super().__init__(workdir)
        self.binary = binary

    def command(self, store_uri, artifacts):
        return [self.binary, "server", "--host", "127.0.0.1", "--port", str(self.port),
                "--grpc-port", "-1", "--store", store_uri, "--artifacts", artifacts, "--quiet"]


class MlflowServer(Server):
    name = "mlflow"
    health = "/health"

    def __init__(self, workdir, workers=2):
        super().__init__(workdir)
        self.workers = workers

    def command(self, store_uri, artifacts):
        return ["mlflow", "server", "--host", "127.0.0.1", "--port", str(self.port),
                "--backend-store-uri", store_uri, "--artifacts-destination", artifacts,
                "--workers", str(self.workers)]

    def env(self):
        env = dict(os.environ)
        # The background job runner (huey consumers for GenAI jobs) plays no
        # part in tracking; off, it leaves the two cores to the request workers.
        env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
        return env
