"""Ferry's Python SDK: a small, typed client for Ferry's /api/v1."""

from ferry.client import ActiveRun, Client, FerryError

__all__ = ["ActiveRun", "Client", "FerryError"]
