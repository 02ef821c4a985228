"""kill -9 while clients log: every metric the server acknowledged (HTTP 200)
is there after a restart on the same store, on both stores. Ferry only: it
promises that a write answered 200 is durable (group commit, fsync)."""

from __future__ import annotations

import threading

import pytest
import requests

from harness import SERVER, STORES, ServerProcess, free_port

pytestmark = pytest.mark.skipif(SERVER != "ferry",
                                reason="kill -9 durability is a Ferry guarantee under test")

API = "/api/2.0/mlflow"
WORKERS = 4
KILL_AFTER_ACKS = 400  # acknowledged requests before the power cut


class Acks:
    """The metrics the server acknowledged, shared by the writer threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.metrics: list[tuple[str, int, float, int]] = []
        self.requests = 0
        self.enough = threading.Event()

    def add(self, metrics):
        with self.lock:
            self.metrics.extend((m["key"], m["step"], float(m["value"]), m["timestamp"])
                                for m in metrics)
            self.requests += 1
            if self.requests >= KILL_AFTER_ACKS:
                self.enough.set()


def writer(url, run_id, worker, acks, stop, errors):
    """Logs metrics (log-batch and log-metric, alternately) until the server
    dies; records every acknowledged one."""
    session = requests.Session()
    key = f"w{worker}"
    n = 0
    while not stop.is_set():
        n += 1
        if n % 2:
            metrics = [{"key": key, "value": n + i / 10, "timestamp": 1000 + n,
                        "step": n * 10 + i} for i in range(10)]
            path, body = "/runs/log-batch", {"run_id": run_id, "metrics": metrics}
        else:
            metrics = [{"key": key, "value": float(n), "timestamp": 1000 + n, "step": n * 10}]
            path, body = "/runs/log-metric", {"run_id": run_id, **metrics[0]}
        try:
            r = session.post(url + API + path, json=body, timeout=30)
        except requests.RequestException:
            return  # the server is gone
        if r.status_code == 200:
            acks.add(metrics)
        else:
            errors.append((r.status_code, r.text[:300]))
            return


def stored_history(url, run_id):
    stored = set()
    for worker in range(WORKERS):
        r = requests.get(url + API + "/metrics/get-history", timeout=60,
                         params={"run_id": run_id, "metric_key": f"w{worker}"})
        assert r.status_code == 200, r.text
        stored |= {(m["key"], m["step"], float(m["value"]), m["timestamp"])
                   for m in r.json().get("metrics", [])}
    return stored


@pytest.mark.parametrize("store", STORES)
def test_acknowledged_metrics_survive_kill_9(store, tmp_path):
    server = ServerProcess(store, tmp_path)
    server.start()
    try:
        exp = requests.post(server.url + API + "/experiments/create", timeout=30,
                            json={"name": "crash"}).json()["experiment_id"]
        run_id = requests.post(server.url + API + "/runs/create", timeout=30,
                               json={"experiment_id": exp}).json()["run"]["info"]["run_id"]
        acks, stop, errors = Acks(), threading.Event(), []
        threads = [threading.Thread(target=writer, daemon=True,
                                    args=(server.url, run_id, w, acks, stop, errors))
                   for w in range(WORKERS)]
        for t in threads:
            t.start()
        reached = acks.enough.wait(timeout=120)
        server.kill()  # SIGKILL mid-stream: the writers are still sending
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert not errors, f"writes refused before the kill: {errors[:3]}"
        assert reached, f"only {acks.requests} writes acknowledged:\n" + server.log_tail()
        acked = list(acks.metrics)

        server.port = free_port()  # the old port may linger in TIME_WAIT
        server.start()
        stored = stored_history(server.url, run_id)
        missing = [m for m in acked if m not in stored]
        assert not missing, (f"{len(missing)} of {len(acked)} acknowledged metrics lost, "
                             f"e.g. {missing[:5]}")
        # The restarted server is whole: the run is there and takes writes.
        r = requests.get(server.url + API + "/runs/get", params={"run_id": run_id}, timeout=30)
        assert r.status_code == 200 and r.json()["run"]["info"]["experiment_id"] == exp
        r = requests.post(server.url + API + "/runs/log-metric", timeout=30,
                          json={"run_id": run_id, "key": "after", "value": 1, "timestamp": 1})
        assert r.status_code == 200, r.text
        assert server.stop() == 0, "no clean exit on SIGTERM:\n" + server.log_tail()
    finally:
        server.stop()
        server.cleanup()
