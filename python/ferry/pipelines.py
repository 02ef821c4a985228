"""Pipeline and dataset calls of the Ferry client: apply a pipeline file to
the server, start runs, follow them, read step logs, cancel and resume;
register dataset versions and compare them. Mixed into `ferry.Client`.

    client.apply_pipeline("pipeline.yaml")                  # workspace: the file's folder
    run = client.start_pipeline("train", params={"rows": 500})
    run = client.wait_pipeline_run(run["run_id"])           # until it ends
    run["state"], [(s["step"], s["state"]) for s in run["steps"]]
    print(client.pipeline_log(run["run_id"], "train"))
    client.resume_pipeline_run(run["run_id"])               # a failed run, from the failed step
    client.register_dataset("credit", "/data/credit/")      # a new version when the content changed
    client.dataset_diff("credit", 1, 2)["tables"][0]["schema"]
"""

from __future__ import annotations

import os
import time
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional

_ENDED = ("succeeded", "failed", "cancelled", "skipped")


def _q(name: str) -> str:
    return urllib.parse.quote(str(name), safe="")


class PipelinesMixin:
    """Pipeline methods; `_call` comes from Client."""

    def _call(self, method: str, path: str, body: Any = None,
              params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        raise NotImplementedError  # provided by Client

    def apply_pipeline(self, path: str, workspace: Optional[str] = None) -> Dict[str, Any]:
        """Stores the pipeline file at `path` (a new version when it changed).
        `workspace` (default: the file's folder) must exist on the server."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        ws = os.path.abspath(workspace or os.path.dirname(os.path.abspath(path)))
        return self._call("PUT", "/pipelines", {"yaml": text, "workspace": ws})

    def pipelines(self) -> List[Dict[str, Any]]:
        return self._call("GET", "/pipelines")["pipelines"]

    def pipeline(self, name: str, version: Optional[int] = None) -> Dict[str, Any]:
        """The pipeline with its file (`yaml`) and `spec`; the latest version by default."""
        params = {"version": version} if version else None
        return self._call("GET", f"/pipelines/{_q(name)}", params=params)

    def start_pipeline(self, name: str, params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """Starts (or queues, or skips, per the pipeline's concurrency) a run."""
        return self._call("POST", f"/pipelines/{_q(name)}/runs", {"params": dict(params or {})})["run"]

    def pipeline_runs(self, name: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
        """Runs, newest first: of one pipeline, or of all."""
        path = f"/pipelines/{_q(name)}/runs" if name else "/pipeline-runs"
        return self._call("GET", path, params={"limit": limit})["runs"]

    def pipeline_run(self, run_id: str) -> Dict[str, Any]:
        return self._call("GET", f"/pipeline-runs/{_q(run_id)}")["run"]

    def wait_pipeline_run(self, run_id: str, timeout: float = 3600, poll: float = 0.2) -> Dict[str, Any]:
        """Polls until the run has ended; raises TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.pipeline_run(run_id)
            if run["state"] in _ENDED:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"pipeline run {run_id} is still {run['state']}")
            time.sleep(poll)

    def pipeline_log(self, run_id: str, step: str, offset: int = 0) -> str:
        """A step's log from `offset` to what has been written so far."""
        out = []
        while True:
            chunk = self._call("GET", f"/pipeline-runs/{_q(run_id)}/logs/{_q(step)}",
                               params={"offset": offset})
            out.append(chunk["text"])
            if not chunk["text"]:
                return "".join(out)
            offset = chunk["next_offset"]

    def cancel_pipeline_run(self, run_id: str) -> Dict[str, Any]:
        return self._call("POST", f"/pipeline-runs/{_q(run_id)}/cancel")["run"]

    def resume_pipeline_run(self, run_id: str) -> Dict[str, Any]:
        """A new run of a failed or cancelled run that reuses its completed steps."""
        return self._call("POST", f"/pipeline-runs/{_q(run_id)}/resume")["run"]

    def register_dataset(self, name: str, path: str, description: str = "") -> Dict[str, Any]:
        """Registers the file or folder at `path` (read by the server) as a new
        version of dataset `name`, unless its content equals the latest version.
        Returns {"dataset": {...}, "created": bool}."""
        return self._call("POST", "/datasets", {"name": name, "path": os.path.abspath(path),
                                                "description": description})

    def datasets(self) -> List[Dict[str, Any]]:
        """The latest version of every dataset."""
        return self._call("GET", "/datasets")["datasets"]

    def dataset_versions(self, name: str) -> List[Dict[str, Any]]:
        return self._call("GET", f"/datasets/{_q(name)}/versions")["versions"]

    def dataset(self, name: str, version: Any = "latest") -> Dict[str, Any]:
        """One version with its manifest (files, digests) and profile (tables, columns)."""
        return self._call("GET", f"/datasets/{_q(name)}/versions/{_q(version)}")["dataset"]

    def dataset_diff(self, name: str, a: Any, b: Any = "latest") -> Dict[str, Any]:
        """Schema, profile and file differences from version `a` to version `b`."""
        return self._call("GET", f"/datasets/{_q(name)}/diff", params={"a": a, "b": b})
