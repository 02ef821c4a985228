"""The drift benchmark: Ferry's `ferry drift` (CSV parsing included) against
Evidently's DataDriftPreset (pandas read_csv timed apart) on the same files,
same default tests; prints the times, the ratio and the per-column agreement
of drift decisions and scores. Data: gen.py (1,000,000 rows x 60 columns).
  python3 bench/monitoring/bench.py [--data /tmp/ferry-drift-bench] [--runs 3]"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def ferry_drift(binary: Path, data: Path) -> tuple[float, dict]:
    t0 = time.perf_counter()
    out = subprocess.run([str(binary), "drift", "--reference", str(data / "reference.csv"),
                          "--current", str(data / "current.csv"), "--json"],
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/ferry-drift-bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--ferry", default=str(REPO / "build/release/ferry"))
    a = ap.parse_args()
    data = Path(a.data)
    if not (data / "current.csv").exists():
        subprocess.run([sys.executable, str(Path(__file__).with_name("gen.py")), "--out", str(data)], check=True)
    runs = [ferry_drift(Path(a.ferry), data) for _ in range(a.runs)]
    ferry_s = min(t for t, _ in runs)
    report = {c["column"]: c for c in runs[0][1]["columns"]}
    ev = subprocess.run([sys.executable, str(Path(__file__).with_name("run_evidently.py")),
                         str(data / "reference.csv"), str(data / "current.csv")],
                        capture_output=True, text=True, check=True, env=os.environ | {"DO_NOT_TRACK": "1"})
    evidently = json.loads(ev.stdout)
    agree, worst = 0, 0.0
    for column, e in evidently["columns"].items():
        f = report[column]
        agree += f["drifted"] == e["drifted"]
        worst = max(worst, abs(f["score"] - e["score"]) / max(1.0, abs(e["score"])))
    print(f"ferry drift (parse + report), best of {a.runs}: {ferry_s:.2f} s")
    print(f"evidently DataDriftPreset: report {evidently['report_s']:.1f} s, "
          f"+ read_csv {evidently['read_s']:.1f} s")
    print(f"ratio: {evidently['report_s'] / ferry_s:.1f}x (report only), "
          f"{(evidently['report_s'] + evidently['read_s']) / ferry_s:.1f}x (with reading)")
    print(f"decisions agree on {agree} of {len(evidently['columns'])} columns; "
          f"largest relative score difference {worst:.2e}; "
          f"drifted: ferry {runs[0][1]['drifted_columns']}, evidently "
          f"{sum(c['drifted'] for c in evidently['columns'].values())}")


if __name__ == "__main__":
    main()
