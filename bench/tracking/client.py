"""The client side of bench/tracking, identical for every server under test.

* `Api`: a keep-alive `http.client` connection speaking MLflow REST 2.0
  (set-up, verification, and the sequential search scenario).
* `run_wrk`: drives `wrk` with bench.lua (the concurrent load scenarios) and
  returns its summary, latency percentiles and per-client acknowledgements.
"""

import http.client
import json
import os
import shutil
import subprocess
import time
import urllib.parse

API = "/api/2.0/mlflow/"
HERE = os.path.dirname(os.path.abspath(__file__))
LUA = os.path.join(HERE, "bench.lua")


class ApiError(Exception):
    pass


class Api:
    def __init__(self, port, host="127.0.0.1", timeout=600):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def _connect(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def raw(self, method, path, body=None):
        """One request; returns (status, body bytes). Reconnects once on a dropped keep-alive."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (0, 1):
            conn = self._connect()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise

    def call(self, method, endpoint, payload=None, params=None):
        path = API + endpoint
        if params:
            path += "?" + urllib.parse.urlencode(params)
        body = json.dumps(payload).encode() if payload is not None else None
        status, data = self.raw(method, path, body)
        if status != 200:
            raise ApiError(f"{method} {endpoint} -> {status}: {data[:500]!r}")
        return json.loads(data) if data else {}

    def post(self, endpoint, payload):
        return self.call("POST", endpoint, payload)

    def get(self, endpoint, params):
        return self.call("GET", endpoint, params=params)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # --- helpers used by the scenarios -------------------------------------

    def create_experiment(self, name):
        return self.post("experiments/create", {"name": name})["experiment_id"]

    def create_run(self, experiment_id, name):
        resp = self.post(
            "runs/create",
            {"experiment_id": experiment_id, "run_name": name, "start_time": int(time.time() * 1000)},
        )
        return resp["run"]["info"]["run_id"]

    def metric_history_count(self, run_id, key):
        """Number of points stored for (run, key), following pagination."""
        count, token = 0, None
        while True:
            params = {"run_id": run_id, "metric_key": key, "max_results": 25000}
            if token:
                params["page_token"] = token
            resp = self.get("metrics/get-history", params)
            count += len(resp.get("metrics", []))
            token = resp.get("next_page_token")
            if not token:
                return count


def wrk_available():
    return shutil.which("wrk") is not None


def run_wrk(port, mode, clients, duration_s, run_ids=(), body=None, batch=1000, timeout_s=60,
            paths_file=None):
    """Runs wrk with one connection per thread for `duration_s` seconds.

    Returns the parsed BENCH_JSON from bench.lua plus `acked` (sum over
    clients) and `seconds`.
    """
    if not wrk_available():
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    env = dict(os.environ)
    env.update(
        BENCH_MODE=mode,
        BENCH_RUN_IDS=",".join(run_ids),
        BENCH_BATCH=str(batch),
        BENCH_BODY=body or "",
        BENCH_PATHS_FILE=paths_file or "",
    )
    cmd = [
        "wrk",
        f"-t{clients}",
        f"-c{clients}",
        f"-d{max(1, int(round(duration_s)))}s",
        f"--timeout={timeout_s}s",
        "-s",
        LUA,
        f"http://127.0.0.1:{port}/",
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration_s + timeout_s + 120)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed (rc={proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    res = json.loads(line[len("BENCH_JSON "):])
    res["acked"] = sum(t["acked"] for t in res["threads"])
    res["failed"] = sum(t["failed"] for t in res["threads"])
    res["seconds"] = res["duration_us"] / 1e6
    res["cmd"] = " ".join(cmd)
    return res
