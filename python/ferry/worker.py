"""Ferry's Python model worker: serves one model to the C++ server over the
binary worker protocol (src/serving/backends/python/worker_protocol.h) on an
inherited Unix socket. Started by the server as

    python3 -m ferry.worker --fd 3

LOAD loads an MLflow model directory with mlflow.pyfunc.load_model (scikit-
learn, LightGBM, XGBoost, ONNX, a user's PythonModel class, ...); PREDICT
turns the tensors into the model's input (a pandas DataFrame for a column
signature, a numpy array or a dict of arrays for a tensor signature), calls
predict and sends the outputs back. Exceptions are answered, not fatal. The
worker exits when the server closes the socket.
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import traceback
from typing import Any, Dict, List, Tuple

import numpy as np

LOAD, PREDICT, OK, ERROR = 1, 2, 3, 4
BAD_INPUT, MODEL_FAILED = 1, 2
# serving::DataType order.
DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "float32", "float64", None]
BYTES = 12
CODES = {np.dtype(d): i for i, d in enumerate(DTYPES) if d}

Tensor = Tuple[str, int, List[int], bytes]


def read_exact(sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send(sock: socket.socket, kind: int, body: bytes) -> None:
    sock.sendall(struct.pack("<IB", len(body), kind) + body)


def decode_tensors(body: bytes) -> List[Tensor]:
    (count,), pos, out = struct.unpack_from("<I", body), 4, []
    for _ in range(count):
        (n,) = struct.unpack_from("<H", body, pos)
        name = body[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        dtype, rank = struct.unpack_from("<BB", body, pos)
        pos += 2
        shape = list(struct.unpack_from(f"<{rank}q", body, pos))
        pos += 8 * rank
        (size,) = struct.unpack_from("<Q", body, pos)
        pos += 8
        out.append((name, dtype, shape, body[pos:pos + size]))
        pos += size
    return out


def encode_tensors(tensors: List[Tensor]) -> bytes:
    parts = [struct.pack("<I", len(tensors))]
    for name, dtype, shape, data in tensors:
        raw = name.encode()
        parts += [struct.pack("<H", len(raw)), raw, struct.pack("<BB", dtype, len(shape)),
                  struct.pack(f"<{len(shape)}q", *shape), struct.pack("<Q", len(data)), data]
    return b"".join(parts)


def to_array(dtype: int, shape: List[int], data: bytes) -> np.ndarray:
    if dtype != BYTES:
        return np.frombuffer(data, dtype=DTYPES[dtype]).reshape(shape)
    items, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        items.append(data[pos + 4:pos + 4 + n].decode("utf-8", "replace"))
        pos += 4 + n
    return np.array(items, dtype=object).reshape(shape)


def from_array(name: str, value: Any) -> Tensor:
    array = np.asarray(value)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.dtype.kind in "OUS":
        data = b"".join(struct.pack("<I", len(b)) + b
                        for b in (str(x).encode() if not isinstance(x, bytes) else x
                                  for x in array.reshape(-1)))
        return name, BYTES, list(array.shape), data
    if array.dtype not in CODES:
        array = array.astype(np.float64)
    array = np.ascontiguousarray(array)
    return name, CODES[array.dtype], list(array.shape), array.tobytes()


class Worker:
    def __init__(self) -> None:
        self.model = None
        self.spec: Dict[str, Any] = {}

    def load(self, body: bytes) -> bytes:
        import mlflow.pyfunc
        self.spec = json.loads(body)
        self.model = mlflow.pyfunc.load_model(self.spec["dir"])
        reply: Dict[str, Any] = {"pid": __import__("os").getpid()}
        if not self.spec.get("inputs"):  # no signature: describe the model if it can say
            described = describe(self.model.metadata, self.spec["dir"])
            if described:
                reply.update(described)
                self.spec["tensor_based"] = True
                self.spec["outputs"] = [o["name"] for o in described["outputs"]]
        return json.dumps(reply).encode()

    def model_input(self, tensors: List[Tensor]) -> Any:
        arrays = {name: to_array(dtype, shape, data) for name, dtype, shape, data in tensors}
        if self.spec.get("tensor_based"):
            if len(arrays) == 1:
                return next(iter(arrays.values()))
            return arrays
        import pandas as pd
        return pd.DataFrame({name: a.reshape(len(a), -1)[:, 0] if a.ndim > 1 else a
                             for name, a in arrays.items()})

    def outputs(self, result: Any) -> List[Tensor]:
        names = self.spec.get("outputs") or ["predictions"]
        if hasattr(result, "columns") and hasattr(result, "to_numpy"):  # DataFrame
            cols = list(result.columns)
            if len(cols) == len(names):
                return [from_array(n, result[c].to_numpy()) for n, c in zip(names, cols)]
            return [from_array(str(c), result[c].to_numpy()) for c in cols]
        if isinstance(result, dict):
            return [from_array(str(k), v) for k, v in result.items()]
        if hasattr(result, "to_numpy"):  # Series
            result = result.to_numpy()
        return [from_array(names[0], result)]

    def predict(self, body: bytes) -> bytes:
        result = self.model.predict(self.model_input(decode_tensors(body)))
        return encode_tensors(self.outputs(result))


ONNX_TYPES = {"tensor(float)": "FP32", "tensor(double)": "FP64", "tensor(int64)": "INT64",
              "tensor(int32)": "INT32", "tensor(bool)": "BOOL", "tensor(string)": "BYTES",
              "tensor(uint8)": "UINT8", "tensor(int8)": "INT8", "tensor(float16)": "FP16"}


def describe(metadata: Any, directory: str) -> Dict[str, Any]:
    """Inputs and outputs of a model logged without a signature, from what
    the model itself declares: an ONNX graph's typed inputs and outputs."""
    flavor = (metadata.flavors or {}).get("onnx")
    if not flavor:
        return {}
    import os
    import onnxruntime
    session = onnxruntime.InferenceSession(os.path.join(directory, flavor["data"]),
                                           providers=["CPUExecutionProvider"])

    def specs(args):
        return [{"name": a.name, "datatype": ONNX_TYPES.get(a.type, "FP32"),
                 "shape": [d if isinstance(d, int) else -1 for d in (a.shape or [])]}
                for a in args]

    return {"inputs": specs(session.get_inputs()), "outputs": specs(session.get_outputs())}


def error_body(code: int, exc: BaseException) -> bytes:
    message = f"{type(exc).__name__}: {exc}"
    return struct.pack("<B", code) + message.encode("utf-8", "replace")[:65536]


def serve(sock: socket.socket) -> None:
    worker = Worker()
    while True:
        try:
            length, kind = struct.unpack("<IB", read_exact(sock, 5))
            body = read_exact(sock, length)
        except EOFError:
            return
        try:
            reply = worker.load(body) if kind == LOAD else worker.predict(body)
            send(sock, OK, reply)
        except (ValueError, TypeError, KeyError) as e:
            send(sock, ERROR, error_body(BAD_INPUT, e))
        except Exception as e:  # the model's own failure; the worker lives on
            traceback.print_exc(file=sys.stderr)
            send(sock, ERROR, error_body(MODEL_FAILED, e))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="inherited socket")
    args = parser.parse_args()
    sys.stdout = sys.stderr  # the protocol owns the socket; stray prints go to the log
    serve(socket.socket(fileno=args.fd))


if __name__ == "__main__":
    main()
