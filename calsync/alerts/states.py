"""The alert states a listing filters by, apart from the store so the CLI can offer them
(`calsync alerts --state`) without importing SQLAlchemy at start-up."""

from __future__ import annotations

__all__ = ["STATES"]

STATES = ("firing", "resolved", "open", "acknowledged", "snoozed", "wont_fix", "silenced",
          "all")
