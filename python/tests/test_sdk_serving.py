"""ferry.serving: deployments and predictions from the SDK against a real
server, with a booster trained here and registered through mlflow."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from ferry import Client, FerryError


@pytest.fixture(scope="module")
def model(ferry_url):
    import mlflow
    import xgboost
    mlflow.set_tracking_uri(ferry_url)
    mlflow.set_experiment(f"sdk-serving-{uuid.uuid4().hex[:8]}")  # not another server's id
    rng = np.random.default_rng(0)
    x = rng.random((300, 8), dtype=np.float32)
    y = (x[:, 0] > 0.5).astype(np.float32)
    name = f"sdk-serving-{uuid.uuid4().hex[:8]}"
    boosters = []
    for rounds in (5, 15):
        booster = xgboost.train({"objective": "binary:logistic", "max_depth": 3},
                                xgboost.DMatrix(x, label=y), rounds)
        with mlflow.start_run():
            mlflow.xgboost.log_model(booster, name="model", input_example=x[:2],
                                     registered_model_name=name)
        boosters.append(booster)
    return name, boosters, x


def test_deploy_and_predict(ferry_url, model):
    import xgboost
    name, boosters, x = model
    client = Client(ferry_url)
    dep = client.create_deployment(f"{name}-d", f"{name}/1", shadow=f"{name}/2",
                                   batching={"max_batch_size": 16})
    assert dep["arms"][0]["ready"] and dep["batching"]["max_batch_size"] == 16
    p = client.predict(f"{name}-d", x[:10])
    np.testing.assert_allclose(p.output, boosters[0].predict(xgboost.DMatrix(x[:10])), atol=1e-6)
    assert p.model_version == "1" and len(p.prediction_id) == 32
    assert client.predict(f"{name}-d", {"input-0": x[:3]}).output.shape == (3,)
    assert f"{name}-d" in [d["name"] for d in client.list_deployments()]
    spec = {"name": f"{name}-d", "model": f"{name}/2"}
    assert client.apply_deployment(spec)["arms"][0]["version"] == "2"
    p = client.predict(f"{name}-d", x[:4])
    np.testing.assert_allclose(p.output, boosters[1].predict(xgboost.DMatrix(x[:4])), atol=1e-6)
    client.delete_deployment(f"{name}-d")
    with pytest.raises(FerryError) as e:
        client.get_deployment(f"{name}-d")
    assert e.value.status == 404


def test_predict_errors_name_the_input(ferry_url, model):
    name, _, x = model
    client = Client(ferry_url)
    client.create_deployment(f"{name}-e", f"{name}/1")
    with pytest.raises(FerryError) as e:
        client.predict(f"{name}-e", x[:2, :5])
    assert e.value.status == 400 and "input-0" in e.value.message
    with pytest.raises(FerryError) as e:
        client.predict(f"{name}-e", {"nope": x[:2]})
    assert "unknown input 'nope'" in e.value.message
    with pytest.raises(FerryError) as e:
        client.create_deployment(f"{name}-e", f"{name}/1")
    assert e.value.code == "ALREADY_EXISTS"
