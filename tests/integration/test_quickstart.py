"""`ferry quickstart --exit` end to end, as the README's first command runs
it: the whole loop, then a server started again on the data it left, to read
back through the API what the narration claimed. With --worse-challenger the
gate must hold: the challenger is registered but never promoted."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import requests

from harness import SERVER, ServerProcess, free_port

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="Ferry's own command")

FERRY = os.environ.get("FERRY_BIN", str(Path(__file__).resolve().parents[2] / "build/release/ferry"))


def quickstart(tmp_path: Path, *extra: str) -> str:
    p = subprocess.run([FERRY, "quickstart", "--dir", str(tmp_path / "qs"), "--port", str(free_port()), "--exit",
                        *extra], capture_output=True, text=True, timeout=300)
    log = tmp_path / "qs" / "server.log"
    assert p.returncode == 0, p.stdout + p.stderr + (log.read_text()[-3000:] if log.exists() else "")
    return p.stdout


def reopen(tmp_path: Path) -> ServerProcess:
    """A server on the quickstart's SQLite file and artifacts."""
    s = ServerProcess("sqlite", tmp_path / "reopened")
    data = tmp_path / "qs" / "data"
    s.store_url = f"sqlite://{data / 'ferry.db'}"
    s.artifacts = data / "artifacts"
    s.extra_args = ["--data-dir", str(data)]
    s.start()
    return s


def champion(url: str) -> str:
    aliases = requests.get(f"{url}/api/2.0/mlflow/registered-models/get", params={"name": "credit"}).json()
    return {a["alias"]: a["version"] for a in aliases["registered_model"]["aliases"]}["champion"]


def run_states(url: str, pipeline: str) -> list[dict]:
    return requests.get(f"{url}/api/v1/pipelines/{pipeline}/runs").json()["runs"]


def test_quickstart_promotes_a_better_challenger(tmp_path):
    out = quickstart(tmp_path)
    assert "alert credit-income-drift fired" in out and "the gate passed: champion moved to v2" in out, out
    assert "credit-api answers with version 2" in out
    s = reopen(tmp_path)
    try:
        assert champion(s.url) == "2"
        train, = run_states(s.url, "credit-train")
        retrain, = run_states(s.url, "credit-retrain")
        assert train["state"] == "succeeded" and retrain["state"] == "succeeded"
        assert retrain["trigger"]["kind"] == "alert" and retrain["trigger"]["detail"]["name"] == "credit-income-drift"
        # The sweep: three trial runs nested under the train step's run.
        step = next(x for x in train["steps"] if x["step"] == "train")
        trials = requests.post(f"{s.url}/api/2.0/mlflow/runs/search", json={
            "experiment_ids": [requests.get(f"{s.url}/api/2.0/mlflow/experiments/get-by-name",
                                            params={"experiment_name": "pipelines/credit-train"}
                                            ).json()["experiment"]["experiment_id"]],
            "filter": f"tags.mlflow.parentRunId = '{step['tracking_run_id']}'"}).json()["runs"]
        assert len(trials) == 3
        # Lineage: the champion's run names the dataset version it was trained on.
        ds = requests.get(f"{s.url}/api/v1/datasets/credit/versions/2").json()["dataset"]
        lineage = requests.get(f"{s.url}/api/v1/models/credit/versions/2/lineage").json()
        assert [d["digest"] for d in lineage["datasets"]] == [ds["digest"][:32]]
        events = [e["action"] for e in requests.get(f"{s.url}/api/v1/models/credit/events").json()["events"]]
        assert "alert_firing" in events and events.count("set_alias") >= 2
    finally:
        assert s.stop() == 0, s.log_tail()


def test_quickstart_gate_holds_against_a_worse_challenger(tmp_path):
    out = quickstart(tmp_path, "--worse-challenger")
    assert "the gate refused v2" in out and "champion stays v1" in out, out
    s = reopen(tmp_path)
    try:
        assert champion(s.url) == "1"
        retrain, = run_states(s.url, "credit-retrain")
        steps = {x["step"]: x["state"] for x in retrain["steps"]}
        assert steps["register"] == "succeeded" and steps["promote"] == "failed"
        assert "the gate did not pass credit version 2" in retrain["error"]
        deployment = requests.get(f"{s.url}/api/v1/deployments/credit-api").json()["deployment"]
        assert deployment["model"] == "credit@champion" and not deployment.get("canary") and not deployment.get("shadow")
    finally:
        assert s.stop() == 0, s.log_tail()
