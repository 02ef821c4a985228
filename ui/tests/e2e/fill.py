"""Fills a running Ferry server with tracking data for the browser tests,
through the Python SDK: an experiment of runs with params, tags and metric
histories, a parent run with nested children, a run with text, CSV and
image artifacts, and a run with a 20,000-step history (downsampled by the
server). The quickstart has already filled the registry, deployments,
monitoring, pipelines and datasets. Prints what it made as JSON."""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import struct
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
from ferry import Client  # noqa: E402


def png(width: int, height: int) -> bytes:
    """A small gradient PNG, written with zlib (no imaging library needed)."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            raw += bytes((x * 255 // width, y * 255 // height, 160))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    args = ap.parse_args()
    c = Client(args.url)
    rng = random.Random(7)
    exp = c.create_experiment("e2e-runs", tags={"team": "ui"})
    runs = []
    optimizers = ["adam", "sgd", "rmsprop"]
    for i in range(24):
        r = c.create_run(exp, f"trial-{i:02d}", tags={"kind": "sweep", "seed": str(i)})
        rid = r["info"]["run_id"]
        lr = round(10 ** rng.uniform(-4, -1), 5)
        depth = rng.randint(2, 10)
        c.log(rid, params={"lr": lr, "depth": depth, "optimizer": optimizers[i % 3]})
        final = 0.6 + 0.3 * (1 - abs(math.log10(lr) + 2.5) / 2) + 0.01 * depth
        losses = [2.0 * math.exp(-s / (20 + depth)) + (1 - final) + rng.uniform(0, 0.02) for s in range(150)]
        c.log_metric_history(rid, "loss", losses)
        c.log_metric_history(rid, "accuracy", [min(0.999, final * (1 - math.exp(-s / 15))) for s in range(150)])
        c.log(rid, metrics={"auc": round(final, 4)})
        c.end_run(rid, "FAILED" if i == 5 else "FINISHED")
        runs.append(rid)
    parent = c.create_run(exp, "sweep-parent", tags={"kind": "parent"})["info"]["run_id"]
    children = []
    for j in range(3):
        ch = c.create_run(exp, f"child-{j}", tags={"mlflow.parentRunId": parent, "kind": "child"})["info"]["run_id"]
        c.log(ch, params={"lr": 0.01 * (j + 1)}, metrics={"auc": 0.7 + 0.05 * j})
        c.end_run(ch)
        children.append(ch)
    c.log(parent, metrics={"auc": 0.8})
    c.end_run(parent)

    art = c.create_run(exp, "with-artifacts", tags={"kind": "artifacts"})["info"]["run_id"]
    c.log(art, params={"lr": 0.05}, metrics={"auc": 0.5})
    with tempfile.TemporaryDirectory() as d:
        files = {
            "notes.txt": b"trained on the calm world\nAUC 0.865\n",
            "data/predictions.csv": b"id,label,score\n1,0,0.12\n2,1,0.91\n3,1,0.66\n",
            "plots/roc.png": png(64, 48),
            "logs/train.log": b"".join(b"epoch %06d loss 0.5\n" % i for i in range(60000)),  # ~1.2 MB
        }
        for name, data in files.items():
            path = os.path.join(d, name.replace("/", "_"))
            with open(path, "wb") as f:
                f.write(data)
            c.upload_artifact(art, path, name)
    c.end_run(art)

    big_exp = c.create_experiment("e2e-long-history")
    big = c.create_run(big_exp, "long")["info"]["run_id"]
    c.log_metric_history(big, "loss", [1.0 / (1 + s / 500) + 0.05 * math.sin(s / 40) for s in range(20000)])
    c.end_run(big)

    many = c.create_experiment("e2e-many")
    for i in range(2000):
        rid = c.create_run(many, f"many-{i:04d}")["info"]["run_id"]
        c.log(rid, metrics={"score": i / 2000})

    print(json.dumps({"many_experiment_id": many, "experiment_id": exp, "runs": runs, "parent": parent, "children": children,
                      "artifact_run": art, "long_experiment_id": big_exp, "long_run": big}))


if __name__ == "__main__":
    main()
