"""`ferry serve --control URL --deployment NAME`: a data-plane replica that
serves a control plane's deployment, downloads its packages, and follows an
alias move on the control plane (hot swap) without a restart."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import requests

import serving_models as sm
from harness import REPO, SERVER, free_port, wait_for

pytestmark = pytest.mark.skipif(SERVER != "ferry", reason="ferry serve")

ROW = {"inputs": [[0.25] * 30]}




def test_replica_serves_and_follows_alias_moves(url, client, tmp_path):
    name = sm.unique("replicated")
    for seed in (1, 2):
        sm.log_version(name, sm.train(seed=seed, rounds=5))
    client.set_registered_model_alias(name, "champion", "1")
    r = requests.post(url + "/api/v1/deployments", json={"name": name, "model": f"{name}@champion"})
    assert r.status_code == 201, r.text
    binary = os.environ.get("FERRY_BIN", "build/release/ferry")
    binary = binary if Path(binary).is_absolute() else str(REPO / binary)
    port = free_port()
    log = open(tmp_path / "replica.log", "wb")
    proc = subprocess.Popen([binary, "serve", "--control", url, "--deployment", name,
                             "--port", str(port), "--grpc-port", "-1", "--poll-seconds", "1",
                             "--cache-dir", str(tmp_path / "cache"),
                             "--payload-dir", str(tmp_path / "payloads")],
                            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    replica = f"http://127.0.0.1:{port}"
    try:
        def ready():
            try:
                return requests.get(replica + "/readyz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(ready, "the replica to be ready")
        r = requests.post(f"{replica}/invocations", json=ROW)
        assert r.status_code == 200 and r.headers["Ferry-Model-Version"] == "1", r.text
        assert (tmp_path / "cache" / name / "1" / "MLmodel").exists()
        client.set_registered_model_alias(name, "champion", "2")
        wait_for(lambda: requests.post(f"{replica}/invocations", json=ROW)
                 .headers.get("Ferry-Model-Version") == "2", "the replica to follow the alias")
        # A spec change on the control plane is applied too.
        r = requests.put(f"{url}/api/v1/deployments/{name}",
                         json={"model": f"{name}/1", "batching": {"max_batch_size": 4}})
        assert r.status_code == 200, r.text
        wait_for(lambda: requests.get(f"{replica}/api/v1/deployments/{name}").json()
                 ["deployment"]["batching"]["max_batch_size"] == 4, "the new spec")
        assert requests.post(f"{replica}/invocations", json=ROW).headers["Ferry-Model-Version"] == "1"
        assert "ferry_inference_requests_total" in requests.get(replica + "/metrics").text
    finally:
        proc.terminate()
        code = proc.wait(timeout=30)
        log.close()
    assert code == 0, (tmp_path / "replica.log").read_text()[-3000:]
