"""The `ferry` CLI's client commands against a running server: experiments,
runs and the registry (register, versions, alias, lineage, events, gate,
promote), including exit codes and the server's error on stderr."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

from harness import REPO, ferry_feature


def ferry(url: str, *args: str, user: str = "cli-user") -> subprocess.CompletedProcess:
    binary = os.environ.get("FERRY_BIN", "build/release/ferry")
    path = Path(binary) if Path(binary).is_absolute() else REPO / binary
    return subprocess.run([str(path), "--url", url, "--user", user, *args],
                          capture_output=True, text=True, timeout=60)


def test_experiments_and_runs(client, url):
    ferry_feature("the ferry CLI")
    name = f"cli-{uuid.uuid4().hex[:8]}"
    created = ferry(url, "experiments", "create", name)
    assert created.returncode == 0, created.stderr
    exp = created.stdout.strip()
    assert name in ferry(url, "experiments", "list").stdout
    run = client.create_run(exp)
    client.log_metric(run.info.run_id, "auc", 0.93)
    found = ferry(url, "runs", "search", "-e", exp, "--filter", "metrics.auc > 0.9",
                  "--metric", "auc")
    assert found.returncode == 0 and run.info.run_id in found.stdout
    bad = ferry(url, "runs", "search", "-e", exp, "--filter", "metrics.auc >")
    assert bad.returncode != 0 and "filter" in bad.stderr


def test_models_register_gate_promote_lineage(client, url, experiment_id, tmp_path):
    ferry_feature("the ferry CLI")
    name = f"cli-model-{uuid.uuid4().hex[:8]}"
    assert ferry(url, "models", "create", name).returncode == 0
    runs = []
    for auc in (0.80, 0.78, 0.85):
        r = client.create_run(experiment_id)
        client.log_metric(r.info.run_id, "auc", auc)
        runs.append(r.info.run_id)
        out = ferry(url, "models", "register", name, "--source", f"runs:/{r.info.run_id}/model")
        assert out.returncode == 0, out.stderr
    versions = ferry(url, "models", "versions", name)
    assert versions.returncode == 0 and runs[2] in versions.stdout

    policy = tmp_path / "gate.yaml"
    policy.write_text("compare:\n  - metric: auc\n    direction: higher\n")
    assert ferry(url, "models", "set-gate", name, str(policy)).returncode == 0
    assert ferry(url, "models", "promote", name, "--candidate", "1").returncode == 0
    refused = ferry(url, "models", "promote", name, "--candidate", "2")
    assert refused.returncode != 0
    assert "FAIL" in refused.stdout and "not promoted" in refused.stdout
    gate = ferry(url, "models", "gate", name, "--candidate", "3")
    assert gate.returncode == 0 and "PASSED" in gate.stdout and "0.8" in gate.stdout
    assert ferry(url, "models", "promote", name, "--candidate", "3").returncode == 0

    lineage = ferry(url, "models", "lineage", f"{name}@champion")
    assert lineage.returncode == 0 and runs[2] in lineage.stdout and "auc" in lineage.stdout
    rollback = ferry(url, "models", "alias", name, "champion", "1", "--reason", "drill")
    assert rollback.returncode == 0
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    events = ferry(url, "models", "events", name)
    assert "gate_decision" in events.stdout and "drill" in events.stdout
    assert "cli-user" in events.stdout

    missing = ferry(url, "models", "lineage", f"{name}@nobody")
    assert missing.returncode != 0 and "404" in missing.stderr


def test_webhook_commands(url):
    ferry_feature("the ferry CLI")
    created = ferry(url, "webhooks", "create", "http://127.0.0.1:1/x", "--event", "set_alias")
    assert created.returncode == 0, created.stderr
    hook_id = created.stdout.split()[1]
    assert "secret " in created.stdout
    assert "http://127.0.0.1:1/x" in ferry(url, "webhooks", "list").stdout
    assert ferry(url, "webhooks", "deliveries", hook_id).returncode == 0
    assert ferry(url, "webhooks", "delete", hook_id).returncode == 0
    gone = ferry(url, "webhooks", "delete", hook_id)
    assert gone.returncode != 0 and "404" in gone.stderr
