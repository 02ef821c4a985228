"""Registry reads: Ferry vs the real `mlflow server`, same machine, same store.

Over N registered models x 10 versions (default 10,000 x 10, bulk-loaded into
each system's own schema by registry_data.py), on SQLite then PostgreSQL:

  (d) get_model_version_by_alias: GET registered-models/alias?name=<model>&alias=champion,
      16 concurrent clients (wrk), cycling over all models;
  (e) search_model_versions:      GET model-versions/search?filter=name = '<model>'
      &max_results=10000 (what MlflowClient().search_model_versions sends), 1 client
      back to back (exact latencies) and 4 clients (wrk).

Every answer is checked before measuring (the alias names the seeded champion,
the search returns the model's 10 versions). Prints one table with ratios;
results go to WORKDIR/results.json. Reuses bench/tracking's server, store and
wrk plumbing.
"""

import argparse
import json
import os
import random
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tracking"))

import registry_data as populate  # noqa: E402
from bench import CpuMeter, default_ferry_bin, log, machine_info, percentile, wrk_result  # noqa: E402
from client import Api, run_wrk, wrk_available  # noqa: E402
from servers import FerryServer, MlflowServer, PostgresStore, SqliteStore  # noqa: E402

API = "/api/2.0/mlflow"


def alias_path(name):
    return f"{API}/registered-models/alias?" + urllib.parse.urlencode(
        {"name": name, "alias": "champion"})


def search_path(name):
    return f"{API}/model-versions/search?" + urllib.parse.urlencode(
        {"filter": f"name = '{name}'", "max_results": 10000})


def check(api, model):
    """True when the server answers the seeded data for `model`."""
    status, data = api.raw("GET", alias_path(model["name"]))
    if status != 200 or json.loads(data)["model_version"]["version"] != str(model["champion"]):
        return f"alias of {model['name']}: {status} {data[:200]!r}"
    status, data = api.raw("GET", search_path(model["name"]))
    versions = sorted(int(v["version"]) for v in json.loads(data).get("model_versions", []))
    if status != 200 or versions != list(range(1, populate.VERSIONS + 1)):
        return f"versions of {model['name']}: {status} {data[:200]!r}"
    return ""


def write_paths(workdir, name, paths):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write("\n".join(paths) + "\n")
    return path


def sequential(api, paths, seconds):
    lat, failed, start = [], 0, time.perf_counter()
    i = 0
    while time.perf_counter() - start < seconds or len(lat) < 3:
        t = time.perf_counter()
        status, _ = api.raw("GET", paths[i % len(paths)])
        lat.append(time.perf_counter() - t)
        failed += status != 200
        i += 1
    wall = time.perf_counter() - start
    lat.sort()
    return {"requests_acked": len(lat) - failed, "requests_failed": failed, "seconds": wall,
            "rps": (len(lat) - failed) / wall, "p50_ms": percentile(lat, 50) * 1000,
            "p95_ms": percentile(lat, 95) * 1000, "p99_ms": percentile(lat, 99) * 1000,
            "max_ms": lat[-1] * 1000}


def phase(server, store, args, models):
    db = f"bench_{server.name}_registry"
    store.reset(db)
    server.start(store.uri(db, server.name), f"{store.name}-registry")
    server.stop()  # the server created its schema; now load the data
    t0 = time.time()
    counts = populate.load(server.name, store, db, models)
    log(f"{server.name}/{store.name}: loaded {counts} in {time.time() - t0:.1f}s")
    port = server.start(store.uri(db, server.name), f"{store.name}-registry")
    out = {}
    try:
        api = Api(port)
        rng = random.Random(7)
        sample = rng.sample(models, 20)
        problems = [p for p in (check(api, m) for m in sample) if p]
        order = models[:]
        rng.shuffle(order)
        alias_file = write_paths(args.workdir, "alias_paths.txt", [alias_path(m["name"]) for m in order])
        search_paths = [search_path(m["name"]) for m in order]
        search_file = write_paths(args.workdir, "search_paths.txt", search_paths)

        # Warm-up at the same concurrency: the server opens its pooled database
        # connections here, not inside the measured seconds.
        run_wrk(port, "get", args.alias_clients, args.warmup, paths_file=alias_file)
        log(f"{server.name}/{store.name} (d) alias: {args.alias_clients} clients, {args.duration}s")
        with CpuMeter(server, store) as cpu:
            res = run_wrk(port, "get", args.alias_clients, args.duration, paths_file=alias_file)
        out["d"] = wrk_result(res, 1, cpu)
        log(f"  {out['d']['rps']:.0f} req/s, p50 {out['d']['p50_ms']:.2f} ms, "
            f"p99 {out['d']['p99_ms']:.2f} ms, failed {out['d']['requests_failed']}")

        log(f"{server.name}/{store.name} (e) search versions: 1 client, {args.duration}s")
        with CpuMeter(server, store) as cpu:
            out["e"] = sequential(api, search_paths, args.duration)
        out["e"].update(server_cores=cpu.server_cores, db_cores=cpu.db_cores)
        log(f"  {out['e']['rps']:.0f} req/s, p50 {out['e']['p50_ms']:.2f} ms, "
            f"p99 {out['e']['p99_ms']:.2f} ms")
        log(f"{server.name}/{store.name} (e4) search versions: 4 clients, {args.duration}s")
        with CpuMeter(server, store) as cpu:
            res = run_wrk(port, "get", 4, args.duration, paths_file=search_file)
        out["e4"] = wrk_result(res, 1, cpu)
        log(f"  {out['e4']['rps']:.0f} req/s, p99 {out['e4']['p99_ms']:.2f} ms")
        failed = sum(out[k]["requests_failed"] for k in ("d", "e", "e4"))
        out["verify"] = {"ok": not problems and failed == 0, "problems": problems,
                         "failed_requests": failed}
        log(f"  verify: {'ok' if out['verify']['ok'] else out['verify']}")
    finally:
        server.stop()
    return out


ROWS = [("d", "(d) get version by alias, 16 clients", "req/s"),
        ("e", "(e) search_model_versions, 1 client", "req/s"),
        ("e4", "(e) search_model_versions, 4 clients", "req/s")]


def report(results):
    lines = ["| scenario | store | Ferry | MLflow | Ferry/MLflow | Ferry p99 ms | MLflow p99 ms "
             "| target | met? |", "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for key, label, unit in ROWS:
        for store, systems in results.items():
            f, m = systems.get("ferry", {}).get(key), systems.get("mlflow", {}).get(key)
            if not f or not m:
                continue
            ratio = f["rps"] / m["rps"] if m["rps"] else float("inf")
            met = ratio >= 20 and f["p99_ms"] < 10
            lines.append(f"| {label} | {store} | {f['rps']:,.0f} {unit} | {m['rps']:,.1f} {unit} | "
                         f"{ratio:.1f}× | {f['p99_ms']:.2f} | {m['p99_ms']:.1f} | ≥ 20×, p99 < 10 ms "
                         f"| {'yes' if met else '**no**'} |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stores", default="sqlite,postgres")
    p.add_argument("--systems", default="ferry,mlflow")
    p.add_argument("--models", type=int, default=10000)
    p.add_argument("--duration", type=float, default=15)
    p.add_argument("--warmup", type=float, default=3, help="seconds of (d) load before measuring")
    p.add_argument("--alias-clients", type=int, default=16)
    p.add_argument("--mlflow-workers", type=int, default=2)
    p.add_argument("--ferry-bin", default=default_ferry_bin())
    p.add_argument("--postgres-url", default=None)
    p.add_argument("--workdir", default="/tmp/ferry-bench-registry")
    args = p.parse_args()
    args.workdir = os.path.abspath(args.workdir)
    os.makedirs(args.workdir, exist_ok=True)
    if not wrk_available():
        sys.exit("wrk is not installed: apt-get install -y wrk")
    info = machine_info()
    log(f"machine: {info}")
    models = populate.generate(args.models)
    results = {}
    for store_name in args.stores.split(","):
        store = SqliteStore(args.workdir) if store_name == "sqlite" else PostgresStore(
            args.workdir, args.postgres_url or os.environ.get("FERRY_BENCH_POSTGRES_URL"))
        try:
            for system in args.systems.split(","):
                server = (FerryServer(args.workdir, args.ferry_bin) if system == "ferry"
                          else MlflowServer(args.workdir, args.mlflow_workers))
                results.setdefault(store_name, {})[system] = phase(server, store, args, models)
        finally:
            store.stop()
    table = report(results)
    print(f"\nRegistry reads, Ferry vs MLflow {info['mlflow']} — {info['date']}, {info['nproc']} × "
          f"{info['cpu']}; ferry {info['ferry_commit']}; {args.models:,} models × "
          f"{populate.VERSIONS} versions; {args.duration:g}s per scenario\n")
    print(table)
    with open(os.path.join(args.workdir, "results.json"), "w") as f:
        json.dump({"machine": info, "results": results, "table": table}, f, indent=1, default=str)


if __name__ == "__main__":
    main()
