"""Writes the drift benchmark's data: a reference and a shifted current CSV,
ROWS rows x 50 numerical + 10 categorical columns (defaults: 1,000,000 rows).
Numerical columns: n00-n09 mean shift 0.2 sd (drift), n10-n14 shift 0.05 sd
(below the threshold), n15-n19 sd x1.5, n20-n24 lognormal, n25-n29 1% missing,
the rest unchanged. Categorical: c0-c2 reweighted, the rest unchanged.
Values are rounded to 4 decimals to keep the files near 450 MB each."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv


def numeric(rng, i: int, rows: int, current: bool) -> np.ndarray:
    shift = 0.2 if i < 10 else 0.05 if i < 15 else 0.0
    scale = 1.5 if 15 <= i < 20 and current else 1.0
    if 20 <= i < 25:
        x = rng.lognormal(0.1 if current else 0.0, 1.0, rows)
    else:
        x = rng.normal(shift if current else 0.0, scale, rows) * (i + 1)
    x = np.round(x, 4)
    if 25 <= i < 30:
        x[rng.random(rows) < 0.01] = np.nan
    return x


def categorical(rng, i: int, rows: int, current: bool) -> np.ndarray:
    k = 5 + 5 * i
    weights = np.linspace(1, 3, k)
    if current and i < 3:
        weights = weights[::-1] ** 2
    cats = np.array([f"v{j}" for j in range(k)])
    return cats[rng.choice(k, rows, p=weights / weights.sum())]


def write(path: Path, rows: int, seed: int, current: bool) -> None:
    rng = np.random.default_rng(seed)
    cols = {f"n{i:02d}": numeric(rng, i, rows, current) for i in range(50)}
    cols |= {f"c{i}": categorical(rng, i, rows, current) for i in range(10)}
    pacsv.write_csv(pa.table(cols), path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", default="/tmp/ferry-drift-bench")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    write(out / "reference.csv", a.rows, 1, False)
    write(out / "current.csv", a.rows, 2, True)
    print(out)


if __name__ == "__main__":
    main()
