#!/usr/bin/env python3
"""Tracking benchmark: Ferry vs the real MLflow server, same client, same load.

    python3 bench/tracking/bench.py [--stores sqlite,postgres] [--systems ferry,mlflow]
                                    [--duration S] [--runs N]

Scenarios (each server alone on the machine, on loopback, fresh database):
  (a) log-batch: BATCH_CLIENTS clients, each POSTing runs/log-batch with 1,000
      metrics per request to its own run, for --duration seconds (wrk).
  (b) log-metric: 16 clients, each POSTing single runs/log-metric requests to
      its own run, for --duration seconds (wrk).
  (c) search: --runs runs x 10 metrics bulk-loaded into one experiment, then
      runs/search {filter: "metrics.m0 > 0.5 and params.model = 'gbm'",
      order_by: ["metrics.m1 DESC"], max_results: 100} sent back to back by
      one client for --duration seconds (http.client), and by 4 concurrent
      clients (wrk).
After (a) and (b) the stored metrics are counted (get-history through the API
and COUNT(*) in the database) against what the server acknowledged; every
search answer is compared with the expected 100 run ids.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import populate  # noqa: E402
from client import Api, run_wrk, wrk_available  # noqa: E402
from servers import REPO, FerryServer, MlflowServer, PostgresStore, SqliteStore  # noqa: E402

TARGETS = {"a": 50.0, "b": 50.0, "c": 20.0}
P99_TARGET_MS = 50.0


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- CPU accounting -----------------------------------------------------------


def tree_cpu_seconds(root):
    """CPU seconds of process `root` and all its live descendants, including
    the reaped children each of them has waited for (cutime, cstime)."""
    if not root:
        return 0.0
    tck = os.sysconf("SC_CLK_TCK")
    stats = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[1] = ppid; [11..14] = utime, stime, cutime, cstime
        stats[int(pid)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
        todo += children.get(pid, [])
    return total / tck


class CpuMeter:
    """Cores used by the server, by the PostgreSQL cluster (if any), and by this script's children (wrk)."""

    def __init__(self, server, store):
        self.server = server
        self.db_pid = store.db_pid()

    def _db(self):
        return tree_cpu_seconds(self.db_pid)

    def __enter__(self):
        self.t0 = time.time()
        self.d0 = self._db()
        self.s0 = tree_cpu_seconds(self.server.proc.pid)
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.c0 = r.ru_utime + r.ru_stime
        return self

    def __exit__(self, *exc):
        wall = time.time() - self.t0
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.server_cores = (tree_cpu_seconds(self.server.proc.pid) - self.s0) / wall
        self.client_cores = (r.ru_utime + r.ru_stime - self.c0) / wall
        self.db_cores = (self._db() - self.d0) / wall if self.db_pid else None


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


# --- verification ---------------------------------------------------------------


def count_metrics_in_db(store, db, run_ids):
    conn = store.connect(db)
    try:
        cur = conn.cursor()
        mark = "?" if store.name == "sqlite" else "%s"
        marks = ", ".join(mark for _ in run_ids)
        cur.execute(f"SELECT COUNT(*) FROM metrics WHERE run_uuid IN ({marks})", tuple(run_ids))
        return cur.fetchone()[0]
    finally:
        conn.close()


def verify_ingest(api, store, db, res, keys, per_request):
    """Stored points must lie between what was acknowledged (200) and what was sent."""
    problems = []
    run_ids = [t["run_id"] for t in res["threads"]]
    # Requests still in flight when wrk stopped may land now: wait for a stable count.
    rows, deadline = count_metrics_in_db(store, db, run_ids), time.time() + 60
    while time.time() < deadline:
        time.sleep(1)
        again = count_metrics_in_db(store, db, run_ids)
        if again == rows:
            break
        rows = again
    for t in res["threads"]:
        for key in keys:
            stored = api.metric_history_count(t["run_id"], key)
            if not t["acked"] <= stored <= t["sent"]:
                problems.append(
                    f"run {t['run_id']} key {key}: {stored} points stored, "
                    f"{t['acked']} acknowledged, {t['sent']} generated")
    lo = res["acked"] * per_request
    hi = sum(t["sent"] for t in res["threads"]) * per_request
    if not lo <= rows <= hi:
        problems.append(f"{rows} metric rows in the database, expected {lo}..{hi}")
    return {"ok": not problems, "db_rows": rows, "acked_points": lo, "problems": problems}


# --- scenarios ------------------------------------------------------------------


def wrk_result(res, per_request, cpu):
    secs = res["seconds"]
    return {
        "requests_acked": res["acked"],
        "requests_failed": res["failed"] + res["err_timeout"] + res["err_connect"] + res["err_read"]
        + res["err_write"],
        "seconds": secs,
        "rps": res["acked"] / secs,
        "mps": res["acked"] * per_request / secs,
        "p50_ms": res["lat_p50"] / 1000,
        "p95_ms": res["lat_p95"] / 1000,
        "p99_ms": res["lat_p99"] / 1000,
        "max_ms": res["lat_max"] / 1000,
        "first_error": next((t["first_error"] for t in res["threads"] if t["first_error"]), ""),
        "wrk_errors": {k: res[k] for k in res if k.startswith("err_")},
        "server_cores": cpu.server_cores,
        "db_cores": cpu.db_cores,
        "client_cores": cpu.client_cores,
        "cmd": res["cmd"],
    }


def ingest_phase(server, store, args):
    db = f"bench_{server.name}_ingest"
    store.reset(db)
    port = server.start(store.uri(db, server.name), f"{store.name}-ingest")
    out = {}
    try:
        api = Api(port)
        exp = api.create_experiment("bench-ingest")
        for sc, mode, clients, per_req in (("a", "batch", args.batch_clients, args.batch),
                                           ("b", "metric", args.metric_clients, 1)):
            if sc not in args.scenarios:
                continue
            try:
                warm = [api.create_run(exp, f"{sc}-warm-{i}") for i in range(clients)]
                run_wrk(port, mode, clients, args.warmup, warm, batch=per_req)
                runs = [api.create_run(exp, f"{sc}-{i}") for i in range(clients)]
                log(f"{server.name}/{store.name} ({sc}) {mode}: {clients} clients, {args.duration}s")
                with CpuMeter(server, store) as cpu:
                    res = run_wrk(port, mode, clients, args.duration, runs, batch=per_req)
                r = wrk_result(res, per_req, cpu)
                keys = ["m000", f"m{args.batch // 2:03d}", f"m{args.batch - 1:03d}"] if mode == "batch" else ["loss"]
                r["verify"] = verify_ingest(api, store, db, res, keys, per_req)
                if not server.alive():
                    r["verify"]["ok"] = False
                    r["verify"]["problems"].append("server exited during the scenario")
                out[sc] = r
                log(f"  {r['rps']:.1f} req/s, {r['mps']:.0f} metrics/s, p50 {r['p50_ms']:.2f} ms, "
                    f"p99 {r['p99_ms']:.2f} ms, failed {r['requests_failed']}, verify "
                    f"{'ok' if r['verify']['ok'] else r['verify']['problems']}")
            except Exception as e:  # keep going with the other scenarios
                out[sc] = {"error": f"{type(e).__name__}: {e}"}
                log(f"  ({sc}) failed: {e}")
                if not server.alive():
                    break
    finally:
        rc = server.stop()
        if rc not in (0, -15, 143, None):
            for v in out.values():
                v.setdefault("notes", []).append(f"server exit status {rc} at shutdown")
    return out


def search_body(experiment_id):
    return {
        "experiment_ids": [str(experiment_id)],
        "filter": populate.SEARCH_FILTER,
        "order_by": populate.SEARCH_ORDER,
        "max_results": populate.SEARCH_MAX_RESULTS,
        "run_view_type": "ACTIVE_ONLY",
    }


def check_search(data, expected):
    got = [r["info"]["run_id"] for r in json.loads(data).get("runs", [])]
    return got == expected, got


def search_phase(server, store, args, runs, expected):
    db = f"bench_{server.name}_search"
    store.reset(db)
    server.start(store.uri(db, server.name), f"{store.name}-search")
    try:
        exp = Api(server.port).create_experiment("bench-search")
    finally:
        server.stop()
    t0 = time.time()
    counts = populate.load(server.name, store, db, runs, exp, sqlite_analyze=args.sqlite_analyze)
    load_s = time.time() - t0
    log(f"{server.name}/{store.name} (c): loaded {counts} in {load_s:.1f}s")
    port = server.start(store.uri(db, server.name), f"{store.name}-search")
    out = {}
    try:
        api = Api(port)
        body = json.dumps(search_body(exp)).encode()
        path = "/api/2.0/mlflow/runs/search"
        mismatches, first_problem = 0, ""
        for _ in range(args.search_warmup):  # warm-up, also checks the answer
            status, data = api.raw("POST", path, body)
            if status != 200 or not check_search(data, expected)[0]:
                first_problem = first_problem or f"status {status}: {data[:300]!r}"
        lat, answers = [], []
        log(f"{server.name}/{store.name} (c) search: 1 client, {args.duration}s")
        with CpuMeter(server, store) as cpu:
            start = time.perf_counter()
            while len(lat) < args.search_max_requests and (
                    time.perf_counter() - start < args.duration or len(lat) < args.search_min_requests):
                t = time.perf_counter()
                status, data = api.raw("POST", path, body)
                lat.append(time.perf_counter() - t)
                answers.append((status, data))
            wall = time.perf_counter() - start
        failed = 0
        for status, data in answers:
            if status != 200:
                failed += 1
                first_problem = first_problem or f"status {status}: {data[:300]!r}"
                continue
            ok, got = check_search(data, expected)
            if not ok:
                mismatches += 1
                if not first_problem:
                    first_problem = (f"{len(got)} runs returned, first ids {got[:3]}, "
                                     f"expected {len(expected)} starting {expected[:3]}")
        lat.sort()
        out["c"] = {
            "requests_acked": len(lat) - failed,
            "requests_failed": failed,
            "seconds": wall,
            "rps": (len(lat) - failed) / wall,
            "p50_ms": percentile(lat, 50) * 1000,
            "p95_ms": percentile(lat, 95) * 1000,
            "p99_ms": percentile(lat, 99) * 1000,
            "max_ms": lat[-1] * 1000,
            "server_cores": cpu.server_cores,
            "db_cores": cpu.db_cores,
            "client_cores": float("nan"),
            "load_seconds": load_s,
            "loaded_rows": counts,
            "verify": {"ok": mismatches == 0 and failed == 0 and not first_problem,
                       "mismatches": mismatches, "problems": [first_problem] if first_problem else []},
        }
        c = out["c"]
        log(f"  {c['rps']:.2f} req/s, p50 {c['p50_ms']:.1f} ms, p99 {c['p99_ms']:.1f} ms "
            f"({len(lat)} requests), verify {'ok' if c['verify']['ok'] else c['verify']['problems']}")
        if args.search_clients > 0:
            # A server that needs seconds per search gets long enough for each client
            # to finish a few requests (capped at --search-max-duration).
            p50_s = c["p50_ms"] / 1000
            rounds = -(-args.search_clients // 2)  # clients per core
            secs = min(max(args.duration, 3 * rounds * p50_s), args.search_max_duration)
            log(f"{server.name}/{store.name} (c4) search: {args.search_clients} clients, {secs:.0f}s")
            with CpuMeter(server, store) as cpu:
                res = run_wrk(port, "search", args.search_clients, secs, body=body.decode(),
                              timeout_s=int(secs) + 30)
            r = wrk_result(res, 1, cpu)
            r["verify"] = {"ok": r["requests_failed"] == 0 and r["requests_acked"] > 0,
                           "problems": [r["first_error"]] if r["first_error"] else []}
            if r["requests_acked"] == 0:
                r["verify"]["problems"].append(f"no search completed in {secs:.0f}s")
            out["c4"] = r
            log(f"  {r['rps']:.2f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
    except Exception as e:
        out.setdefault("c", {"error": f"{type(e).__name__}: {e}"})
        log(f"  (c) failed: {e}")
    finally:
        server.stop()
    return out


# --- report -----------------------------------------------------------------------

SCENARIOS = [
    ("a", "(a) log-batch 1,000 metrics/req", "mps", "metrics/s"),
    ("b", "(b) log-metric, 16 clients", "rps", "req/s"),
    ("c", "(c) search, 1 client", "rps", "req/s"),
    ("c4", "(c) search, 4 clients", "rps", "req/s"),
]


def clean(text, n=200):
    return " ".join(str(text).split()).replace("|", "/")[:n]


def fmt_num(v):
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def cell(r, field):
    if r is None:
        return None
    if "error" in r:
        return None
    return r.get(field)


def cores(r):
    text = f"{r['server_cores']:.2f}"
    if r.get("db_cores") is not None:
        text += f" + {r['db_cores']:.2f}"
    if r.get("client_cores") == r.get("client_cores"):  # not NaN (sequential search: in-process)
        text += f" / {r['client_cores']:.2f}"
    return text


def report(results, args):
    lines = []
    head = "| scenario | store | Ferry | MLflow | Ferry/MLflow | target | met? |"
    lines += [head, "|---|---|---:|---:|---:|---|---|"]
    for key, title, field, unit in SCENARIOS:
        for store in args.stores:
            f = results.get(store, {}).get("ferry", {}).get(key)
            m = results.get(store, {}).get("mlflow", {}).get(key)
            if f is None and m is None:
                continue
            fv, mv = cell(f, field), cell(m, field)
            ratio = fv / mv if fv and mv else None
            target = TARGETS.get(key)
            met = "—" if target is None or ratio is None else ("yes" if ratio >= target else "**no**")
            for r in (f, m):
                if r and ("error" in r or not r.get("verify", {}).get("ok", True)):
                    met = "**invalid**"
            lines.append(
                f"| {title} | {store} | {fmt_num(fv)} {unit} | {fmt_num(mv)} {unit} | "
                f"{(f'{ratio:.1f}×' if ratio else '—')} | {f'≥ {target:g}×' if target else '—'} | {met} |")
            if key == "c":
                p99 = cell(f, "p99_ms")
                met = "—" if p99 is None else ("yes" if p99 < P99_TARGET_MS else "**no**")
                mp99 = cell(m, "p99_ms")
                lines.append(
                    f"| (c) search p99, 1 client | {store} | {fmt_num(p99)} ms | {fmt_num(mp99)} ms | — "
                    f"| < {P99_TARGET_MS:g} ms | {met} |")
    lines += ["", "| scenario | store | system | req/s | metrics/s | p50 ms | p95 ms | p99 ms | max ms "
              "| requests ok / failed | cores: server + postgres / client | stored = acked? |",
              "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for key, title, field, unit in SCENARIOS:
        for store in args.stores:
            for system in args.systems:
                r = results.get(store, {}).get(system, {}).get(key)
                if r is None:
                    continue
                if "error" in r:
                    lines.append(f"| {title} | {store} | {system} | error: {clean(r['error'])} |||||||||")
                    continue
                v = r.get("verify", {})
                ver = "ok" if v.get("ok") else "**NO**: " + clean("; ".join(v.get("problems", [])))
                if key in ("a", "b") and v.get("ok"):
                    ver = f"ok ({v['db_rows']:,} rows ≥ {v['acked_points']:,} acked)"
                lines.append(
                    f"| {title} | {store} | {system} | {fmt_num(r['rps'])} | "
                    f"{fmt_num(r.get('mps')) if key in ('a', 'b') else '—'} | {r['p50_ms']:.2f} | "
                    f"{r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.1f} | "
                    f"{r['requests_acked']:,} / {r['requests_failed']:,} | {cores(r)} | {ver} |")
    return "\n".join(lines)


def machine_info():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        commit += " (+ uncommitted changes)" if dirty else ""
    except OSError:
        commit = "?"
    try:
        import mlflow

        mlv = mlflow.__version__
    except Exception:
        mlv = "?"
    return {"date": datetime.date.today().isoformat(), "nproc": os.cpu_count(), "cpu": model,
            "ram_gib": round(mem_kb / 1024 / 1024, 1), "kernel": platform.release(),
            "python": platform.python_version(), "mlflow": mlv, "ferry_commit": commit}


def default_ferry_bin():
    for rel in (("build", "release", "ferry"), ("build", "release", "src", "ferry")):
        path = os.path.join(REPO, *rel)
        if os.access(path, os.X_OK):
            return path
    return os.path.join(REPO, "build", "release", "ferry")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stores", default="sqlite,postgres")
    p.add_argument("--systems", default="ferry,mlflow")
    p.add_argument("--scenarios", default="a,b,c", help="subset of a,b,c")
    p.add_argument("--duration", type=float, default=15, help="seconds per measured scenario")
    p.add_argument("--warmup", type=float, default=2, help="seconds of warm-up load before (a) and (b)")
    p.add_argument("--runs", type=int, default=100000, help="runs loaded for (c)")
    p.add_argument("--batch", type=int, default=1000, help="metrics per log-batch request in (a)")
    p.add_argument("--batch-clients", type=int, default=4)
    p.add_argument("--metric-clients", type=int, default=16)
    p.add_argument("--search-clients", type=int, default=4, help="concurrent search clients (0: skip)")
    p.add_argument("--search-warmup", type=int, default=1, help="search requests before measuring")
    p.add_argument("--search-min-requests", type=int, default=3,
                   help="sequential searches to send even if --duration has passed")
    p.add_argument("--search-max-duration", type=float, default=240,
                   help="longest the 4-client search may run when one search takes seconds")
    p.add_argument("--search-max-requests", type=int, default=100000)
    p.add_argument("--sqlite-analyze", action="store_true",
                   help="run ANALYZE after the SQLite bulk load for (c) (neither server does by itself)")
    p.add_argument("--mlflow-workers", type=int, default=2)
    p.add_argument("--ferry-bin", default=default_ferry_bin(),
                   help="default: build/release/ferry, else build/release/src/ferry (copied into "
                        "WORKDIR first, so a rebuild during the run changes nothing)")
    p.add_argument("--postgres-url", default=None,
                   help="use this PostgreSQL server (a role allowed to CREATE DATABASE) "
                        "instead of starting one with tests/util/postgres.sh")
    p.add_argument("--workdir", default="/tmp/ferry-bench")
    p.add_argument("--json", default=None, help="write all results here (default WORKDIR/results.json)")
    p.add_argument("--report", nargs="+", metavar="RESULTS_JSON",
                   help="print the tables from earlier runs' results.json files (merged, later "
                        "files win per store and system) instead of running anything")
    args = p.parse_args()
    args.stores = [s for s in args.stores.split(",") if s]
    args.systems = [s for s in args.systems.split(",") if s]
    if args.report:
        merged, infos = {}, []
        for name in args.report:
            with open(name) as f:
                data = json.load(f)
            infos.append(data["machine"])
            for store, systems in data["results"].items():
                for system, res in systems.items():
                    merged.setdefault(store, {})[system] = res
        args.stores = [s for s in ("sqlite", "postgres") if s in merged]
        for info in infos:
            print(f"- {info['date']}: {info['nproc']} × {info['cpu']}, {info['ram_gib']} GiB, "
                  f"mlflow {info['mlflow']}, ferry {info['ferry_commit']}")
        print()
        print(report(merged, args))
        return
    args.scenarios = set(args.scenarios.split(","))
    args.workdir = os.path.abspath(args.workdir)
    os.makedirs(args.workdir, exist_ok=True)
    if not wrk_available():
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if "ferry" in args.systems and not os.access(args.ferry_bin, os.X_OK):
        sys.exit(f"no ferry binary at {args.ferry_bin}: cmake --preset release && cmake --build --preset release")
    info = machine_info()
    if "ferry" in args.systems:
        copy = os.path.join(args.workdir, "ferry")
        if os.path.abspath(args.ferry_bin) != copy:
            shutil.copy2(args.ferry_bin, copy)
        log(f"ferry binary: {args.ferry_bin} (modified {time.ctime(os.path.getmtime(args.ferry_bin))})")
        args.ferry_bin = copy
        with open(copy, "rb") as f:
            info["ferry_binary"] = (f"sha256 {hashlib.sha256(f.read()).hexdigest()[:12]}, built "
                                    f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(copy)))}")

    log(f"machine: {info}")
    runs = expected = None
    if "c" in args.scenarios:
        runs = populate.generate(args.runs)
        expected, hits = populate.expected_ids(runs)
        log(f"search data: {args.runs} runs, {hits} match the filter")

    results = {}
    path = args.json or os.path.join(args.workdir, "results.json")

    def save(table=None):
        with open(path, "w") as f:
            json.dump({"machine": info, "args": {k: (sorted(v) if isinstance(v, set) else v)
                                                  for k, v in vars(args).items()},
                       "results": results, "table": table}, f, indent=1, default=str)

    for store_name in args.stores:
        store = SqliteStore(args.workdir) if store_name == "sqlite" else PostgresStore(
            args.workdir, args.postgres_url or os.environ.get("FERRY_BENCH_POSTGRES_URL"))
        try:
            for system in args.systems:
                server = (FerryServer(args.workdir, args.ferry_bin) if system == "ferry"
                          else MlflowServer(args.workdir, args.mlflow_workers))
                res = results.setdefault(store_name, {}).setdefault(system, {})
                try:
                    if args.scenarios & {"a", "b"}:
                        res.update(ingest_phase(server, store, args))
                    if "c" in args.scenarios:
                        res.update(search_phase(server, store, args, runs, expected))
                except Exception as e:
                    traceback.print_exc()
                    res.setdefault("a", {"error": f"{type(e).__name__}: {e}"})
                    server.stop()
                save()
        finally:
            store.stop()

    table = report(results, args)
    print(f"\nFerry vs MLflow {info['mlflow']} — {info['date']}, {info['nproc']} × {info['cpu']}, "
          f"{info['ram_gib']} GiB; ferry {info['ferry_commit']}, binary {info.get('ferry_binary', '?')}; duration {args.duration:g}s, "
          f"(c) over {args.runs:,} runs\n")
    print(table)
    save(table)
    log(f"results written to {path}")


if __name__ == "__main__":
    main()
