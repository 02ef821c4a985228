"""kill -9 while clients log: every metric the server acknowledged (200)
is there after a restart, on both stores."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from ferry_fixtures import STORES, make_server

API = "/api/2.0/mlflow"


def writer(url, run_id, worker, acked, stop):
    """Logs metrics until the server dies; records each acknowledged one."""
    session = requests.Session()
    step = 0
    while not stop.is_set():
        step += 1
        try:
            if step % 2:
                metrics = [{"key": f"w{worker}", "value": step + i / 10, "timestamp": 1000 + step,
                            "step": step * 10 + i} for i in range(10)]
                r = session.post(url + API + "/runs/log-batch", timeout=5,
                                 json={"run_id": run_id, "metrics": metrics})
            else:
                metrics = [{"key": f"w{worker}", "value": float(step), "timestamp": 1000 + step,
                            "step": step * 10}]
                r = session.post(url + API + "/runs/log-metric", timeout=5,
                                 json={"run_id": run_id, **metrics[0]})
        except requests.RequestException:
            return
        if r.status_code == 200:
            acked.extend((m["key"], m["step"], float(m["value"])) for m in metrics)


@pytest.mark.parametrize("store", STORES)
def test_acknowledged_metrics_survive_kill_9(store, tmp_path):
    server = make_server(store, tmp_path)
    server.start()
    exp = requests.post(server.url + API + "/experiments/create", timeout=10,
                        json={"name": "crash"}).json()["experiment_id"]
    run_id = requests.post(server.url + API + "/runs/create", timeout=10,
                           json={"experiment_id": exp}).json()["run"]["info"]["run_id"]
    acked, stop = [], threading.Event()
    threads = [threading.Thread(target=writer, args=(server.url, run_id, w, acked, stop))
               for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while len(acked) < 2000 and time.time() < deadline:
        time.sleep(0.01)
    server.kill()  # SIGKILL mid-stream
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acked) >= 500, "the writers barely wrote anything:\n" + server.log_tail()

    server.start()
    try:
        stored = set()
        for worker in range(4):
            r = requests.get(server.url + API + "/metrics/get-history", timeout=30,
                             params={"run_id": run_id, "metric_key": f"w{worker}"})
            assert r.status_code == 200, r.text
            stored |= {(m["key"], m["step"], float(m["value"])) for m in r.json()["metrics"]}
        missing = [m for m in acked if m not in stored]
        assert not missing, f"{len(missing)} acknowledged metrics lost, e.g. {missing[:5]}"
    finally:
        assert server.stop() == 0
