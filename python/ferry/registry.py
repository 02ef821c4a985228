"""Model registry calls of the Ferry client (/api/v1/models): models,
versions, aliases, lineage, the audit trail, gate policies and gated
promotion. Mixed into `ferry.Client`.

    client.create_model("fraud")
    v = client.register_version("fraud", f"runs:/{run_id}/model")
    client.set_gate("fraud", open("gate.yaml").read())
    result = client.promote("fraud", v["version"])     # moves @champion if it passes
    client.lineage("fraud@champion")
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Dict, List, Mapping, Optional


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


class RegistryMixin:
    """Registry methods; `_call(method, path, body, params)` comes from Client."""

    def _call(self, method: str, path: str, body: Any = None,
              params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        raise NotImplementedError  # provided by Client

    def create_model(self, name: str, description: str = "",
                     tags: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
        body = {"name": name, "description": description,
                "tags": [{"key": k, "value": str(v)} for k, v in (tags or {}).items()]}
        return self._call("POST", "/models", body)["model"]

    def get_model(self, name: str) -> Dict[str, Any]:
        return self._call("GET", f"/models/{_q(name)}")["model"]

    def list_models(self, filter: str = "", max_results: int = 1000) -> List[Dict[str, Any]]:
        params = {"filter": filter, "max_results": max_results}
        return self._call("GET", "/models", params=params)["models"]

    def delete_model(self, name: str) -> None:
        self._call("DELETE", f"/models/{_q(name)}")

    def update_model(self, name: str, description: Optional[str] = None,
                     new_name: Optional[str] = None) -> Dict[str, Any]:
        body = {k: v for k, v in (("description", description), ("new_name", new_name))
                if v is not None}
        return self._call("PATCH", f"/models/{_q(name)}", body)["model"]

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        self._call("PUT", f"/models/{_q(name)}/tags/{_q(key)}", {"value": value})

    def delete_model_tag(self, name: str, key: str) -> None:
        self._call("DELETE", f"/models/{_q(name)}/tags/{_q(key)}")

    def update_version(self, name: str, version: Any, description: Optional[str] = None,
                       stage: Optional[str] = None,
                       archive_existing: bool = False) -> Dict[str, Any]:
        """New description and/or legacy stage (None, Staging, Production, Archived)."""
        body: Dict[str, Any] = {"archive_existing": archive_existing}
        if description is not None:
            body["description"] = description
        if stage is not None:
            body["stage"] = stage
        return self._call("PATCH", f"/models/{_q(name)}/versions/{version}", body)["model_version"]

    def set_version_tag(self, name: str, version: Any, key: str, value: str) -> None:
        self._call("PUT", f"/models/{_q(name)}/versions/{version}/tags/{_q(key)}", {"value": value})

    def delete_version_tag(self, name: str, version: Any, key: str) -> None:
        self._call("DELETE", f"/models/{_q(name)}/versions/{version}/tags/{_q(key)}")

    def register_version(self, name: str, source: str, run_id: str = "",
                         description: str = "",
                         tags: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
        body = {"source": source, "run_id": run_id, "description": description,
                "tags": [{"key": k, "value": str(v)} for k, v in (tags or {}).items()]}
        return self._call("POST", f"/models/{_q(name)}/versions", body)["model_version"]

    def get_version(self, name: str, version: Any) -> Dict[str, Any]:
        return self._call("GET", f"/models/{_q(name)}/versions/{version}")["model_version"]

    def list_versions(self, name: str) -> List[Dict[str, Any]]:
        params = {"max_results": 10000}
        return self._call("GET", f"/models/{_q(name)}/versions", params=params)["model_versions"]

    def delete_version(self, name: str, version: Any, force: bool = False) -> None:
        params = {"force": "true"} if force else None
        self._call("DELETE", f"/models/{_q(name)}/versions/{version}", params=params)

    def set_alias(self, name: str, alias: str, version: Any, reason: str = "") -> Dict[str, Any]:
        body = {"version": str(version), "reason": reason}
        return self._call("PUT", f"/models/{_q(name)}/aliases/{_q(alias)}", body)["model_version"]

    def get_alias(self, name: str, alias: str) -> Dict[str, Any]:
        return self._call("GET", f"/models/{_q(name)}/aliases/{_q(alias)}")["model_version"]

    def delete_alias(self, name: str, alias: str) -> None:
        self._call("DELETE", f"/models/{_q(name)}/aliases/{_q(alias)}")

    def lineage(self, ref: str) -> Dict[str, Any]:
        """`ref` is "<name>@<alias>" or "<name>/<version>" (models:/ optional)."""
        return self._call("GET", "/lineage", params={"ref": ref})

    def events(self, name: str, max_results: int = 10000) -> List[Dict[str, Any]]:
        params = {"max_results": max_results}
        return self._call("GET", f"/models/{_q(name)}/events", params=params)["events"]

    def set_gate(self, name: str, policy: str) -> Dict[str, Any]:
        """Attaches a gate policy (YAML or JSON text); "" removes it."""
        return self._call("PUT", f"/models/{_q(name)}/gate", {"policy": policy})["model"]

    def evaluate_gate(self, name: str, candidate: Any,
                      champion_alias: str = "champion") -> Dict[str, Any]:
        body = {"candidate": str(candidate), "champion_alias": champion_alias}
        return self._call("POST", f"/models/{_q(name)}/gate/evaluate", body)

    def promote(self, name: str, candidate: Any, alias: str = "champion",
                approve: bool = False, reason: str = "") -> Dict[str, Any]:
        """Gates `candidate` against the version `alias` names and moves the
        alias if it passes (or if `approve`, which needs a reason). The answer
        holds the decision's evidence table and `promoted`."""
        body = {"candidate": str(candidate), "alias": alias, "approve": approve,
                "reason": reason}
        return self._call("POST", f"/models/{_q(name)}/promote", body)

    # -- webhooks -------------------------------------------------------------
    def create_webhook(self, url: str, model: str = "", events: Optional[List[str]] = None,
                       secret: Optional[str] = None) -> Dict[str, Any]:
        """Registers `url` for registry events (all, or `events` such as
        ["set_alias"]) of `model` (or every model). The answer holds
        `webhook` and the `secret` that signs deliveries (shown only here)."""
        body: Dict[str, Any] = {"url": url, "model": model, "events": events or []}
        if secret is not None:
            body["secret"] = secret
        return self._call("POST", "/webhooks", body)

    def list_webhooks(self) -> List[Dict[str, Any]]:
        return self._call("GET", "/webhooks")["webhooks"]

    def delete_webhook(self, webhook_id: Any) -> None:
        self._call("DELETE", f"/webhooks/{webhook_id}")

    def webhook_deliveries(self, webhook_id: Any) -> List[Dict[str, Any]]:
        return self._call("GET", f"/webhooks/{webhook_id}/deliveries")["deliveries"]
