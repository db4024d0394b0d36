"""Fixtures the scheduler's multi-process tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from calsync.store.engine import make_engine, upgrade


@pytest.fixture
def db(db_url: str) -> Iterator[tuple[str, Engine]]:
    """The database's URL (for the worker processes) and an engine on it, at head."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield db_url, engine
    engine.dispose()
