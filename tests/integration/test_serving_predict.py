"""`ferry predict`: batch scoring of a CSV through the serving backends. The
output is every input line plus the predictions, in input order, equal to the
xgboost library's; a bad row fails the job with the line number and leaves no
output file."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import serving_models as sm
from harness import SERVER
from test_cli import ferry

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="the ferry CLI")


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def read_predictions(path, column):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return rows, np.array([float(r[column]) for r in rows])


def test_predict_tensor_model_matches_xgboost(url, tmp_path):
    name = sm.unique("batch")
    booster = sm.train(seed=5)
    sm.log_version(name, booster)
    x, _ = sm.data(rows=10000, seed=6)
    write_csv(tmp_path / "in.csv", [f"c{i}" for i in range(30)], x.tolist())
    done = ferry(url, "predict", "--model", f"{name}/1", "--input", str(tmp_path / "in.csv"),
                 "--output", str(tmp_path / "out.csv"), "--batch-rows", "512")
    assert done.returncode == 0, done.stderr
    assert "scored 10000 rows" in done.stderr
    rows, got = read_predictions(tmp_path / "out.csv", "output-0")
    assert len(rows) == 10000
    np.testing.assert_allclose(got, sm.predict(booster, x), rtol=0, atol=1e-6)
    np.testing.assert_allclose(float(rows[9999]["c29"]), x[9999, 29], atol=1e-6)


def test_predict_column_model_by_name_and_alias(url, client, tmp_path):
    name = sm.unique("batch-cols")
    booster = sm.train(seed=7, named=True)
    sm.log_version(name, booster, columns=True)
    client.set_registered_model_alias(name, "champion", "1")
    x, _ = sm.data(rows=300, seed=8)
    order = list(reversed(range(30)))
    header = ["id"] + [sm.COLUMNS[i] for i in order]
    write_csv(tmp_path / "in.csv", header, [[f"row-{r}"] + x[r, order].tolist() for r in range(300)])
    done = ferry(url, "predict", "--model", f"{name}@champion", "--input",
                 str(tmp_path / "in.csv"), "--output", str(tmp_path / "out.csv"), "--threads", "2")
    assert done.returncode == 0, done.stderr
    rows, _ = read_predictions(tmp_path / "out.csv", header[1])
    out_col = [c for c in rows[0] if c not in header][0]
    got = np.array([float(r[out_col]) for r in rows])
    np.testing.assert_allclose(got, sm.predict(booster, x), rtol=0, atol=1e-6)
    assert [r["id"] for r in rows[:3]] == ["row-0", "row-1", "row-2"]


def test_predict_bad_row_fails_without_output(url, tmp_path):
    name = sm.unique("batch-bad")
    sm.log_version(name, sm.train(seed=9, rounds=3))
    rows = [[0.5] * 30 for _ in range(50)]
    rows[41][7] = "oops"
    write_csv(tmp_path / "in.csv", [f"c{i}" for i in range(30)], rows)
    done = ferry(url, "predict", "--model", f"{name}/1", "--input", str(tmp_path / "in.csv"),
                 "--output", str(tmp_path / "out.csv"))
    assert done.returncode == 1
    assert "line 43" in done.stderr and "oops" in done.stderr
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "out.csv.partial").exists()
    missing = ferry(url, "predict", "--model", "no-such-model/1", "--input",
                    str(tmp_path / "in.csv"), "--output", str(tmp_path / "out.csv"))
    assert missing.returncode == 1 and "error" in missing.stderr
