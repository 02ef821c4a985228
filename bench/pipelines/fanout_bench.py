"""Scheduler overhead: a 1,000-step fan-out/fan-in pipeline of no-op steps
(start -> 998 parallel steps -> end), run by `ferry pipeline run`, by a
`ferry server` (every step recorded in SQLite and tracked as a child run),
by Prefect's local runner and by Apache Airflow's `airflow dags test` on this
machine, in one run. Airflow runs a DAG's tasks one at a time in `dags test`
(about a second each here), so it gets a smaller DAG of the same shape
(--airflow-steps, default 100) and is compared per step.

Ferry's steps are processes (`true`): what a step costs there includes fork and
exec. Prefect is measured two ways: tasks that return at once (its pure
orchestration cost), and tasks that run the same `true` process (like for
like). Prints seconds per run, ms per step and the ratios.

    python3 bench/pipelines/fanout_bench.py --ferry build/release/ferry \
        [--prefect-python /tmp/prefectvenv/bin/python] \
        [--airflow /tmp/airflowvenv/bin/airflow --airflow-steps 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import urllib.request
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

STEPS = 1000  # start + 998 + end

PREFECT_FLOW = textwrap.dedent("""
    import subprocess, sys, time
    from prefect import flow, task
    from prefect.task_runners import ThreadPoolTaskRunner

    SPAWN = sys.argv[1] == "process"

    @task
    def step(*upstream):
        if SPAWN:
            subprocess.run(["true"], check=True)

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=int(sys.argv[2])), log_prints=False)
    def fan():
        start = step.submit()
        middle = [step.submit(start) for _ in range({middle})]
        step.submit(*middle).result()

    began = time.perf_counter()
    fan()
    print(time.perf_counter() - began)
""").replace("{middle}", str(STEPS - 2))


def write_pipeline(folder: Path) -> Path:
    lines = ["name: fan\nsteps:\n  - {name: start, run: [\"true\"]}\n"]
    lines += [f"  - {{name: s{i}, run: [\"true\"], needs: [start]}}\n" for i in range(STEPS - 2)]
    lines.append("  - name: end\n    run: [\"true\"]\n    needs: [" +
                 ", ".join(f"s{i}" for i in range(STEPS - 2)) + "]\n")
    path = folder / "fan.yaml"
    path.write_text("".join(lines))
    return path


def time_ferry(binary: str, folder: Path, parallel: int) -> float:
    began = time.perf_counter()
    out = subprocess.run([binary, "pipeline", "run", "fan.yaml", "--no-cache", "--parallel", str(parallel)],
                         cwd=folder, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if out.returncode != 0:
        sys.exit(f"ferry failed: {out.stderr}")
    return elapsed


def _call(url: str, method: str, body=None) -> dict:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)


def time_ferry_server(binary: str, folder: Path, parallel: int, repeats: int) -> list[float]:
    """Server runs: from the run's creation to its end, as the server records them."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([binary, "server", "--port", str(port), "--grpc-port", "-1", "--quiet",
                               "--data-dir", str(folder / "server"), "--pipeline-parallel", str(parallel)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        text = (folder / "fan.yaml").read_text().replace("name: fan", "name: fan-server", 1)
        _call(url + "/api/v1/pipelines", "PUT", {"yaml": text, "workspace": str(folder)})
        out = []
        for _ in range(repeats):
            run = _call(url + "/api/v1/pipelines/fan-server/runs", "POST", {})["run"]
            while run["state"] in ("queued", "running"):
                time.sleep(0.05)
                run = _call(url + f"/api/v1/pipeline-runs/{run['run_id']}", "GET")["run"]
            if run["state"] != "succeeded":
                sys.exit(f"server run {run['state']}: {run['error']}")
            out.append((run["end_time"] - run["created_time"]) / 1000)
        return out
    finally:
        server.terminate()
        server.wait(timeout=60)


AIRFLOW_DAG = textwrap.dedent("""
    import os
    from datetime import datetime
    from airflow.sdk import DAG, task

    N = int(os.environ["FAN_STEPS"])

    @task
    def step():
        return None

    with DAG("fan", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
        start = step.override(task_id="start")()
        middle = [step.override(task_id=f"s{i}")() for i in range(N - 2)]
        end = step.override(task_id="end")()
        start >> middle >> end
""")


def time_airflow(airflow: str, folder: Path, steps: int) -> float:
    """`airflow dags test` of the fan-out (no-op Python tasks): the DAG run's
    own duration as Airflow logs it (run_duration=...)."""
    home = folder / "airflow-home"
    (home / "dags").mkdir(parents=True, exist_ok=True)
    (home / "dags" / "fan.py").write_text(AIRFLOW_DAG)
    env = dict(os.environ, AIRFLOW_HOME=str(home), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"), FAN_STEPS=str(steps))
    if not (home / "airflow.db").exists():
        subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, check=True)
    out = subprocess.run([airflow, "dags", "test", "fan"], env=env, capture_output=True, text=True)
    text = out.stdout + out.stderr
    if out.returncode != 0 or "run_duration=" not in text:
        sys.exit(f"airflow failed: {text[-2000:]}")
    return float(text.split("run_duration=")[-1].split(",")[0])


def time_prefect(python: str, folder: Path, mode: str, parallel: int) -> float:
    script = folder / "prefect_fan.py"
    script.write_text(PREFECT_FLOW)
    env = dict(os.environ, PREFECT_HOME=str(folder / "prefect-home"), PREFECT_LOGGING_LEVEL="ERROR",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    out = subprocess.run([python, str(script), mode, str(parallel)], cwd=folder, capture_output=True,
                         text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"prefect failed: {out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--ferry", default="build/release/ferry")
    p.add_argument("--prefect-python", default="")
    p.add_argument("--airflow", default="", help="the airflow command of a venv with apache-airflow")
    p.add_argument("--airflow-steps", type=int, default=100)
    p.add_argument("--parallel", type=int, default=os.cpu_count() or 2)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_pipeline(folder)
        results = {"ferry": [time_ferry(os.path.abspath(a.ferry), folder, a.parallel) for _ in range(a.repeats)]}
        results["ferry server (tracked)"] = time_ferry_server(os.path.abspath(a.ferry), folder, a.parallel,
                                                              a.repeats)
        if a.prefect_python:
            for mode in ("noop", "process"):
                results[f"prefect ({mode} tasks)"] = [time_prefect(a.prefect_python, folder, mode, a.parallel)
                                                      for _ in range(a.repeats)]
        if a.airflow:
            results["airflow dags test"] = [time_airflow(a.airflow, folder, a.airflow_steps)
                                            for _ in range(a.repeats)]
    steps = {name: a.airflow_steps if name.startswith("airflow") else STEPS for name in results}
    ferry = statistics.median(results["ferry"]) / STEPS
    print(f"{STEPS}-step fan-out/fan-in (Airflow: {a.airflow_steps} steps), parallel {a.parallel}, "
          f"median of {a.repeats}")
    for name, runs in results.items():
        m = statistics.median(runs)
        per_step = m / steps[name]
        ratio = "" if name == "ferry" else f"  ({per_step / ferry:.1f}x Ferry's time per step)"
        print(f"  {name:26s} {m:7.3f} s for {steps[name]:4d}  {1000 * per_step:7.2f} ms/step{ratio}")


if __name__ == "__main__":
    main()
