"""bench/serving: the same XGBoost model (200 trees, depth 6, 30 float
features) and the same scikit-learn model served by
  (a) Ferry (`ferry server`, /api/v1/deployments/<name>/invocations),
  (b) FastAPI + uvicorn + joblib (fastapi_app.py, --peer-workers processes),
  (c) `mlflow models serve` (--peer-workers workers, --env-manager local),
and (d) the in-process limit: the model's own predict in a loop (Python), and
Ferry's backend and runner called directly (C++, ferry_serving_bench).
Every server gets the same bytes ({"inputs": [[30 floats], ...]}, 1 or 64
rows) from wrk at 1, 16 and 64 connections, one server at a time, on
loopback. Ferry's p99 at half its peak single-row load is measured with
vegeta at a constant rate. Prints a table and the ratios; --json writes them.

    bench/serving/setup.sh && python3 bench/serving/bench.py [--duration 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FEATURES = 30
ROWS = (1, 64)
CONNECTIONS = (1, 16, 64)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


# Every peer predicts on one OpenMP thread per process, as Ferry's backend
# does (nthread=1 per instance): with OpenMP's default of one thread per core,
# two server processes on two cores spin against each other (measured: 18
# requests/s for FastAPI + xgboost at one connection).
PEER_ENV = {"OMP_NUM_THREADS": "1"}


def start(cmd, env=None, cwd=None, log=None) -> subprocess.Popen:
    return subprocess.Popen(cmd, env={**os.environ, **PEER_ENV, **(env or {})}, cwd=cwd,
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)


# --- models -------------------------------------------------------------------------------

def train(work: Path) -> dict:
    import joblib
    import mlflow
    import xgboost
    from sklearn.ensemble import RandomForestClassifier
    rng = np.random.default_rng(0)
    x = rng.random((10000, FEATURES), dtype=np.float32)
    y = ((x[:, 0] + x[:, 1] * x[:, 2] - x[:, 3]) > 0.3).astype(np.float32)
    booster = xgboost.train({"objective": "binary:logistic", "max_depth": 6, "nthread": 2},
                            xgboost.DMatrix(x, label=y), 200)
    # Saved with one thread per prediction, as Ferry runs it: the peers load
    # this setting (an xgboost Booster's nthread overrides OMP_NUM_THREADS).
    booster.set_param({"nthread": 1})
    forest = RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0,
                                    n_jobs=1).fit(x, y)
    models = {}
    for name, model in (("xgboost", booster), ("sklearn", forest)):
        joblib.dump(model, work / f"{name}.joblib")
        package = work / f"{name}-mlflow"
        if name == "xgboost":
            mlflow.xgboost.save_model(model, str(package), input_example=x[:2])
        else:
            mlflow.sklearn.save_model(model, str(package), input_example=x[:2],
                                      skops_trusted_types=["sklearn.tree._tree.Tree"])
        models[name] = {"joblib": work / f"{name}.joblib", "package": package}
    return models


def bodies(work: Path) -> dict:
    rng = np.random.default_rng(1)
    out = {}
    for rows in ROWS:
        path = work / f"body-{rows}.json"
        path.write_text(json.dumps({"inputs": rng.random((rows, FEATURES)).round(6).tolist()}))
        out[rows] = path
    return out


# --- load ---------------------------------------------------------------------------------

def wrk(port: int, path: str, body: Path, connections: int, seconds: int) -> dict:
    env = {**os.environ, "BENCH_BODY_FILE": str(body), "BENCH_PATH": path}
    threads = str(min(connections, 2))
    base = ["wrk", "-t", threads, "-c", str(connections), "-s", str(HERE / "post.lua"),
            f"http://127.0.0.1:{port}"]
    subprocess.run(base[:5] + ["-d", "1s"] + base[5:], env=env, capture_output=True)  # warm-up
    out = subprocess.run(base[:5] + ["-d", f"{seconds}s", "--latency"] + base[5:], env=env,
                         capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError("wrk printed no result:\n" + out.stdout + out.stderr)


def vegeta(port: int, path: str, body: Path, rate: int, seconds: int) -> dict:
    binary = shutil.which("vegeta") or str(Path.home() / "go" / "bin" / "vegeta")
    target = f"POST http://127.0.0.1:{port}{path}\nContent-Type: application/json\n@{body}\n"
    attack = subprocess.run([binary, "attack", f"-rate={rate}/s", f"-duration={seconds}s",
                             "-max-workers=64"], input=target.encode(), capture_output=True)
    report = subprocess.run([binary, "report", "-type=json"], input=attack.stdout,
                            capture_output=True)
    r = json.loads(report.stdout)
    return {"rate": rate, "throughput": r["throughput"], "success": r["success"],
            "p50_us": r["latencies"]["50th"] / 1e3, "p99_us": r["latencies"]["99th"] / 1e3,
            "max_us": r["latencies"]["max"] / 1e3, "status_codes": r["status_codes"]}


def sweep(port: int, path: str, bodies_: dict, seconds: int) -> dict:
    out = {}
    for rows in ROWS:
        for c in CONNECTIONS:
            r = wrk(port, path, bodies_[rows], c, seconds)
            out[f"{rows}x{c}"] = r
            print(f"    rows={rows:<3} conns={c:<3} {r['rps']:>9.0f} req/s  p50 {r['p50_us']:>7} us"
                  f"  p99 {r['p99_us']:>7} us  failed {r['failed'] + r['socket_errors']}",
                  flush=True)
    return out


# --- systems ------------------------------------------------------------------------------

def run_ferry(work: Path, models: dict, bodies_: dict, seconds: int) -> dict:
    import mlflow
    binary = os.environ.get("FERRY_BIN", str(REPO / "build/release/ferry"))
    port = free_port()
    log = open(work / "ferry.log", "wb")
    proc = start([binary, "server", "--port", str(port), "--grpc-port", "-1", "--quiet",
                  "--data-dir", str(work / "ferry-data")],
                 env={"PYTHONPATH": str(REPO / "python")}, log=log)
    results = {}
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz", proc)
        mlflow.set_tracking_uri(f"http://127.0.0.1:{port}")
        client = mlflow.MlflowClient()
        for name, m in models.items():
            with mlflow.start_run() as run:
                mlflow.log_artifacts(str(m["package"]), "model")
            client.create_registered_model(name)
            client.create_model_version(name, f"runs:/{run.info.run_id}/model", run.info.run_id)
            spec = {"name": name, "model": f"{name}/1",
                    "batching": {"instances": 2, "max_batch_size": 256},
                    "payload_log": {"sample_rate": 0}}
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/deployments",
                                         data=json.dumps(spec).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=120).read()
        for name in models:
            print(f"  ferry / {name}", flush=True)
            path = f"/api/v1/deployments/{name}/invocations"
            results[name] = sweep(port, path, bodies_, seconds)
            peak = max(results[name][f"1x{c}"]["rps"] for c in CONNECTIONS)
            half = vegeta(port, path, bodies_[1], int(peak / 2), max(seconds * 2, 10))
            results[name]["half_load"] = half
            print(f"    half of peak ({half['rate']}/s): p50 {half['p50_us']:.0f} us, "
                  f"p99 {half['p99_us']:.0f} us, success {half['success']:.4f}", flush=True)
    finally:
        stop(proc)
    return results


PEER_WORKERS = 1  # set from --peer-workers


def run_fastapi(work: Path, models: dict, bodies_: dict, seconds: int) -> dict:
    results = {}
    for name, m in models.items():
        port = free_port()
        proc = start([sys.executable, "-m", "uvicorn", "fastapi_app:app", "--port", str(port),
                      "--workers", str(PEER_WORKERS), "--log-level", "warning",
                      "--no-access-log"],
                     env={"BENCH_MODEL": str(m["joblib"])}, cwd=str(HERE),
                     log=open(work / f"fastapi-{name}.log", "wb"))
        try:
            wait_ready(f"http://127.0.0.1:{port}/docs", proc)
            print(f"  fastapi / {name}", flush=True)
            results[name] = sweep(port, "/invocations", bodies_, seconds)
        finally:
            stop(proc)
    return results


def run_mlflow(work: Path, models: dict, bodies_: dict, seconds: int) -> dict:
    results = {}
    for name, m in models.items():
        port = free_port()
        proc = start([sys.executable, "-m", "mlflow", "models", "serve", "-m", str(m["package"]),
                      "-p", str(port), "-w", str(PEER_WORKERS), "--env-manager", "local"],
                     log=open(work / f"mlflow-{name}.log", "wb"))
        try:
            wait_ready(f"http://127.0.0.1:{port}/ping", proc, timeout=180)
            print(f"  mlflow models serve / {name}", flush=True)
            results[name] = sweep(port, "/invocations", bodies_, seconds)
        finally:
            stop(proc)
    return results


def run_inprocess(models: dict) -> dict:
    out = {}
    for name, m in models.items():
        r = subprocess.run([sys.executable, str(HERE / "inprocess.py"), str(m["joblib"])],
                           capture_output=True, text=True, check=True,
                           env={**os.environ, **PEER_ENV})
        out[name] = {"python": json.loads(r.stdout.split("BENCH_JSON ", 1)[1])}
    bench = REPO / "build/release/bench/serving/ferry_serving_bench"
    if bench.exists():
        r = subprocess.run([str(bench), "--benchmark_format=json", "--benchmark_min_time=1"],
                           env={**os.environ, "BENCH_PACKAGE": str(models["xgboost"]["package"])},
                           capture_output=True, text=True, check=True)
        for b in json.loads(r.stdout)["benchmarks"]:
            out["xgboost"].setdefault("ferry_cpp", {})[b["name"]] = b["real_time"] / 1e3  # ns → us
    return out


def ratios(results: dict) -> dict:
    out = {}
    for peer in ("fastapi", "mlflow"):
        for model, runs in results["ferry"].items():
            for key, r in runs.items():
                if key == "half_load" or model not in results.get(peer, {}):
                    continue
                other = results[peer][model][key]["rps"]
                out[f"{model} {key} ferry/{peer}"] = r["rps"] / other if other else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--json", help="write all results here")
    parser.add_argument("--skip", default="", help="comma list of systems to skip")
    parser.add_argument("--peer-workers", type=int, default=1,
                        help="worker processes of the Python peers (uvicorn, mlflow); with 2 "
                             "workers both answered ~45 ms slower at low concurrency here")
    args = parser.parse_args()
    global PEER_WORKERS
    PEER_WORKERS = args.peer_workers
    skip = set(filter(None, args.skip.split(",")))
    work = Path(tempfile.mkdtemp(prefix="ferry-bench-serving-"))
    print(f"work dir {work}; {os.cpu_count()} CPUs; wrk threads = min(connections, 2); "
          f"peer workers {PEER_WORKERS}")
    models = train(work)
    bodies_ = bodies(work)
    results = {"inprocess": run_inprocess(models)}
    print("in-process:", json.dumps(results["inprocess"]))
    for system, fn in (("ferry", run_ferry), ("fastapi", run_fastapi), ("mlflow", run_mlflow)):
        if system not in skip:
            results[system] = fn(work, models, bodies_, args.duration)
    results["ratios"] = ratios(results)
    print("\nthroughput ratios (requests/s):")
    for k, v in results["ratios"].items():
        print(f"  {k:<40} {v:8.1f}x" if v else f"  {k:<40} -")
    cpp = results["inprocess"].get("xgboost", {}).get("ferry_cpp", {})
    if "ferry" in results and "BM_ModelPredict/1/real_time" in cpp:
        p50 = results["ferry"]["xgboost"]["1x1"]["p50_us"]
        limit = cpp["BM_ModelPredict/1/real_time"]
        results["overhead_us"] = p50 - limit
        print(f"\nFerry per-request overhead (xgboost, 1 row, 1 connection): p50 {p50} us - "
              f"in-process predict {limit:.1f} us = {p50 - limit:.1f} us")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
