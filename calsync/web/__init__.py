"""The HTTP face of calsync: feeds, JSON API, health (FastAPI)."""
