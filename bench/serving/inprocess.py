"""Peer (d), the limit: the model's own predict called in a loop in one
Python process, no server. Prints "BENCH_JSON {...}" with the mean time per
call for 1 and 64 rows."""

import json
import sys
import time

import joblib
import numpy as np


def per_call(fn, x, seconds=2.0):
    fn(x)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(x)
        n += 1
    return (time.perf_counter() - start) / n


def main(path):
    model = joblib.load(path)
    fn = model.inplace_predict if hasattr(model, "inplace_predict") else model.predict
    rng = np.random.default_rng(0)
    out = {}
    for rows in (1, 64):
        x = rng.random((rows, 30), dtype=np.float32)
        out[f"rows_{rows}_us"] = per_call(fn, x) * 1e6
    print("BENCH_JSON " + json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
