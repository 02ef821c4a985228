"""Serving calls of the Ferry client: deployments (/api/v1/deployments) and
predictions through the Open Inference Protocol (/v2, binary tensors).
Mixed into `ferry.Client`; predictions need numpy.

    client.create_deployment("fraud", "fraud@champion",
                             canary="fraud@challenger", canary_percent=10)
    p = client.predict("fraud", x)            # x: a numpy array [rows, features]
    p.output, p.model_version, p.prediction_id
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

_DTYPES = {"float32": "FP32", "float64": "FP64", "int8": "INT8", "int16": "INT16",
           "int32": "INT32", "int64": "INT64", "uint8": "UINT8", "uint16": "UINT16",
           "uint32": "UINT32", "uint64": "UINT64", "bool": "BOOL", "float16": "FP16"}
_NUMPY = {v: k for k, v in _DTYPES.items()}


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


@dataclass
class Prediction:
    """A deployment's answer: outputs by name, the registry version that
    answered, and the prediction id (to send ground-truth labels later)."""
    outputs: Dict[str, Any]
    model_version: str
    prediction_id: str
    names: List[str] = field(default_factory=list)

    @property
    def output(self) -> Any:
        """The first (usually the only) output."""
        return self.outputs[self.names[0]]


class ServingMixin:
    """Deployment methods; `_call` and `_http` come from Client."""

    def _call(self, method: str, path: str, body: Any = None,
              params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        raise NotImplementedError  # provided by Client

    def create_deployment(self, name: str, model: str, canary: Optional[str] = None,
                          canary_percent: float = 0, shadow: Optional[str] = None,
                          batching: Optional[Mapping[str, int]] = None,
                          sample_rate: Optional[float] = None) -> Dict[str, Any]:
        """Deploys `model` ("fraud@champion", "fraud/3") as endpoint `name`."""
        return self._call("POST", "/deployments",
                          _spec(name, model, canary, canary_percent, shadow, batching,
                                sample_rate))["deployment"]

    def apply_deployment(self, spec: Mapping[str, Any]) -> Dict[str, Any]:
        """Creates or replaces a deployment from a full spec (the API's JSON)."""
        return self._call("PUT", f"/deployments/{_q(spec['name'])}", dict(spec))["deployment"]

    def get_deployment(self, name: str) -> Dict[str, Any]:
        return self._call("GET", f"/deployments/{_q(name)}")["deployment"]

    def list_deployments(self) -> List[Dict[str, Any]]:
        return self._call("GET", "/deployments")["deployments"]

    def delete_deployment(self, name: str) -> None:
        self._call("DELETE", f"/deployments/{_q(name)}")

    def predict(self, deployment: str, inputs: Any, version: Optional[Any] = None,
                routing_key: Optional[str] = None) -> Prediction:
        """Runs `inputs` through a deployment. `inputs` is a numpy array (the
        model's one input), a mapping of input name → array, or a pandas
        DataFrame (one input per column). Raises FerryError naming the input
        the server refused."""
        import numpy as np
        named = _named_inputs(self, deployment, inputs)
        header: Dict[str, Any] = {"inputs": [], "parameters": {"binary_data_output": True}}
        blobs = []
        for name, array in named.items():
            array = np.ascontiguousarray(array)
            dtype = _DTYPES.get(array.dtype.name)
            if dtype is None:
                raise TypeError(f"input {name!r}: numpy dtype {array.dtype} is not supported")
            blob = array.tobytes()
            header["inputs"].append({"name": name, "datatype": dtype, "shape": list(array.shape),
                                     "parameters": {"binary_data_size": len(blob)}})
            blobs.append(blob)
        head = json.dumps(header).encode()
        path = f"/v2/models/{_q(deployment)}"
        if version is not None:
            path += f"/versions/{_q(str(version))}"
        headers = {"Inference-Header-Content-Length": str(len(head)),
                   "Content-Type": "application/octet-stream"}
        if routing_key:
            headers["Ferry-Routing-Key"] = routing_key
        resp = self._http.post(self.url + path + "/infer", data=head + b"".join(blobs),
                               headers=headers, timeout=self.timeout)
        if resp.status_code != 200:
            self._answer(resp)  # raises FerryError with the server's message
        length = int(resp.headers.get("Inference-Header-Content-Length", len(resp.content)))
        answer = json.loads(resp.content[:length])
        outputs, offset, names = {}, length, []
        for out in answer["outputs"]:
            size = out.get("parameters", {}).get("binary_data_size")
            dtype = np.dtype(_NUMPY[out["datatype"]])
            if size is None:
                data = np.asarray(out["data"], dtype=dtype)
            else:
                data = np.frombuffer(resp.content[offset:offset + size], dtype=dtype)
                offset += size
            outputs[out["name"]] = data.reshape(out["shape"])
            names.append(out["name"])
        return Prediction(outputs, answer.get("model_version", ""),
                          resp.headers.get("Ferry-Prediction-Id", ""), names)


def _spec(name, model, canary, canary_percent, shadow, batching, sample_rate) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"name": name, "model": model}
    if canary:
        spec["canary"] = {"model": canary, "percent": canary_percent}
    if shadow:
        spec["shadow"] = {"model": shadow}
    if batching:
        spec["batching"] = dict(batching)
    if sample_rate is not None:
        spec["payload_log"] = {"sample_rate": sample_rate}
    return spec


def _named_inputs(client: Any, deployment: str, inputs: Any) -> Dict[str, Any]:
    if isinstance(inputs, Mapping):
        return dict(inputs)
    if hasattr(inputs, "columns") and hasattr(inputs, "to_numpy"):  # a DataFrame
        return {str(c): inputs[c].to_numpy() for c in inputs.columns}
    meta = client._http.get(f"{client.url}/v2/models/{_q(deployment)}", timeout=client.timeout)
    if meta.status_code != 200:
        client._answer(meta)
    model_inputs = meta.json()["inputs"]
    if len(model_inputs) != 1:
        raise ValueError(f"deployment {deployment!r} takes {len(model_inputs)} inputs; "
                         "pass a mapping of input name to array")
    return {model_inputs[0]["name"]: inputs}
