"""Ferry's Python SDK: a small, typed client for Ferry's /api/v1."""

from ferry.client import ActiveRun, Client, FerryError
from ferry.serving import Prediction

__all__ = ["ActiveRun", "Client", "FerryError", "Prediction"]
