"""Evidently's DataDriftPreset on the benchmark CSVs: prints JSON with the
read time, the report time and each column's method, score and decision."""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DO_NOT_TRACK", "1")

import pandas as pd  # noqa: E402
from evidently import Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

P_VALUE_METHODS = ("p_value", "Anderson", "Cramer")


def main() -> None:
    ref_path, cur_path = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    ref = pd.read_csv(ref_path)
    cur = pd.read_csv(cur_path)
    t1 = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
    t2 = time.perf_counter()
    columns = {}
    for m in snapshot.dict()["metrics"]:
        config = m["config"]
        if config.get("type") != "evidently:metric_v2:ValueDrift":
            continue
        method, threshold, score = config["method"], config["threshold"], float(m["value"])
        p_value = any(k in method for k in P_VALUE_METHODS)
        drifted = score < threshold if p_value else score >= threshold
        columns[config["column"]] = {"method": method, "score": score, "threshold": threshold, "drifted": drifted}
    print(json.dumps({"read_s": t1 - t0, "report_s": t2 - t1, "columns": columns}))


if __name__ == "__main__":
    main()
