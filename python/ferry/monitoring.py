"""Monitoring calls of the Ferry client: a model version's reference data,
ingestion of the payload log, a deployment's drift report, ground-truth
labels and the performance they show, and alert rules. Mixed into
`ferry.Client`.

    client.set_reference("fraud", "champion", "train.csv")   # or a pandas DataFrame
    report = client.drift("fraud-api")                        # last 24 h
    report["dataset_drift"], [c for c in report["columns"] if c.get("drifted")]
    client.drift_html("fraud-api", "drift.html")
    client.log_labels("fraud-api", {prediction_id: 1, ...})   # or [(id, row, label), ...]
    client.performance("fraud-api")["versions"][0]["metrics"]["roc_auc"]
    client.set_alert_rules("rules.yaml")                      # or a list of rule dicts
    [a["state"] for a in client.alerts()]
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

    def log_labels(self, deployment: str, labels: Any) -> Dict[str, int]:
        """Sends ground truth for served predictions: a mapping of prediction
        id to label, or (prediction_id, row, label) tuples for requests of
        several rows. One bad entry rejects the whole batch. Returns the
        counts accepted, matched (to a prediction already ingested) and
        unmatched."""
        if isinstance(labels, Mapping):
            entries = [{"prediction_id": k, "label": v} for k, v in labels.items()]
        else:
            entries = [{"prediction_id": i, "row": int(r), "label": v} for i, r, v in labels]
        return self._call("POST", f"/deployments/{_q(deployment)}/labels", body={"labels": _plain(entries)})

    def performance(self, deployment: str, start: Optional[int] = None, end: Optional[int] = None,
                    task: Optional[str] = None, **options: Any) -> Dict[str, Any]:
        """Ground-truth performance of the predictions made in [start, end)
        per model version and window: classification or regression metrics,
        calibration, label delay, unmatched labels. `options`: model,
        version, output, positive_label, threshold, calibration_bins."""
        params = _range(start, end)
        if task is not None:
            params["task"] = task
        params.update({k: v for k, v in options.items() if v is not None})
        return self._call("GET", f"/deployments/{_q(deployment)}/performance", params=params)

    def set_alert_rules(self, rules: Any) -> List[Dict[str, Any]]:
        """Creates or replaces alert rules, all or none: a YAML rules file
        (path or text) or a list of rule dicts (name, deployment, expr, for,
        min_rows, severity, pipeline, description)."""
        if isinstance(rules, str):
            text = open(rules, encoding="utf-8").read() if os.path.exists(rules) else rules
            resp = self._http.put(f"{self.url}/api/v1/alerts/rules", data=text.encode(),
                                  headers={"Content-Type": "application/yaml"}, timeout=self.timeout)
            return self._answer(resp)["rules"]
        return self._call("PUT", "/alerts/rules", body={"rules": list(rules)})["rules"]

    def alert_rules(self) -> List[Dict[str, Any]]:
        return self._call("GET", "/alerts/rules")["rules"]

    def delete_alert_rule(self, name: str) -> None:
        self._call("DELETE", f"/alerts/rules/{_q(name)}")

    def alerts(self) -> List[Dict[str, Any]]:
        """Every rule with its state (inactive, pending, firing), value and error."""
        return self._call("GET", "/alerts")["alerts"]

    def alert_history(self, rule: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
        """Transitions, newest first."""
        params: Dict[str, Any] = {"limit": limit}
        if rule is not None:
            params["rule"] = rule
        return self._call("GET", "/alerts/history", params=params)["events"]

    def evaluate_alerts(self) -> List[Dict[str, Any]]:
        """Evaluates every rule now; returns the states."""
        return self._call("POST", "/alerts/evaluate")["alerts"]


def _plain(entries: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """numpy scalars as Python numbers (json cannot write them)."""
    for e in entries:
        v = e["label"]
        if hasattr(v, "item"):
            e["label"] = v.item()
    return entries


def _range(start: Optional[int], end: Optional[int]) -> Dict[str, Any]:
    params: Dict[str, Any] = {}
    if start is not None:
        params["from"] = int(start)
    if end is not None:
        params["to"] = int(end)
    return params
