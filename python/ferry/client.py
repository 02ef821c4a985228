"""Client for Ferry's own API (/api/v1).

    from ferry import Client
    client = Client("http://127.0.0.1:5000")
    exp = client.create_experiment("fraud")
    with client.start_run(exp, run_name="gbm-1") as run:
        run.log_params({"max_depth": 6})
        run.log_metric("auc", 0.91, step=1)
        run.log_artifact("model.json")
"""

from __future__ import annotations

import math
import os
import time
import urllib.parse
from typing import Any, Dict, Iterator, List, Mapping, Optional

import requests

from ferry.monitoring import MonitoringMixin
from ferry.pipelines import PipelinesMixin
from ferry.registry import RegistryMixin
from ferry.serving import ServingMixin


class FerryError(Exception):
    """An error answered by the server: `code` is Ferry's error code
    (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, ...), `status` the HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message


def _now_ms() -> int:
    return int(time.time() * 1000)


def _metric_value(value: Any) -> Any:
    # Protobuf's JSON mapping for non-finite doubles, which the server reads.
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _parse_value(value: Any) -> float:
    return float(value) if not isinstance(value, str) else float(value.replace("Infinity", "inf"))


class Client(RegistryMixin, ServingMixin, MonitoringMixin, PipelinesMixin):
    """A connection to one Ferry server. Thread-safe for independent calls."""

    def __init__(self, url: Optional[str] = None, timeout: float = 60.0) -> None:
        self.url = (url or os.environ.get("FERRY_URL", "http://127.0.0.1:5000")).rstrip("/")
        self.timeout = timeout
        self._http = requests.Session()

    # -- plumbing -----------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None,
              params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        resp = self._http.request(method, self.url + "/api/v1" + path, json=body,
                                  params=params, timeout=self.timeout)
        return self._answer(resp)

    @staticmethod
    def _answer(resp: requests.Response) -> Dict[str, Any]:
        try:
            payload = resp.json()
        except ValueError:
            payload = None
        if not 200 <= resp.status_code <= 299:
            err = (payload or {}).get("error", {}) if isinstance(payload, dict) else {}
            if isinstance(err, str):  # the Open Inference Protocol's {"error": "..."}
                err = {"code": "INFERENCE_ERROR", "message": err}
            raise FerryError(resp.status_code, err.get("code", "UNKNOWN"),
                             err.get("message", resp.text[:500]))
        return payload if isinstance(payload, dict) else {}

    # -- experiments --------------------------------------------------------
    def create_experiment(self, name: str, tags: Optional[Mapping[str, str]] = None) -> str:
        body = {"name": name, "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}
        return self._call("POST", "/experiments", body)["experiment"]["experiment_id"]

    def get_experiment(self, experiment_id: str) -> Dict[str, Any]:
        return self._call("GET", f"/experiments/{experiment_id}")["experiment"]

    def list_experiments(self, filter: str = "") -> List[Dict[str, Any]]:
        params = {"filter": filter} if filter else None
        return self._call("GET", "/experiments", params=params)["experiments"]

    # -- runs ---------------------------------------------------------------
    def create_run(self, experiment_id: str, run_name: str = "",
                   tags: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
        body = {"experiment_id": experiment_id, "run_name": run_name,
                "start_time": _now_ms(),
                "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}
        return self._call("POST", "/runs", body)["run"]

    def get_run(self, run_id: str) -> Dict[str, Any]:
        return self._call("GET", f"/runs/{run_id}")["run"]

    def end_run(self, run_id: str, status: str = "FINISHED") -> None:
        self._call("PATCH", f"/runs/{run_id}", {"status": status, "end_time": _now_ms()})

    def log(self, run_id: str, metrics: Optional[Mapping[str, float]] = None,
            params: Optional[Mapping[str, Any]] = None,
            tags: Optional[Mapping[str, str]] = None, step: int = 0) -> None:
        """Logs a batch atomically: all of it is stored, or none of it."""
        ts = _now_ms()
        body = {
            "metrics": [{"key": k, "value": _metric_value(v), "timestamp": ts, "step": step}
                        for k, v in (metrics or {}).items()],
            "params": [{"key": k, "value": str(v)} for k, v in (params or {}).items()],
            "tags": [{"key": k, "value": str(v)} for k, v in (tags or {}).items()],
        }
        self._call("POST", f"/runs/{run_id}/log", body)

    def log_metric_history(self, run_id: str, key: str, values: List[float],
                           steps: Optional[List[int]] = None, batch: int = 1000) -> None:
        """Logs a whole history of one metric (steps 0.. by default), in
        batches of `batch` points (the server takes at most 1000 per batch)."""
        steps = list(range(len(values))) if steps is None else steps
        if len(steps) != len(values):
            raise ValueError("steps and values differ in length")
        ts = _now_ms()
        for i in range(0, len(values), batch):
            body = {"metrics": [{"key": key, "value": _metric_value(v), "timestamp": ts + s, "step": s}
                                for s, v in zip(steps[i:i + batch], values[i:i + batch])]}
            self._call("POST", f"/runs/{run_id}/log", body)

    def metric_history(self, run_id: str, key: str) -> List[Dict[str, Any]]:
        out: List[Dict[str, Any]] = []
        token = ""
        while True:
            params = {"page_token": token} if token else None
            page = self._call("GET", f"/runs/{run_id}/metrics/{urllib.parse.quote(key)}",
                              params=params)
            for m in page["metrics"]:
                m["value"] = _parse_value(m["value"])
                out.append(m)
            token = page.get("next_page_token", "")
            if not token:
                return out

    def search_runs(self, experiment_ids: List[str], filter: str = "",
                    order_by: Optional[List[str]] = None,
                    max_results: int = 1000) -> Iterator[Dict[str, Any]]:
        """Yields every matching run, following pages."""
        token = ""
        while True:
            page = self._call("POST", "/runs/search", {
                "experiment_ids": experiment_ids, "filter": filter,
                "order_by": order_by or [], "max_results": max_results,
                "page_token": token})
            yield from page["runs"]
            token = page.get("next_page_token", "")
            if not token:
                return

    def upload_artifact(self, run_id: str, local_path: str,
                        artifact_path: Optional[str] = None) -> Dict[str, Any]:
        """Streams a file to the run's artifacts; returns its size and sha256."""
        name = artifact_path or os.path.basename(local_path)
        url = f"{self.url}/api/v1/runs/{run_id}/artifacts/{urllib.parse.quote(name)}"
        with open(local_path, "rb") as f:
            return self._answer(self._http.put(url, data=f, timeout=self.timeout))

    def download_artifact(self, run_id: str, artifact_path: str, local_path: str) -> None:
        url = f"{self.url}/api/v1/runs/{run_id}/artifacts/{urllib.parse.quote(artifact_path)}"
        with self._http.get(url, stream=True, timeout=self.timeout) as resp:
            if resp.status_code != 200:
                self._answer(resp)
            with open(local_path, "wb") as f:
                for chunk in resp.iter_content(1 << 20):
                    f.write(chunk)

    def list_artifacts(self, run_id: str, path: str = "") -> List[Dict[str, Any]]:
        params = {"path": path} if path else None
        return self._call("GET", f"/runs/{run_id}/artifacts", params=params)["files"]

    def start_run(self, experiment_id: str, run_name: str = "",
                  tags: Optional[Mapping[str, str]] = None) -> "ActiveRun":
        return ActiveRun(self, self.create_run(experiment_id, run_name, tags))


class ActiveRun:
    """A run used as a context manager: FINISHED on normal exit, FAILED when
    the block raises."""

    def __init__(self, client: Client, run: Dict[str, Any]) -> None:
        self.client = client
        self.info = run["info"]
        self.run_id: str = self.info["run_id"]

    def __enter__(self) -> "ActiveRun":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.client.end_run(self.run_id, "FAILED" if exc_type else "FINISHED")

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        self.client.log(self.run_id, metrics={key: value}, step=step)

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        self.client.log(self.run_id, metrics=metrics, step=step)

    def log_param(self, key: str, value: Any) -> None:
        self.client.log(self.run_id, params={key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.client.log(self.run_id, params=params)

    def set_tag(self, key: str, value: str) -> None:
        self.client.log(self.run_id, tags={key: value})

    def log_artifact(self, local_path: str, artifact_path: Optional[str] = None) -> Dict[str, Any]:
        return self.client.upload_artifact(self.run_id, local_path, artifact_path)
