"""Peer (b): the usual starter stack, FastAPI + uvicorn + a joblib-loaded
model, answering MLflow's {"inputs": [[...], ...]} body on /invocations.

    BENCH_MODEL=/path/model.joblib uvicorn fastapi_app:app --workers 2
"""

import os

import joblib
import numpy as np
from fastapi import FastAPI, Request

model = joblib.load(os.environ["BENCH_MODEL"])
app = FastAPI()


@app.post("/invocations")
async def invocations(request: Request):
    body = await request.json()
    x = np.asarray(body["inputs"], dtype=np.float32)
    if hasattr(model, "inplace_predict"):  # an xgboost Booster
        y = model.inplace_predict(x)
    else:
        y = model.predict(x)
    return {"predictions": y.tolist()}
