"""Monitoring calls of the Ferry client: a model version's reference data,
ingestion of the payload log, and a deployment's drift report. Mixed into
`ferry.Client`.

    client.set_reference("fraud", "champion", "train.csv")   # or a pandas DataFrame
    report = client.drift("fraud-api")                        # last 24 h
    report["dataset_drift"], [c for c in report["columns"] if c.get("drifted")]
    client.drift_html("fraud-api", "drift.html")
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional, Union


def _q(name: str) -> str:
    return urllib.parse.quote(str(name), safe="")


class MonitoringMixin:
    """Monitoring methods; `_call`, `_answer`, `_http`, `url` and `timeout` come from Client."""

    def _call(self, method: str, path: str, body: Any = None,
              params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        raise NotImplementedError  # provided by Client

    def set_reference(self, model: str, version: Union[int, str], data: Any) -> Dict[str, Any]:
        """Stores `data` (a CSV path, CSV text or bytes, or a pandas DataFrame)
        as the reference of model version `version` (a number or an alias)."""
        if hasattr(data, "to_csv"):
            body = data.to_csv(index=False).encode()
        elif isinstance(data, (bytes, bytearray)):
            body = bytes(data)
        elif isinstance(data, str) and os.path.exists(data):
            with open(data, "rb") as f:
                body = f.read()
        else:
            body = str(data).encode()
        resp = self._http.put(f"{self.url}/api/v1/models/{_q(model)}/versions/{_q(version)}/reference",
                              data=body, headers={"Content-Type": "text/csv"}, timeout=self.timeout)
        return self._answer(resp)["reference"]

    def get_reference(self, model: str, version: Union[int, str]) -> Dict[str, Any]:
        """The reference's profile (per column: counts, quantiles, top values)."""
        return self._call("GET", f"/models/{_q(model)}/versions/{_q(version)}/reference")["reference"]

    def ingest(self) -> Dict[str, int]:
        """Reads what is new in the payload log into monitoring windows now."""
        return self._call("POST", "/monitoring/ingest")

    def windows(self, deployment: str, start: Optional[int] = None,
                end: Optional[int] = None) -> List[Dict[str, Any]]:
        """Hourly windows of served data (model, version, start, end, rows)."""
        return self._call("GET", f"/deployments/{_q(deployment)}/windows",
                          params=_range(start, end))["windows"]

    def drift(self, deployment: str, start: Optional[int] = None, end: Optional[int] = None,
              version: Optional[int] = None, test: Optional[str] = None,
              threshold: Optional[float] = None) -> Dict[str, Any]:
        """The drift report of what `deployment` served in [start, end) (ms;
        default the last 24 h) against its model version's reference."""
        params = _range(start, end)
        for key, value in (("version", version), ("test", test), ("threshold", threshold)):
            if value is not None:
                params[key] = value
        return self._call("GET", f"/deployments/{_q(deployment)}/drift", params=params)

    def drift_series(self, deployment: str, start: Optional[int] = None,
                     end: Optional[int] = None, version: Optional[int] = None) -> Dict[str, Any]:
        """Drift per hourly window: each window's share of drifted columns,
        dataset decision and per-column scores, oldest first."""
        params = _range(start, end)
        if version is not None:
            params["version"] = version
        return self._call("GET", f"/deployments/{_q(deployment)}/drift/series", params=params)

    def drift_html(self, deployment: str, path: str, start: Optional[int] = None,
                   end: Optional[int] = None) -> str:
        """Writes the standalone HTML drift report to `path`."""
        params = dict(_range(start, end), format="html")
        resp = self._http.get(f"{self.url}/api/v1/deployments/{_q(deployment)}/drift", params=params,
                              timeout=self.timeout)
        if resp.status_code != 200:
            self._answer(resp)
        with open(path, "w", encoding="utf-8") as f:
            f.write(resp.text)
        return path


def _range(start: Optional[int], end: Optional[int]) -> Dict[str, Any]:
    params: Dict[str, Any] = {}
    if start is not None:
        params["from"] = int(start)
    if end is not None:
        params["to"] = int(end)
    return params
