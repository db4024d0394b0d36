"""Text search over the timeline (`/api/events?q=`, the dashboard's search, the CLI).

People search for what calendars show them, and that is often not the stored `title`:
a built-in step's Swedish title and description live in its attributes ("title.sv"),
whose JSON escapes every non-ASCII letter, and SQLite's `lower()` folds ASCII only
("Översiktsplan" never matched "översiktsplan"). So each event keeps one casefolded
text of everything a person may type (actor, title and description in every language,
the deciding body), written with the event's other columns (`event_values`), and a
search is a substring match on it, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, true

from calsync.store.tables import events

__all__ = ["matching", "searchable", "words"]

_TRANSLATED = ("title.", "description.")
"""Attribute key prefixes of an event's texts in other languages (`calsync.i18n.events`)."""


def searchable(actor: str, title: str, description: str, attrs: Mapping[str, Any]) -> str:
    """The text a search matches for one event, casefolded, one line per part."""
    parts = [actor, title, description]
    parts += [str(value) for key, value in attrs.items()
              if key.startswith(_TRANSLATED) or key == "body"]
    return "\n".join(p for p in parts if p).casefold()


def words(q: str) -> list[str]:
    """The words of a search, casefolded, without the punctuation around them."""
    return [w for w in (part.strip(",.:;!?\"'()").casefold() for part in q.split()) if w]


def matching(q: str) -> ColumnElement[bool]:
    """Events whose searchable text holds every word of `q`, in any order and whatever
    its case, as a search box does ("Umeå treårsplan 2028" finds Umeå kommun's
    "Treårsplan 2028–2030"); `%` and `_` are literal."""
    found = [events.c.search_text.contains(w, autoescape=True) for w in words(q)]
    return and_(true(), *found)
