"""The SDK's registry calls against a real server: versions from runs,
aliases, lineage, audit events, a gate that refuses a worse challenger, an
approval override, and errors carrying the server's code."""

import uuid

import pytest

from ferry import Client, FerryError


@pytest.fixture
def client(ferry_url):
    return Client(ferry_url)


def trained(client, exp, auc):
    with client.start_run(exp) as run:
        run.log_params({"depth": 6})
        run.log_metric("auc", auc)
        run.set_tag("mlflow.source.git.commit", "feedbeef")
    return run.run_id


def test_gated_promotion_lineage_and_audit(client):
    exp = client.create_experiment(f"sdk-{uuid.uuid4().hex}")
    name = f"fraud-{uuid.uuid4().hex[:8]}"
    client.create_model(name, description="fraud detector")
    runs = [trained(client, exp, auc) for auc in (0.81, 0.80, 0.88)]
    versions = [client.register_version(name, f"runs:/{r}/model") for r in runs]
    assert [v["version"] for v in versions] == ["1", "2", "3"]

    client.set_gate(name, "compare:\n  - metric: auc\n    direction: higher\n")
    assert client.promote(name, 1)["promoted"] is True
    refused = client.promote(name, 2)
    assert refused["promoted"] is False
    assert refused["decision"]["rows"][0]["challenger"] == pytest.approx(0.80)
    assert client.get_alias(name, "champion")["version"] == "1"
    assert client.promote(name, 3)["promoted"] is True

    with pytest.raises(FerryError) as err:
        client.promote(name, 2, approve=True)  # an approval needs a reason
    assert err.value.status == 400
    forced = client.promote(name, 2, approve=True, reason="rollback drill")
    assert forced["promoted"] is True

    lineage = client.lineage(f"{name}@champion")
    assert lineage["model_version"]["version"] == "2"
    assert lineage["run"]["info"]["run_id"] == runs[1]
    assert lineage["code_version"] == "feedbeef"

    events = client.events(name)
    reasons = [e["reason"] for e in events if e["action"] == "set_alias"]
    assert reasons[-1] == "rollback drill"

    with pytest.raises(FerryError) as err:
        client.delete_version(name, 2)  # the champion alias points at it
    assert err.value.status in (400, 409)
    client.delete_version(name, 2, force=True)
    with pytest.raises(FerryError) as err:
        client.get_alias(name, "champion")
    assert err.value.code == "NOT_FOUND"


def test_model_and_version_updates(client):
    exp = client.create_experiment(f"sdk-{uuid.uuid4().hex}")
    name = f"upd-{uuid.uuid4().hex[:8]}"
    client.create_model(name)
    run = trained(client, exp, 0.9)
    for _ in range(2):
        client.register_version(name, f"runs:/{run}/model")
    renamed = client.update_model(name, description="v2 detector", new_name=name + "-x")
    assert renamed["name"] == name + "-x" and renamed["description"] == "v2 detector"
    name += "-x"
    client.set_model_tag(name, "team", "risk")
    assert {"key": "team", "value": "risk"} in client.get_model(name)["tags"]
    client.delete_model_tag(name, "team")
    assert client.get_model(name)["tags"] == []
    client.update_version(name, 1, stage="Production")
    v2 = client.update_version(name, 2, description="candidate", stage="production",
                               archive_existing=True)
    assert v2["current_stage"] == "Production" and v2["description"] == "candidate"
    assert client.get_version(name, 1)["current_stage"] == "Archived"
    client.set_version_tag(name, 2, "validated", "yes")
    assert client.get_version(name, 2)["tags"] == [{"key": "validated", "value": "yes"}]
    client.delete_version_tag(name, 2, "validated")
    with pytest.raises(FerryError) as err:
        client.update_version(name, 2, stage="Prod")
    assert err.value.status == 400
    actions = [e["action"] for e in client.events(name)]
    assert "rename_model" in actions and actions.count("transition_stage") >= 3


def test_webhooks_from_the_sdk(client):
    hook = client.create_webhook("http://127.0.0.1:1/never", model="nobody",
                                 events=["set_alias"])
    assert len(hook["secret"]) >= 16
    hook_id = hook["webhook"]["id"]
    assert any(h["id"] == hook_id for h in client.list_webhooks())
    assert client.webhook_deliveries(hook_id) == []
    with pytest.raises(FerryError) as err:
        client.create_webhook("ftp://example.com/x")
    assert err.value.status == 400
    client.delete_webhook(hook_id)
    assert all(h["id"] != hook_id for h in client.list_webhooks())
