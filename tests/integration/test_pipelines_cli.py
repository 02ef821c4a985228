"""`ferry pipeline check|run` on this machine, no server: a bad file is
refused with its line and reason, a pipeline of shell and Python steps runs
in dependency order with outputs passed on, an unchanged step is cached on
the second run and runs again when its input changes, and a failing step
fails the run with its exit code while what is downstream is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import REPO, SERVER

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="Ferry's CLI")


def pipeline(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    binary = os.environ.get("FERRY_BIN", "build/release/ferry")
    path = Path(binary) if Path(binary).is_absolute() else REPO / binary
    return subprocess.run([str(path), "pipeline", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


GOOD = f"""
name: train-and-report
params:
  rows: "100"
steps:
  - name: make-data
    run: {sys.executable} make_data.py ${{params.rows}} $FERRY_OUTPUT_DATA
    inputs: [make_data.py]
    outputs: {{data: data.csv}}
  - name: train
    run: [{sys.executable}, train.py, "${{steps.make-data.outputs.data}}"]
    needs: [make-data]
    inputs: [train.py, "${{steps.make-data.outputs.data}}"]
  - name: report
    run: echo "report after train" > report.txt
    needs: [train]
"""


def write_workspace(tmp_path: Path) -> None:
    (tmp_path / "make_data.py").write_text(
        "import sys\nrows, out = int(sys.argv[1]), sys.argv[2]\n"
        "open(out, 'w').write('x,y\\n' + ''.join(f'{i},{2 * i}\\n' for i in range(rows)))\n")
    (tmp_path / "train.py").write_text(
        "import sys\nlines = open(sys.argv[1]).read().splitlines()[1:]\n"
        "open('trained.log', 'a').write(f'trained on {len(lines)} rows\\n')\n")
    (tmp_path / "pipeline.yaml").write_text(GOOD)


def test_check_names_the_line_of_a_bad_file(tmp_path):
    (tmp_path / "cycle.yaml").write_text(
        "name: p\nsteps:\n  - {name: a, run: 'true', needs: [b]}\n  - {name: b, run: 'true', needs: [a]}\n")
    out = pipeline("check", "cycle.yaml", cwd=tmp_path)
    assert out.returncode == 1 and "cycle" in out.stderr and "line" in out.stderr, out.stderr
    (tmp_path / "cron.yaml").write_text("name: p\ntriggers: {schedule: '61 * * * *'}\nsteps:\n  - {name: a, run: 'true'}\n")
    out = pipeline("check", "cron.yaml", cwd=tmp_path)
    assert out.returncode == 1 and "minute" in out.stderr, out.stderr
    (tmp_path / "missing.yaml").write_text("name: p\nsteps:\n  - {name: a, run: 'true', inputs: [nope.csv]}\n")
    out = pipeline("check", "missing.yaml", cwd=tmp_path)
    assert out.returncode == 1 and "nope.csv" in out.stderr, out.stderr
    write_workspace(tmp_path)
    out = pipeline("check", "pipeline.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1:] == ["  make-data", "  train  (after make-data)", "  report  (after train)"]


def test_run_caches_unchanged_steps_and_reruns_on_change(tmp_path):
    write_workspace(tmp_path)
    first = pipeline("run", "pipeline.yaml", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "trained.log").read_text() == "trained on 100 rows\n"
    assert (tmp_path / "report.txt").read_text() == "report after train\n"
    second = pipeline("run", "pipeline.yaml", cwd=tmp_path)
    assert second.returncode == 0
    assert "cached     make-data" in second.stdout and "cached     train" in second.stdout, second.stdout
    assert (tmp_path / "trained.log").read_text() == "trained on 100 rows\n"  # not trained again
    third = pipeline("run", "pipeline.yaml", "--param", "rows=7", cwd=tmp_path)
    assert third.returncode == 0, third.stdout
    assert (tmp_path / "trained.log").read_text() == "trained on 100 rows\ntrained on 7 rows\n"
    forced = pipeline("run", "pipeline.yaml", "--param", "rows=7", "--no-cache", cwd=tmp_path)
    assert forced.returncode == 0 and "cached" not in forced.stdout
    bad = pipeline("run", "pipeline.yaml", "--param", "nope=1", cwd=tmp_path)
    assert bad.returncode == 1 and "param 'nope'" in bad.stderr


def test_a_failing_step_fails_the_run_and_skips_downstream(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "name: p\nsteps:\n  - {name: a, run: 'echo boom >&2; exit 4'}\n  - {name: b, run: 'touch b', needs: [a]}\n"
        "  - {name: c, run: 'touch c'}\n")
    out = pipeline("run", "p.yaml", cwd=tmp_path)
    assert out.returncode == 1
    assert "failed     a: exited with code 4" in out.stdout and "skipped    b" in out.stdout, out.stdout
    assert not (tmp_path / "b").exists() and (tmp_path / "c").exists()
    log = next((tmp_path / ".ferry" / "runs").glob("*/logs/a.log"))
    assert log.read_text() == "boom\n"


def test_ctrl_c_cancels_the_run_and_stops_its_steps(tmp_path):
    import signal
    import time
    (tmp_path / "slow.yaml").write_text(
        "name: slow\nsteps:\n  - {name: a, run: 'echo $$ > a.pid; exec sleep 60'}\n"
        "  - {name: b, run: 'true', needs: [a]}\n")
    binary = os.environ.get("FERRY_BIN", "build/release/ferry")
    path = Path(binary) if Path(binary).is_absolute() else REPO / binary
    proc = subprocess.Popen([str(path), "pipeline", "run", "slow.yaml"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while not (tmp_path / "a.pid").exists() or not (tmp_path / "a.pid").read_text().strip():
        assert time.time() < deadline, "step a never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "cancelling" in err, err
    assert "cancelled  a" in out and "cancelled  b" in out, out
    pid = int((tmp_path / "a.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the step's process is gone, not orphaned


def test_builtin_data_steps_run_without_a_server(tmp_path):
    rows = ["x0,x1,y"] + [f"{i % 7},{(i * 13) % 11},{int(i % 7 > 3)}" for i in range(300)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "p.yaml").write_text("""
name: local-builtins
steps:
  - name: check
    uses: validate
    with: {data: d.csv, expectations: {columns: {y: {allowed: ["0", "1"]}}}}
  - name: train
    needs: [check]
    uses: train-xgboost
    with: {data: d.csv, label: y, num_boost_round: 5}
    outputs: {model: model}
  - name: score
    needs: [train]
    uses: evaluate
    with: {model: "${steps.train.outputs.model}", data: d.csv, label: y}
    outputs: {metrics: metrics.json}
  - name: register
    needs: [train]
    uses: register
    with: {model: m, run_id: abc}
""")
    env = {k: v for k, v in os.environ.items() if k not in ("FERRY_TRACKING_URI", "FERRY_URL")}
    p = subprocess.run([os.environ.get("FERRY_BIN", str(REPO / "build/release/ferry")), "pipeline", "run", "p.yaml"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 1, p.stdout + p.stderr
    runs = sorted((tmp_path / ".ferry" / "runs").iterdir())
    steps = runs[-1] / "steps"
    assert (steps / "train" / "model" / "MLmodel").exists()
    assert '"auc": 1' in (steps / "score" / "metrics.json").read_text()  # y is a function of x0
    log = (runs[-1] / "logs" / "register.log").read_text()
    assert "needs a Ferry server: FERRY_TRACKING_URI is not set" in log
