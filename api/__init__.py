"""The CSAS-graph HTTP API (FastAPI)."""
