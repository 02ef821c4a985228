"""`ferry deploy …` against a running server: create with canary and shadow,
list, get, apply a YAML file (GitOps), delete; errors on stderr with a
non-zero exit code."""

from __future__ import annotations

import json

import pytest

import serving_models as sm
from harness import SERVER
from test_cli import ferry

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="the ferry CLI")


def test_deploy_commands(url, tmp_path):
    name = sm.unique("cli-model")
    for seed in (1, 2):
        sm.log_version(name, sm.train(seed=seed, rounds=5))
    dep = sm.unique("cli-dep")
    made = ferry(url, "deploy", "create", dep, "--model", f"{name}/1",
                 "--canary", f"{name}/2:25", "--shadow", f"{name}/2", "--max-batch-size", "32")
    assert made.returncode == 0, made.stderr
    assert "canary 25%" in made.stdout and "primary" in made.stdout and "shadow" in made.stdout
    listed = ferry(url, "deploy", "list")
    assert listed.returncode == 0 and dep in listed.stdout
    got = json.loads(ferry(url, "--json", "deploy", "get", dep).stdout)["deployment"]
    assert got["batching"]["max_batch_size"] == 32 and got["canary"]["percent"] == 25
    spec = tmp_path / "dep.yaml"
    spec.write_text(f"name: {dep}\nmodel: {name}/2\nbatching:\n  max_batch_size: 8\n")
    applied = ferry(url, "--json", "deploy", "apply", "-f", str(spec))
    assert applied.returncode == 0, applied.stderr
    d = json.loads(applied.stdout)["deployment"]
    assert [a["role"] for a in d["arms"]] == ["primary"] and d["arms"][0]["version"] == "2"
    bad = ferry(url, "deploy", "create", "x", "--model", f"{name}/1", "--canary", f"{name}/2:150")
    assert bad.returncode != 0 and "percent" in bad.stderr
    missing = ferry(url, "deploy", "create", sm.unique("y"), "--model", "no-such-model/1")
    assert missing.returncode != 0 and "not found" in missing.stderr
    assert ferry(url, "deploy", "delete", dep).returncode == 0
    gone = ferry(url, "deploy", "get", dep)
    assert gone.returncode != 0 and "not found" in gone.stderr
