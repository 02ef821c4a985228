#!/usr/bin/env python3
"""Ferry's web UI against MLflow's UI, in headless Chromium, on the same data.

Both servers run on SQLite side by side (loopback, ports 5401-5449), each
holding the same data:

* `--runs` runs x 10 metrics (m0..m9), 2 params, 3 tags, bulk-loaded into one
  experiment straight into each system's own schema (bench/tracking/populate.py,
  the same loader as the tracking benchmark's search scenario), and
* `--history-runs` runs (10) in the same experiment, each with `--steps`
  (10,000) steps of `loss` and `accuracy`, logged through each server's REST
  API (`/api/2.0/mlflow/runs/log-batch`, 1,000 metrics a call) and read back.

Then measure.mjs (playwright-core, /usr/bin/chromium) times, `--repeats`
times per system and view, each in a fresh browser context (cold HTTP cache):

1. runs table: navigation start -> first frame in which the first data row of
   the experiment's runs table shows a metric value;
2. comparison: navigation start -> first frame in which the 10 runs'
   histories of both metrics are drawn (each UI fetches and draws them its own
   way: Ferry thinned to 1,000 points a series, MLflow's metric page every
   point, MLflow's chart view 320 sampled points).

See README.md for the exact URLs, readiness conditions and caveats.

    python3 bench/ui/ui_bench.py --json-out /tmp/ui.json   # 100,000 runs, 5 repeats
    python3 bench/ui/ui_bench.py --runs 2000 --repeats 2    # quick check
"""

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # leave no __pycache__ in bench/tracking
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tracking"))

import populate  # noqa: E402
import servers  # noqa: E402
from bench import default_ferry_bin  # noqa: E402  (bench/tracking/bench.py)
from client import Api  # noqa: E402
from servers import REPO, FerryServer, MlflowServer, SqliteStore  # noqa: E402

PORTS = range(5401, 5450)
HISTORY_KEYS = ("loss", "accuracy")
HISTORY_SEED = 20261123
BATCH = 1000  # metrics per log-batch call (MLflow's limit)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def port_in_range():
    """The first free port of 5401-5449 (this benchmark's range)."""
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5401-5449")


servers.free_port = port_in_range  # Server.start() picks its port with it


class FerryUiServer(FerryServer):
    def __init__(self, workdir, binary, ui_dir):
        super().__init__(workdir, binary)
        self.ui_dir = ui_dir

    def command(self, store_uri, artifacts):
        return super().command(store_uri, artifacts) + ["--ui-dir", self.ui_dir]


# --- data ---------------------------------------------------------------------


def histories(n_runs, steps, after_ms, seed=HISTORY_SEED):
    """Deterministic training curves: [(name, start_ms, {key: [values]})].

    The runs start after every bulk-loaded run (`after_ms`), so they are the
    newest: first in the runs table (sorted by start time, newest first) and
    the 10 runs MLflow's chart view shows by default."""
    rng = random.Random(seed)
    out = []
    for i in range(n_runs):
        tau = 1500.0 + 250.0 * i
        floor = 0.05 + 0.01 * i
        loss, acc = [], []
        for s in range(steps):
            base = floor + 2.0 * math.exp(-s / tau)
            loss.append(base * (1.0 + 0.08 * (rng.random() - 0.5)))
            a = 0.97 - 0.01 * i - 0.85 * math.exp(-s / (tau * 0.8))
            acc.append(min(1.0, max(0.0, a + 0.02 * (rng.random() - 0.5))))
        start = after_ms + (i + 1) * 3600 * 1000
        out.append((f"hist-{i:02d}", start, {"loss": loss, "accuracy": acc}))
    return out


def log_histories(api, experiment_id, hist, steps):
    """Creates the history runs through the REST API and logs their metrics.
    Returns (run ids, seconds)."""
    t0 = time.time()
    ids = []
    for name, start, series in hist:
        rid = api.post("runs/create", {"experiment_id": str(experiment_id), "run_name": name,
                                       "start_time": start,
                                       "tags": [{"key": "mlflow.user", "value": "bench"}]}
                       )["run"]["info"]["run_id"]
        points = [(k, s, v) for k in HISTORY_KEYS for s, v in enumerate(series[k])]
        for i in range(0, len(points), BATCH):
            api.post("runs/log-batch", {"run_id": rid, "metrics": [
                {"key": k, "value": v, "timestamp": start + s * 100, "step": s}
                for k, s, v in points[i:i + BATCH]]})
        api.post("runs/update", {"run_id": rid, "status": "FINISHED",
                                 "end_time": start + steps * 100})
        ids.append(rid)
    return ids, time.time() - t0


def verify_histories(api, ids, steps):
    for rid in ids:
        for key in HISTORY_KEYS:
            n = api.metric_history_count(rid, key)
            if n != steps:
                raise RuntimeError(f"run {rid} {key}: {n} points stored, {steps} logged")


def prepare(system, server, store, runs, hist, args):
    """Fresh database, experiment created by the server, bulk load, histories via
    REST. Leaves the server running; returns what measure.mjs needs."""
    db = f"ui_{system}"
    store.reset(db)
    uri = store.uri(db, system)
    server.start(uri, "ui")
    try:
        api = Api(server.port)
        exp = api.create_experiment("bench-ui")
        # What MLflow 3 records when a user marks an experiment as model
        # training (not GenAI); its UI then opens the runs view for it.
        api.post("experiments/set-experiment-tag", {"experiment_id": str(exp),
                                                    "key": "mlflow.experimentKind",
                                                    "value": "custom_model_development"})
        api.close()
    finally:
        server.stop()
    t0 = time.time()
    counts = populate.load(system, store, db, runs, exp)
    load_s = time.time() - t0
    log(f"{system}: bulk-loaded {counts['runs']} runs, {counts['metrics']} metrics in {load_s:.1f}s")
    port = server.start(uri, "ui")
    api = Api(port)
    ids, rest_s = log_histories(api, exp, hist, args.steps)
    log(f"{system}: logged {len(ids)} runs x {len(HISTORY_KEYS)} x {args.steps} steps via "
        f"log-batch in {rest_s:.1f}s")
    verify_histories(api, ids, args.steps)
    api.close()
    return {"name": system, "base": f"http://127.0.0.1:{port}", "experiment_id": str(exp),
            "history_run_ids": ids, "metrics": list(HISTORY_KEYS), "steps": args.steps,
            "total_runs": len(runs) + len(ids), "load_seconds": load_s,
            "rest_log_seconds": rest_s}


# --- report -------------------------------------------------------------------


def summarize(samples):
    ok = [s["ms"] for s in samples if s.get("ms") is not None]
    if not ok:
        return {"n": 0, "median_ms": None, "min_ms": None, "max_ms": None, "failed": len(samples)}
    return {"n": len(ok), "median_ms": statistics.median(ok), "min_ms": min(ok), "max_ms": max(ok),
            "failed": len(samples) - len(ok)}


def fmt(v):
    return "—" if v is None else f"{v:,.0f}"


TARGETS = {"runs_table": 1000.0, "compare": 500.0}
# (group, system, view, label): what measure.mjs measures; each group's
# MLflow rows are compared with its Ferry row.
ROWS = [
    ("runs_table", "ferry", "runs_table",
     "Ferry: /experiments/ID, first row shows a metric value"),
    ("runs_table", "mlflow", "runs_table",
     "MLflow: runs page, first row shows its run name (default columns: no metrics)"),
    ("runs_table", "mlflow", "runs_table_metric_columns",
     "MLflow: runs page with the 12 metric columns chosen, first row shows a metric value"),
    ("compare", "ferry", "compare",
     "Ferry: /compare?runs=10 ids&metrics=loss,accuracy, 2 charts drawn"),
    ("compare", "mlflow", "compare",
     "MLflow: metric page (#/metric?runs=...&plot_metric_keys=[loss,accuracy]), 20 curves drawn"),
    ("compare", "mlflow", "compare_chart_view",
     "MLflow: runs page chart view (10 newest runs visible), loss and accuracy charts drawn"),
]
GROUP_TITLES = {"runs_table": "Runs table: navigation start -> first data row rendered",
                "compare": "10-run comparison of 10,000-step histories: navigation start -> drawn"}


def report(res, systems):
    lines = []
    ratios = []
    for group in ("runs_table", "compare"):
        rows = [r for r in ROWS if r[0] == group and r[1] in systems
                and res["summary"].get(r[1], {}).get(r[2])]
        if not rows:
            continue
        lines += ["", f"{GROUP_TITLES[group]}", "",
                  "| measurement | median ms | min ms | max ms | each (ms) | MLflow/Ferry (median, min) |",
                  "|---|---:|---:|---:|---|---|"]
        ferry = res["summary"].get("ferry", {}).get(group)
        for _, system, view, label in rows:
            s = res["summary"][system][view]
            each = ", ".join(fmt(x["ms"]) if x.get("ms") is not None else "fail"
                             for x in res["samples"][system][view])
            extra = ""
            if system == "ferry":
                t = TARGETS[group]
                ok = s["median_ms"] is not None and s["median_ms"] < t
                extra = f"target < {t:,.0f} ms: {'met' if ok else 'NOT met'}"
            elif ferry and ferry["median_ms"] and s["median_ms"]:
                r_med = s["median_ms"] / ferry["median_ms"]
                r_min = s["min_ms"] / ferry["min_ms"]
                extra = f"{r_med:.1f}x, {r_min:.1f}x"
                ratios.append(f"- {label}: {r_med:.1f}x slower than Ferry (medians); "
                              f"target >= 5x: {'met' if r_med >= 5 else 'NOT met'}")
            lines.append(f"| {label} | {fmt(s['median_ms'])} | {fmt(s['min_ms'])} | {fmt(s['max_ms'])} "
                         f"| {each} | {extra} |")
    return "\n".join(lines[1:] + ([""] + ratios if ratios else []))


# --- main ---------------------------------------------------------------------


def machine_info():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    try:
        import mlflow
        mlv = mlflow.__version__
    except Exception:
        mlv = "?"
    try:
        chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True,
                                  text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        chromium = "?"
    return {"date": datetime.date.today().isoformat(), "nproc": os.cpu_count(), "cpu": model,
            "kernel": platform.release(), "python": platform.python_version(), "mlflow": mlv,
            "ferry_commit": commit, "chromium": chromium, "loadavg_start": os.getloadavg()}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=100000, help="bulk-loaded runs (x 10 metrics)")
    p.add_argument("--history-runs", type=int, default=10, help="runs with full histories")
    p.add_argument("--steps", type=int, default=10000, help="steps per history")
    p.add_argument("--repeats", type=int, default=5, help="measured page loads per system and view")
    p.add_argument("--warmup", type=int, default=1,
                   help="unmeasured page loads per system and view first (server-side warm-up)")
    p.add_argument("--systems", default="ferry,mlflow")
    p.add_argument("--views", default="runs_table,compare")
    p.add_argument("--ferry-bin", default=default_ferry_bin(),
                   help="copied into the work dir first, so a rebuild during the run changes nothing")
    p.add_argument("--ui-dist", default=os.path.join(REPO, "ui", "dist"),
                   help="Ferry's built UI (copied into the work dir first)")
    p.add_argument("--mlflow-workers", type=int, default=2)
    p.add_argument("--timeout", type=float, default=180, help="seconds one page load may take")
    p.add_argument("--width", type=int, default=1600)
    p.add_argument("--height", type=int, default=1000)
    p.add_argument("--workdir", default=None, help="default: a new temporary directory, removed after")
    p.add_argument("--keep", action="store_true", help="keep the work dir")
    p.add_argument("--serve", action="store_true",
                   help="load the data, print the URLs and keep both servers up until Ctrl-C")
    p.add_argument("--json-out", default=None, help="write samples, summary and set-up here")
    p.add_argument("--node", default="node")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    args = p.parse_args()

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    # Stop the servers on SIGTERM too (and on SIGINT even when started in the
    # background, where a shell sets SIGINT to ignored).
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    systems = [s for s in args.systems.split(",") if s]
    views = [v for v in args.views.split(",") if v]

    if "ferry" in systems:
        if not os.access(args.ferry_bin, os.X_OK):
            sys.exit(f"no ferry binary at {args.ferry_bin}")
        if not os.path.isfile(os.path.join(args.ui_dist, "index.html")):
            sys.exit(f"no built UI at {args.ui_dist} (cd ui && npx vite build --outDir DIR)")
    if "mlflow" in systems and shutil.which("mlflow") is None:
        sys.exit("no `mlflow` on PATH (pip install mlflow)")

    workdir = args.workdir or tempfile.mkdtemp(prefix="ferry-ui-bench-")
    os.makedirs(workdir, exist_ok=True)
    info = machine_info()
    if "ferry" in systems:
        binary = os.path.join(workdir, "ferry")
        shutil.copy2(args.ferry_bin, binary)
        ui_dir = os.path.join(workdir, "ui-dist")
        shutil.rmtree(ui_dir, ignore_errors=True)
        shutil.copytree(args.ui_dist, ui_dir)
        with open(binary, "rb") as f:
            info["ferry_binary"] = (f"{args.ferry_bin}, sha256 {hashlib.sha256(f.read()).hexdigest()[:12]}, "
                                    f"built {time.ctime(os.path.getmtime(args.ferry_bin))}")
        info["ui_dist"] = f"{args.ui_dist}, index.html of {time.ctime(os.path.getmtime(os.path.join(args.ui_dist, 'index.html')))}"
    log(f"work dir {workdir}; machine {info}")

    store = SqliteStore(workdir)
    runs = populate.generate(args.runs)
    hist = histories(args.history_runs, args.steps,
                     populate.BASE_TIME + args.runs * 1000)
    started, targets = [], []
    result = {"machine": info, "args": vars(args), "setup": {}, "samples": {}, "summary": {}}
    try:
        for system in systems:
            server = (FerryUiServer(workdir, binary, ui_dir) if system == "ferry"
                      else MlflowServer(workdir, args.mlflow_workers))
            started.append(server)
            t = prepare(system, server, store, runs, hist, args)
            t["server_cmd"] = server.cmdline
            targets.append(t)
            result["setup"][system] = t
        if args.serve:
            for t in targets:
                log(f"{t['name']}: {t['base']} experiment {t['experiment_id']} "
                    f"history runs {','.join(t['history_run_ids'])}")
            log("serving; Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return
        cfg = {"targets": targets, "views": views, "repeats": args.repeats, "warmup": args.warmup,
               "timeout_ms": int(args.timeout * 1000), "chromium": args.chromium,
               "shots_dir": workdir if (args.workdir or args.keep) else tempfile.gettempdir(),
               "viewport": {"width": args.width, "height": args.height}}
        cfg_path = os.path.join(workdir, "measure-config.json")
        out_path = os.path.join(workdir, "measure-out.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, indent=1)
        env = dict(os.environ)
        env["NODE_PATH"] = os.path.join(REPO, "ui", "node_modules")
        result["machine"]["loadavg_before_measure"] = os.getloadavg()
        log(f"measuring {', '.join(systems)} x {', '.join(views)}: {args.warmup} warm-up + "
            f"{args.repeats} measured loads each")
        proc = subprocess.run([args.node, os.path.join(HERE, "measure.mjs"), cfg_path, out_path],
                              env=env)
        result["machine"]["loadavg_after_measure"] = os.getloadavg()
        if proc.returncode != 0 or not os.path.exists(out_path):
            sys.exit(f"measure.mjs failed (rc={proc.returncode})")
        with open(out_path) as f:
            measured = json.load(f)
        result["samples"] = measured["samples"]
        result["warmup_samples"] = measured.get("warmup", {})
        result["urls"] = measured.get("views", {})
        result["browser"] = measured.get("browser")
        for system, per_view in measured["samples"].items():
            for view, samples in per_view.items():
                result["summary"].setdefault(system, {})[view] = summarize(samples)
        loads = [x["loadavg"] for per_view in result["samples"].values() for xs in per_view.values()
                 for x in xs if x.get("loadavg") is not None]
        if loads:
            result["machine"]["loadavg_during"] = {"median": statistics.median(loads),
                                                   "min": min(loads), "max": max(loads)}
        table = report(result, systems)
        result["table"] = table
        print(f"\nFerry UI vs MLflow {info['mlflow']} UI — {info['date']}, {info['nproc']} x "
              f"{info['cpu']}; {args.runs:,} runs x 10 metrics + {args.history_runs} runs x "
              f"{len(HISTORY_KEYS)} metrics x {args.steps:,} steps; SQLite; {result['browser']}; "
              f"cold cache, {args.repeats} repeats (+{args.warmup} warm-up); 1-min load average "
              f"{info['loadavg_start'][0]:.1f} at start"
              + (f", {min(loads):.1f}-{max(loads):.1f} (median {statistics.median(loads):.1f}) "
                 f"while measuring" if loads else "") + "\n")
        print(table)
        print("\nWhat each page showed when the clock stopped (first measured load):")
        for system, per_view in result["samples"].items():
            for view, samples in per_view.items():
                ok = [x for x in samples if x.get("ms") is not None]
                if ok:
                    h = ok[0].get("history") or {}
                    pts = (f", {h['points']:,} metric points from {h['requests']} history requests"
                           if h.get("requests") else "")
                    print(f"- {system}/{view}: {json.dumps(ok[0]['detail'])}; "
                          f"{ok[0]['requests']} requests, {ok[0]['response_bytes'] / 1e6:.1f} MB{pts}")
                    # The API answers that came in last before the clock stopped.
                    calls = sorted((c for c in ok[0].get("api", []) if c["end"] <= ok[0]["ms"]),
                                   key=lambda c: -c["end"])[:3]
                    for c in calls:
                        print(f"    {c['url'][:90]}: sent at {c['start']} ms, answered "
                              f"{c['ttfb']}-{c['end']} ms")
        print("\nURLs:")
        for k, v in result["urls"].items():
            print(f"- {k}: {v}")
    finally:
        for server in started:
            server.stop()
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(result, f, indent=1, default=str)
            log(f"raw results written to {args.json_out}")
        if not args.workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
