"""Registry webhooks against a real receiver on loopback: every delivery is
signed (HMAC-SHA256 of the body with the webhook's secret), a 500 is retried
until it succeeds, filters by model and action hold, and the delivery log
shows each attempt."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

from harness import ferry_feature
from webhook_receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver(fail_first=True)
    yield r
    r.close()


def test_signed_deliveries_with_retries(client, url, receiver):
    ferry_feature("registry webhooks")
    name = f"hooked-{uuid.uuid4().hex[:8]}"
    r = requests.post(f"{url}/api/v1/webhooks", timeout=10,
                      json={"url": receiver.url, "model": name,
                            "events": ["create_version", "set_alias"]})
    assert r.status_code == 200, r.text
    hook_id, secret = r.json()["webhook"]["id"], r.json()["secret"]

    client.create_registered_model(name)
    client.create_registered_model(f"other-{uuid.uuid4().hex[:8]}")  # another model: filtered out
    run = client.create_run("0")
    client.create_model_version(name, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    client.set_registered_model_alias(name, "champion", "1")

    got = receiver.wait_for(2)
    assert len(got) == 2, receiver.attempts
    actions = []
    for headers, body in got:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Ferry-Signature"], expected)
        event = json.loads(body)
        assert event["model"] == name and headers["X-Ferry-Event"] == event["action"]
        actions.append(event["action"])
    assert actions == ["create_version", "set_alias"]
    assert json.loads(got[1][1])["after"] == {"alias": "champion", "version": 1}

    # The receiver answers before Ferry records the attempt: wait for the log.
    deadline = time.time() + 10
    while True:
        log = requests.get(f"{url}/api/v1/webhooks/{hook_id}/deliveries", timeout=10).json()
        attempts = [(d["attempt"], d["status_code"], d["delivered"]) for d in log["deliveries"]]
        if len(attempts) >= 4 or time.time() > deadline:
            break
        time.sleep(0.05)
    assert attempts == [(1, 500, False), (2, 200, True)] * 2

    bad = requests.post(f"{url}/api/v1/webhooks", json={"url": "file:///etc/passwd"}, timeout=10)
    assert bad.status_code == 400 and "url" in bad.json()["error"]["message"]
    assert requests.delete(f"{url}/api/v1/webhooks/{hook_id}", timeout=10).status_code == 200
    assert requests.delete(f"{url}/api/v1/webhooks/{hook_id}", timeout=10).status_code == 404
