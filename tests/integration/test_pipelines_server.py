"""Pipelines on the server (/api/v1/pipelines, `ferry pipeline apply|start|…`):
runs recorded with their steps and as tracked runs (the real mlflow client
reads them), step logs, a failure that skips downstream and names the exit
code and log tail, resume from the failed step, a run killed by a server
restart marked failed and resumed, the concurrency policies, a registry
event starting a run, and the built-in steps: train-xgboost → register →
gate → promote, where a deliberately worse challenger is not promoted.

Steps that must stay running wait for a file the test creates, so nothing
here depends on timing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import requests

from harness import SERVER, ServerProcess, wait_for

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="Ferry's own API")

FERRY = os.environ.get("FERRY_BIN", str(Path(__file__).resolve().parents[2] / "build/release/ferry"))


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = ServerProcess("sqlite", tmp_path_factory.mktemp("pipelines"), ["--pipeline-parallel", "2"])
    s.start()
    yield s
    assert s.stop() == 0, s.log_tail()
    s.cleanup()


def apply(srv, ws: Path, text: str) -> dict:
    (ws / "pipeline.yaml").write_text(text)
    r = requests.put(f"{srv.url}/api/v1/pipelines", json={"yaml": text, "workspace": str(ws)})
    assert r.status_code == 200, r.text
    return r.json()


def start(srv, name: str, params=None) -> dict:
    r = requests.post(f"{srv.url}/api/v1/pipelines/{name}/runs", json={"params": params or {}})
    assert r.status_code == 200, r.text
    return r.json()["run"]


def get_run(srv, run_id: str) -> dict:
    r = requests.get(f"{srv.url}/api/v1/pipeline-runs/{run_id}")
    assert r.status_code == 200, r.text
    return r.json()["run"]


def wait_end(srv, run_id: str) -> dict:
    return wait_for(lambda: (lambda r: r if r["state"] not in ("queued", "running") else None)(get_run(srv, run_id)),
                    f"pipeline run {run_id} to end")


def steps(run: dict) -> dict:
    return {s["step"]: s for s in run["steps"]}


def ferry(srv, *args, check=True) -> subprocess.CompletedProcess:
    p = subprocess.run([FERRY, "--url", srv.url, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def test_run_is_recorded_tracked_and_logged(srv, tmp_path):
    import mlflow
    ws = tmp_path
    (ws / "log_metric.py").write_text(
        "import mlflow, os\n"
        "with mlflow.start_run():\n"  # MLFLOW_RUN_ID: the step's own tracked run
        "    mlflow.log_metric('rows', 42)\n"
        "open(os.environ['FERRY_OUTPUT_TABLE'], 'w').write('a,b\\n1,2\\n')\n"
        "print('prepared')\n")
    apply(srv, ws, f"""
name: tracked
params: {{greeting: hello}}
steps:
  - name: prepare
    run: [{sys.executable}, log_metric.py]
    outputs: {{table: table.csv}}
  - name: report
    needs: [prepare]
    run: echo ${{params.greeting}}; wc -l < ${{steps.prepare.outputs.table}}
""")
    p = ferry(srv, "pipeline", "start", "tracked", "--param", "greeting=bonjour", "--follow")
    assert "bonjour" in p.stdout and "prepared" in p.stdout, p.stdout
    listed = ferry(srv, "pipeline", "runs", "tracked").stdout
    run = requests.get(f"{srv.url}/api/v1/pipelines/tracked/runs").json()["runs"][0]
    assert run["run_id"] in listed and "succeeded" in listed
    assert run["state"] == "succeeded" and run["params"] == {"greeting": "bonjour"}
    assert [s["state"] for s in run["steps"]] == ["succeeded", "succeeded"]
    log = requests.get(f"{srv.url}/api/v1/pipeline-runs/{run['run_id']}/logs/report").json()
    assert log["complete"] and log["text"].split() == ["bonjour", "2"]
    tail = requests.get(f"{srv.url}/api/v1/pipeline-runs/{run['run_id']}/logs/report",
                        params={"offset": len("bonjour\n")}).json()
    assert tail["text"].strip() == "2"

    client = mlflow.MlflowClient(tracking_uri=srv.url)
    parent = client.get_run(run["tracking_run_id"])
    assert parent.data.tags["ferry.pipeline"] == "tracked" and parent.data.params["greeting"] == "bonjour"
    assert parent.info.status == "FINISHED"
    children = client.search_runs([parent.info.experiment_id],
                                  f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    by_step = {c.data.tags["ferry.step"]: c for c in children}
    assert set(by_step) == {"prepare", "report"}
    assert by_step["prepare"].data.metrics["rows"] == 42  # logged by the step's own mlflow code
    assert steps(run)["prepare"]["tracking_run_id"] == by_step["prepare"].info.run_id


def test_failure_skips_downstream_then_resume_reuses_done_steps(srv, tmp_path):
    ws = tmp_path
    apply(srv, ws, """
name: flaky
steps:
  - name: first
    run: echo made > $FERRY_OUTPUT_OUT; echo first ran >> runs.txt
    outputs: {out: out.txt}
  - name: second
    needs: [first]
    run: test -f fixed || { echo 'input missing'; exit 3; }; cat ${steps.first.outputs.out}
  - name: third
    needs: [second]
    run: echo third
""")
    run = wait_end(srv, start(srv, "flaky")["run_id"])
    assert run["state"] == "failed"
    assert "step 'second' failed: exited with code 3" in run["error"] and "input missing" in run["error"]
    s = steps(run)
    assert (s["first"]["state"], s["second"]["state"], s["third"]["state"]) == ("succeeded", "failed", "skipped")
    assert s["second"]["exit_code"] == 3

    (ws / "fixed").write_text("")
    p = ferry(srv, "pipeline", "resume", run["run_id"], "--wait")
    resumed = requests.get(f"{srv.url}/api/v1/pipelines/flaky/runs").json()["runs"][0]
    assert resumed["resumed_from"] == run["run_id"] and resumed["state"] == "succeeded", p.stdout
    s = steps(resumed)
    assert s["first"]["state"] == "cached" and s["first"]["reused"]
    assert (ws / "runs.txt").read_text().count("first ran") == 1  # not run again
    assert "made" in requests.get(f"{srv.url}/api/v1/pipeline-runs/{resumed['run_id']}/logs/second").json()["text"]


def blocking_pipeline(name: str, concurrency: str) -> str:
    return f"""
name: {name}
concurrency: {concurrency}
steps:
  - name: hold
    run: while [ ! -f release-{name} ]; do sleep 0.05; done; echo released
"""


def test_concurrency_skip_queue_cancel(srv, tmp_path):
    ws = tmp_path
    for policy in ("skip", "queue", "cancel"):
        apply(srv, ws, blocking_pipeline(f"hold-{policy}", policy))
        name = f"hold-{policy}"
        first = start(srv, name)
        wait_for(lambda: get_run(srv, first["run_id"])["state"] == "running", "the first run to start")
        second = start(srv, name)
        if policy == "skip":
            assert second["state"] == "skipped" and "concurrency: skip" in second["error"]
        elif policy == "queue":
            assert second["state"] == "queued"
            assert get_run(srv, first["run_id"])["state"] == "running"
        else:
            assert wait_end(srv, first["run_id"])["state"] == "cancelled"
        (ws / f"release-{name}").write_text("")
        if policy != "cancel":
            assert wait_end(srv, first["run_id"])["state"] == "succeeded"
        if policy != "skip":
            assert wait_end(srv, second["run_id"])["state"] == "succeeded"


def test_restart_marks_a_running_run_failed_and_it_resumes(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    s = ServerProcess("sqlite", tmp_path / "server")
    s.start()
    try:
        apply(s, ws, blocking_pipeline("restart", "queue"))
        run = start(s, "restart")
        wait_for(lambda: steps(get_run(s, run["run_id"]))["hold"]["state"] == "running", "the step to start")
        s.kill()
        (ws / "release-restart").write_text("")  # lets the orphaned step end
        s.start()
        failed = get_run(s, run["run_id"])
        assert failed["state"] == "failed" and "the server stopped during the run" in failed["error"]
        assert steps(failed)["hold"]["state"] == "failed"
        resumed = requests.post(f"{s.url}/api/v1/pipeline-runs/{run['run_id']}/resume").json()["run"]
        assert wait_end(s, resumed["run_id"])["state"] == "succeeded"
    finally:
        assert s.stop() == 0, s.log_tail()
        s.cleanup()


def test_registry_event_starts_a_run(srv, tmp_path):
    import mlflow
    apply(srv, tmp_path, """
name: on-alias
triggers:
  on:
    - registry: {model: event-model, action: set_alias}
steps:
  - name: react
    run: echo moved
""")
    client = mlflow.MlflowClient(tracking_uri=srv.url)
    client.create_registered_model("event-model")
    exp = client.create_experiment("event-exp")
    run = client.create_run(exp)
    client.create_model_version("event-model", f"runs:/{run.info.run_id}/model", run.info.run_id)
    client.set_registered_model_alias("event-model", "champion", "1")
    runs = wait_for(lambda: requests.get(f"{srv.url}/api/v1/pipelines/on-alias/runs").json()["runs"],
                    "a run started by the alias move")
    assert runs[0]["trigger"]["kind"] == "registry"
    assert runs[0]["trigger"]["detail"]["action"] == "set_alias"
    assert wait_end(srv, runs[0]["run_id"])["state"] == "succeeded"


def write_data(path: Path, seed: int, shuffle_labels: bool) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(600, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.3, size=600) > 0).astype(int)
    if shuffle_labels:
        y = rng.permutation(y)
    rows = ["f0,f1,f2,f3,label"] + [",".join(f"{v:.6f}" for v in r) + f",{t}" for r, t in zip(x, y)]
    path.write_text("\n".join(rows) + "\n")


TRAIN = """
name: train-gate
params: {data: good.csv}
steps:
  - name: validate
    uses: validate
    with:
      data: ${params.data}
      expectations:
        columns:
          label: {not_null: true, allowed: ["0", "1"]}
  - name: train
    needs: [validate]
    uses: train-xgboost
    with: {data: "${params.data}", label: label, num_boost_round: 30, params: {max_depth: 3}}
    outputs: {model: model, run: run.json}
  - name: register
    needs: [train]
    uses: register
    with: {model: gated, run: "${steps.train.outputs.run}"}
    outputs: {version: version.json}
  - name: promote
    needs: [register]
    uses: promote
    with: {model: gated, version: "${steps.register.outputs.version}", alias: champion}
  - name: deploy
    needs: [promote]
    uses: deploy
    with: {deployment: gated-api, ref: gated@champion, role: primary}
"""


def test_builtin_steps_promote_only_a_better_challenger(srv, tmp_path):
    import mlflow
    ws = tmp_path
    write_data(ws / "good.csv", 1, shuffle_labels=False)
    write_data(ws / "worse.csv", 2, shuffle_labels=True)
    apply(srv, ws, TRAIN)
    client = mlflow.MlflowClient(tracking_uri=srv.url)
    client.create_registered_model("gated")
    policy = "compare:\n  - metric: valid_auc\n    direction: higher\n"
    r = requests.put(f"{srv.url}/api/v1/models/gated/gate", json={"policy": policy})
    assert r.status_code == 200, r.text

    first = wait_end(srv, start(srv, "train-gate")["run_id"])  # no champion yet: the gate passes
    assert first["state"] == "succeeded", first["error"]
    assert client.get_registered_model("gated").aliases["champion"] == "1"
    # The trained package serves: the deploy step made a deployment of the champion.
    rows = [[0.5, 0.1, 0.0, 0.0], [-2.0, -1.0, 0.0, 0.0]]
    body = {"inputs": [{"name": f"f{i}", "shape": [2], "datatype": "FP64", "data": [r[i] for r in rows]}
                       for i in range(4)]}
    r = wait_for(lambda: (lambda x: x if x.status_code == 200 else None)(
        requests.post(f"{srv.url}/v2/models/gated-api/infer", json=body)), "the deployment to serve")
    p = r.json()["outputs"][0]["data"]
    assert p[0] > 0.5 > p[1]
    v1 = client.get_model_version("gated", "1")
    assert client.get_run(v1.run_id).data.metrics["valid_auc"] > 0.9

    worse = wait_end(srv, start(srv, "train-gate", {"data": "worse.csv"})["run_id"])
    assert worse["state"] == "failed"
    s = steps(worse)
    assert (s["register"]["state"], s["promote"]["state"], s["deploy"]["state"]) == ("succeeded", "failed", "skipped")
    assert "the gate did not pass gated version 2; the alias did not move" in worse["error"]
    assert client.get_registered_model("gated").aliases["champion"] == "1"
    assert client.get_run(client.get_model_version("gated", "2").run_id).data.metrics["valid_auc"] < 0.7

    # Lineage: version 1's run names its training data by the digest `ferry datasets` gives it.
    r = requests.post(f"{srv.url}/api/v1/datasets", json={"name": "good-data", "path": str(ws / "good.csv")})
    assert r.status_code == 200, r.text
    digest = r.json()["dataset"]["digest"]
    lineage = requests.get(f"{srv.url}/api/v1/models/gated/versions/1/lineage").json()
    assert [d["digest"] for d in lineage["datasets"]] == [digest[:32]]


def test_datasets_versions_diff_and_trigger(srv, tmp_path):
    apply(srv, tmp_path, """
name: on-data
triggers:
  on:
    - dataset: credit
steps:
  - name: react
    run: echo new data
""")
    rng = np.random.default_rng(3)
    data = tmp_path / "data"
    data.mkdir()
    x = rng.normal(size=500)
    (data / "credit.csv").write_text("amount,country\n" + "".join(f"{v:.4f},{'DE' if v > 0 else 'FR'}\n" for v in x))
    first = ferry(srv, "datasets", "register", "credit", str(data), "--description", "first").stdout
    assert "registered credit version 1" in first
    again = ferry(srv, "datasets", "register", "credit", str(data)).stdout
    assert "unchanged: credit version 1" in again
    (data / "credit.csv").write_text(
        "amount,country,age\n" + "".join(f"{v + 3:.4f},{'DE' if v > 0 else 'IT'},{40}\n" for v in x))
    assert "registered credit version 2" in ferry(srv, "datasets", "register", "credit", str(data)).stdout

    diff = requests.get(f"{srv.url}/api/v1/datasets/credit/diff", params={"a": 1, "b": "latest"}).json()
    table = diff["tables"][0]
    assert [c["name"] for c in table["schema"]["added"]] == ["age"]
    amount = next(c for c in table["columns"] if c["name"] == "amount")
    assert amount["drift"]["drifted"] and amount["mean_shift"] > 2
    country = next(c for c in table["columns"] if c["name"] == "country")
    assert "IT" in country["categories"]["new"] and "FR" in country["categories"]["vanished"]
    text = ferry(srv, "datasets", "diff", "credit", "1", "2").stdout
    assert "age" in text and "amount" in text

    def two_runs():
        runs = requests.get(f"{srv.url}/api/v1/pipelines/on-data/runs").json()["runs"]
        return runs if len(runs) >= 2 else None
    runs = wait_for(two_runs, "a run started by each new dataset version")
    assert [r["trigger"]["kind"] for r in runs] == ["dataset", "dataset"]
    # Versions 1 and 2 each started a run; registering unchanged content did not.
    assert sorted(r["trigger"]["detail"]["version"] for r in runs) == [1, 2]

    versions = requests.get(f"{srv.url}/api/v1/datasets/credit/versions").json()["versions"]
    assert [v["version"] for v in versions] == [2, 1] and versions[1]["description"] == "first"
    shown = requests.get(f"{srv.url}/api/v1/datasets/credit/versions/1").json()["dataset"]
    assert shown["manifest"]["entries"][0]["path"] == "credit.csv"
    assert shown["profile"]["tables"][0]["rows"] == 500

    bad = {"name": "../escape", "path": str(data)}
    r = requests.post(f"{srv.url}/api/v1/datasets", json=bad)
    assert r.status_code == 400 and "name" in r.json()["error"]["message"]
    r = requests.post(f"{srv.url}/api/v1/datasets", json={"name": "x", "path": "relative/path"})
    assert r.status_code == 400 and "path" in r.json()["error"]["message"]
    r = requests.post(f"{srv.url}/api/v1/datasets", json={"name": "x", "path": str(tmp_path / "missing")})
    assert r.status_code in (400, 404) and "missing" in r.json()["error"]["message"]
    r = requests.get(f"{srv.url}/api/v1/datasets/credit/diff", params={"a": 1, "b": "9"})
    assert r.status_code == 404
    r = requests.get(f"{srv.url}/api/v1/datasets/credit/diff", params={"a": "one", "b": 2})
    assert r.status_code == 400 and "a:" in r.json()["error"]["message"]


def test_bad_input_is_named(srv, tmp_path):
    url = f"{srv.url}/api/v1/pipelines"
    cycle = "name: c\nsteps:\n  - name: a\n    needs: b\n    run: 'true'\n  - name: b\n    needs: a\n    run: 'true'\n"
    r = requests.put(url, json={"yaml": cycle, "workspace": str(tmp_path)})
    assert r.status_code == 400 and "steps form a cycle: a → b → a (lines 3, 6)" in r.json()["error"]["message"]
    r = requests.put(url, json={"yaml": "name: x\nsteps:\n  - {name: a, run: 'true'}\n", "workspace": "relative/dir"})
    assert r.status_code == 400 and "workspace" in r.json()["error"]["message"]
    r = requests.put(url, json={"yaml": "name: x\nsteps:\n  - {name: a, uses: fly}\n", "workspace": str(tmp_path)})
    assert r.status_code == 400 and "fly" in r.json()["error"]["message"]
    r = requests.put(url, json={"workspace": str(tmp_path)})
    assert r.status_code == 400 and "yaml" in r.json()["error"]["message"]
    apply(srv, tmp_path, "name: ok\nparams: {p: 1}\nsteps:\n  - {name: a, run: 'true'}\n")
    r = requests.post(f"{url}/ok/runs", json={"params": {"nope": 1}})
    assert r.status_code == 400 and "params.nope" in r.json()["error"]["message"]
    r = requests.post(f"{url}/ok/runs", json={"params": {"p": [1]}})
    assert r.status_code == 400 and "params.p" in r.json()["error"]["message"]
    assert requests.post(f"{url}/missing/runs", json={}).status_code == 404
    run = wait_end(srv, start(srv, "ok")["run_id"])
    r = requests.get(f"{srv.url}/api/v1/pipeline-runs/{run['run_id']}/logs/../../etc")
    assert r.status_code == 404
    r = requests.get(f"{srv.url}/api/v1/pipeline-runs/{run['run_id']}/logs/a", params={"offset": -1})
    assert r.status_code == 400 and "offset" in r.json()["error"]["message"]
    r = requests.post(f"{srv.url}/api/v1/pipeline-runs/{run['run_id']}/resume")
    assert r.status_code == 409 and "only a failed or cancelled run" in r.json()["error"]["message"]
    r = requests.post(f"{srv.url}/api/v1/pipeline-runs/{run['run_id']}/cancel")
    assert r.status_code == 409 and "already ended" in r.json()["error"]["message"]
    assert requests.get(f"{srv.url}/api/v1/pipeline-runs/nope").status_code == 404


FAKE_KUBECTL = """#!/bin/sh
# A stand-in for kubectl and the API server (no cluster can run here): keeps
# each created Job, says every Job completed, and prints a log line.
dir=$(dirname "$0")
while [ $# -gt 0 ]; do case "$1" in --*) shift;; *) break;; esac; done
verb=$1; shift
case "$verb" in
create) cp "$2" "$dir/job-$(date +%s%N).json"; echo "job.batch/created";;
get) if [ "$1" = pods ]; then echo '{"items":[]}';
     else echo '{"status":{"conditions":[{"type":"Complete","status":"True"}],"succeeded":1}}'; fi;;
logs) echo "ran in the cluster";;
delete) echo "deleted";;
esac
"""


def test_the_server_runs_steps_as_kubernetes_jobs(tmp_path):
    import json
    kube = tmp_path / "kube"
    kube.mkdir()
    (kube / "kubectl").write_text(FAKE_KUBECTL)
    (kube / "kubectl").chmod(0o755)
    ws = tmp_path / "ws"
    ws.mkdir()
    s = ServerProcess("sqlite", tmp_path / "server", [
        "--pipeline-executor", "kubernetes", "--kubectl", str(kube / "kubectl"), "--k8s-image", "ghcr.io/x/ferry:1",
        "--k8s-namespace", "ml", "--k8s-pvc", "workspace", "--advertise-url", "http://ferry.ml.svc:5000"])
    s.start()
    try:
        apply(s, ws, """
name: on-k8s
steps:
  - name: prepare
    run: echo prepare
    resources: {cpu: 2, memory: 1Gi}
  - name: check
    needs: [prepare]
    uses: validate
    with: {data: d.csv, expectations: {columns: {}}}
""")
        run = wait_end(s, start(s, "on-k8s")["run_id"])
        assert run["state"] == "succeeded", run["error"]
        log = requests.get(f"{s.url}/api/v1/pipeline-runs/{run['run_id']}/logs/prepare").json()["text"]
        assert "ran in the cluster" in log
        jobs = [json.loads(p.read_text()) for p in sorted(kube.glob("job-*.json"))]
        assert len(jobs) == 2
        prepare, check = (j["spec"]["template"]["spec"]["containers"][0] for j in jobs)
        assert prepare["command"] == ["/bin/sh", "-c", "echo prepare"]
        assert prepare["resources"]["requests"] == {"cpu": "2", "memory": "1Gi"}
        assert check["command"][:3] == ["ferry", "step", "validate"]  # the image's ferry
        env = {e["name"]: e["value"] for e in check["env"]}
        assert env["FERRY_TRACKING_URI"] == "http://ferry.ml.svc:5000"
        assert env["FERRY_STEP_DIR"].startswith(str(ws / ".ferry" / "runs"))  # on the shared volume
        assert prepare["workingDir"] == str(ws) and jobs[0]["metadata"]["namespace"] == "ml"
    finally:
        assert s.stop() == 0, s.log_tail()
