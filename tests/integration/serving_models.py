"""Models the serving tests deploy: XGBoost boosters trained here, logged with
the real mlflow client (mlflow.xgboost.log_model) and registered in Ferry.
Predictions are compared with what the xgboost library itself answers."""

from __future__ import annotations

import uuid

import numpy as np

FEATURES = 30


def data(rows: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((rows, FEATURES), dtype=np.float32)
    y = ((x[:, 0] + x[:, 1] * x[:, 2]) > 0.7).astype(np.float32)
    return x, y


COLUMNS = [f"f{i}" for i in range(FEATURES)]


def train(seed: int = 0, rounds: int = 30, objective: str = "binary:logistic",
          named: bool = False):
    """`named`: with feature names f0..f29 (a model trained on a DataFrame)."""
    import xgboost
    x, y = data(seed=seed)
    matrix = xgboost.DMatrix(x, label=y, feature_names=COLUMNS if named else None)
    return xgboost.train({"objective": objective, "max_depth": 4, "seed": seed, "nthread": 1},
                         matrix, rounds)


def predict(booster, x: np.ndarray) -> np.ndarray:
    import xgboost
    return booster.predict(xgboost.DMatrix(x, feature_names=booster.feature_names))


def log_version(name: str, booster, columns: bool = False) -> str:
    """Logs `booster` in a run and registers it as a new version of `name`;
    returns the version. `columns` gives it a column signature (f0..f29)
    instead of a [-1, 30] tensor signature."""
    import mlflow
    import pandas as pd
    x, _ = data(rows=2)
    example = pd.DataFrame(x.astype(np.float64), columns=COLUMNS) if columns else x
    with mlflow.start_run():
        info = mlflow.xgboost.log_model(booster, name="model", input_example=example,
                                        registered_model_name=name)
    return str(info.registered_model_version)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
