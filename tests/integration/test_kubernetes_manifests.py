"""`ferry pipeline manifests`: the Kubernetes Job each step would be.

Every manifest the binary writes is validated against the real Kubernetes
Job schema, offline: the `kubernetes-validate` package (requirements.txt)
bundles the JSON schemas generated from each Kubernetes release's OpenAPI
spec; we use its strict variant (unknown fields are errors) for the oldest
and the newest release it ships. The grammars the schema does not encode
(DNS-1123 names, label keys and values, env names, quantities) are checked
here with Kubernetes' own regular expressions. No cluster is needed or used.

Also: the YAML and JSON forms hold the same values, the output is the same
byte for byte on a second run, hostile inputs fail with a message naming
the field, and deploy/kubernetes/rbac.yaml is valid too."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from harness import REPO, SERVER

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="Ferry's CLI")

# The oldest and newest Kubernetes releases whose schemas the package ships.
VERSIONS = ["1.25", kubernetes_validate.utils.latest_version()]

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")  # apimachinery's

PIPELINE = """
name: retrain-fraud
params:
  rows: "100"
  lr: "0.1"
steps:
  - name: make-data
    run: python make_data.py ${params.rows} "$FERRY_OUTPUT_DATA"
    outputs: {data: data.csv}
    resources: {cpu: 500m, memory: 512Mi}
  - name: train
    run: [python, train.py, --data, "${steps.make-data.outputs.data}", --lr, "${params.lr}"]
    needs: [make-data]
    env: {OMP_NUM_THREADS: "4", NOTE: "quotes \\" and 'these', a # and: colons\\nnew line é"}
    timeout: 90s
    resources: {cpu: 2, memory: 4Gi, gpu: 1}
  - name: validate
    uses: validate
    with: {data: "${steps.make-data.outputs.data}", min_rows: 10}
    needs: [train]
"""


def ferry(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    binary = os.environ.get("FERRY_BIN", "build/release/ferry")
    path = Path(binary) if Path(binary).is_absolute() else REPO / binary
    return subprocess.run([str(path), *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def manifests(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return ferry("pipeline", "manifests", "pipeline.yaml", "--image", "registry.example/ferry:1.0",
                 "--run-id", "r1", "--workspace", "/workspace", *extra, cwd=tmp_path)


def check_job(job: dict) -> None:
    """The schema, for each release, and the grammars it leaves to the API server."""
    for version in VERSIONS:
        kubernetes_validate.validate(job, version, strict=True)
    meta = job["metadata"]
    assert DNS_LABEL.match(meta["name"]) and len(meta["name"]) <= 63, meta["name"]
    for labels in (meta["labels"], job["spec"]["template"]["metadata"]["labels"]):
        for key, value in labels.items():
            prefix, _, name = key.rpartition("/")
            assert LABEL_NAME.match(name) and len(name) <= 63, key
            assert not prefix or DNS_SUBDOMAIN.match(prefix), key
            assert value == "" or (LABEL_NAME.match(value) and len(value) <= 63), value
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] == 0
    for container in pod["containers"]:
        for env in container.get("env", []):
            assert ENV_NAME.match(env["name"]), env["name"]
            assert isinstance(env["value"], str)
        for kind in ("requests", "limits"):
            for quantity in container["resources"].get(kind, {}).values():
                assert isinstance(quantity, str) and QUANTITY.match(quantity), quantity


def test_every_manifest_is_a_valid_job(tmp_path):
    (tmp_path / "pipeline.yaml").write_text(PIPELINE)
    out = manifests(tmp_path, "--namespace", "ml", "--pvc", "ferry-workspace", "--service-account", "ferry-steps",
                    "--label", "team=fraud", "--param", "rows=5", "--out", "jobs")
    assert out.returncode == 0, out.stderr
    files = sorted((tmp_path / "jobs").iterdir())
    assert [f.name for f in files] == ["make-data.yaml", "train.yaml", "validate.yaml"]
    jobs = {f.stem: yaml.safe_load(f.read_text()) for f in files}
    for job in jobs.values():
        check_job(job)
    assert len({job["metadata"]["name"] for job in jobs.values()}) == 3

    make, train = jobs["make-data"], jobs["train"]
    container = train["spec"]["template"]["spec"]["containers"][0]
    data = "/workspace/.ferry/runs/r1/steps/make-data/data.csv"
    assert container["command"] == ["python", "train.py", "--data", data, "--lr", "0.1"]
    assert make["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "/bin/sh", "-c", 'python make_data.py 5 "$FERRY_OUTPUT_DATA"']
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["OMP_NUM_THREADS"] == "4"
    assert env["NOTE"] == "quotes \" and 'these', a # and: colons\nnew line é"
    assert env["FERRY_STEP"] == "train" and env["FERRY_PIPELINE"] == "retrain-fraud"
    assert [e["name"] for e in container["env"]] == sorted(env)
    assert container["workingDir"] == "/workspace"
    assert container["volumeMounts"] == [{"name": "workspace", "mountPath": "/workspace"}]
    assert train["spec"]["template"]["spec"]["volumes"] == [
        {"name": "workspace", "persistentVolumeClaim": {"claimName": "ferry-workspace"}}]
    assert container["resources"] == {"requests": {"cpu": "2", "memory": "4Gi"},
                                      "limits": {"memory": "4Gi", "nvidia.com/gpu": "1"}}
    assert make["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"] == {
        "cpu": "500m", "memory": "512Mi"}
    assert train["spec"]["activeDeadlineSeconds"] == 90
    assert train["metadata"]["namespace"] == "ml"
    assert train["metadata"]["labels"]["team"] == "fraud"
    assert train["metadata"]["labels"]["ferry.dev/step"] == "train"
    assert train["metadata"]["annotations"]["ferry.dev/attempt-id"] == "/workspace/.ferry/runs/r1/train/1"
    # A built-in step runs as `ferry step NAME --with JSON`, with the image's ferry.
    builtin = jobs["validate"]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert builtin[:4] == ["ferry", "step", "validate", "--with"]
    # Scalars reach built-in steps as written (the steps read "10" as 10).
    assert json.loads(builtin[4]) == {"data": data, "min_rows": "10"}


def test_json_and_yaml_say_the_same_and_are_deterministic(tmp_path):
    (tmp_path / "pipeline.yaml").write_text(PIPELINE)
    as_json = manifests(tmp_path, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    listed = json.loads(as_json.stdout)
    assert listed["kind"] == "List" and len(listed["items"]) == 3
    for job in listed["items"]:
        check_job(job)
    as_yaml = manifests(tmp_path)
    assert as_yaml.returncode == 0, as_yaml.stderr
    assert list(yaml.safe_load_all(as_yaml.stdout)) == listed["items"]
    assert manifests(tmp_path).stdout == as_yaml.stdout


def test_a_long_step_name_still_makes_valid_names_and_labels(tmp_path):
    step = "s" * 64  # the longest step name a pipeline may have; a label value holds 63
    (tmp_path / "pipeline.yaml").write_text(f"name: {'p' * 128}\nsteps:\n  - {{name: {step}, run: 'true'}}\n")
    out = manifests(tmp_path, "--out", "jobs")
    assert out.returncode == 0, out.stderr
    job = yaml.safe_load((tmp_path / "jobs" / f"{step}.yaml").read_text())
    check_job(job)
    assert job["metadata"]["annotations"]["ferry.dev/step"] == step


@pytest.mark.parametrize("args, pipeline, said", [
    ([], "name: p\nsteps:\n  - {name: a, run: 'true', env: {1BAD: x}}\n", ["line 3", "1BAD"]),
    ([], "name: p\nsteps:\n  - {name: a, run: 'true', env: {'BAD NAME': x}}\n", ["line 3", "BAD NAME"]),
    (["--namespace", "Prod_NS"], "name: p\nsteps:\n  - {name: a, run: 'true'}\n", ["namespace", "Prod_NS"]),
    (["--label", "team=a b"], "name: p\nsteps:\n  - {name: a, run: 'true'}\n", ["labels['team']", "label value"]),
    (["--label", "ferry.dev/step=x"], "name: p\nsteps:\n  - {name: a, run: 'true'}\n", ["Ferry sets"]),
    (["--pvc", "Work_Space"], "name: p\nsteps:\n  - {name: a, run: 'true'}\n", ["workspace_pvc"]),
    (["--image-pull-policy", "sometimes"], "name: p\nsteps:\n  - {name: a, run: 'true'}\n", ["image_pull_policy"]),
    (["--param", "nope=1"], "name: p\nsteps:\n  - {name: a, run: 'true'}\n", ["nope", "not a param"]),
])
def test_hostile_inputs_fail_with_a_clear_message(tmp_path, args, pipeline, said):
    (tmp_path / "pipeline.yaml").write_text(pipeline)
    out = manifests(tmp_path, *args, "--out", "jobs")
    assert out.returncode != 0
    for words in said:
        assert words in out.stderr, out.stderr
    assert not (tmp_path / "jobs").exists() or not any((tmp_path / "jobs").iterdir())


def test_an_image_is_required(tmp_path):
    (tmp_path / "pipeline.yaml").write_text("name: p\nsteps:\n  - {name: a, run: 'true'}\n")
    out = ferry("pipeline", "manifests", "pipeline.yaml", cwd=tmp_path)
    assert out.returncode != 0 and "--image" in out.stderr, out.stderr


def test_the_rbac_example_is_valid():
    docs = [d for d in yaml.safe_load_all((REPO / "deploy" / "kubernetes" / "rbac.yaml").read_text()) if d]
    assert {d["kind"] for d in docs} == {"ServiceAccount", "Role", "RoleBinding"}
    for doc in docs:
        for version in VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)
    role = next(d for d in docs if d["kind"] == "Role")
    granted = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
               for v in rule["verbs"]}
    # What the executor's kubectl calls need: create/get/delete jobs, list pods, read pod logs.
    for need in [("batch", "jobs", "create"), ("batch", "jobs", "get"), ("batch", "jobs", "delete"),
                 ("", "pods", "list"), ("", "pods/log", "get")]:
        assert need in granted, need
