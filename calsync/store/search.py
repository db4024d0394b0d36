"""Text search over the timeline (`/api/events?q=`, the dashboard's search, the CLI).

People search for what calendars show them, and that is often not the stored `title`:
a built-in step's Swedish title and description live in its attributes ("title.sv"),
whose JSON escapes every non-ASCII letter, and SQLite's `lower()` folds ASCII only
("Översiktsplan" never matched "översiktsplan"). So each event keeps one text, lower-cased
by Python, of everything a person may type (actor, title and description in every
language, the deciding body), written with the event's other columns (`event_values`),
and a search matches its words as substrings of it, the same on SQLite and PostgreSQL.
(`str.lower`, not `casefold`: the same for Swedish and English, at half the cost.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, true

from calsync.i18n.languages import LANGUAGES
from calsync.store.tables import events

__all__ = ["matching", "searchable", "words"]

_KEYS = (*(f"{part}.{language}" for part in ("title", "description") for language in LANGUAGES),
         "body")
"""The attributes a person may search for: an event's texts in other languages
(`calsync.i18n.events`) and the deciding body."""


def searchable(actor: str, title: str, description: str, attrs: Mapping[str, Any]) -> str:
    """The text a search matches for one event, in lower case, one line per part (a few
    microseconds: every synced event pays it)."""
    extra = [str(value) for key in _KEYS if (value := attrs.get(key))]
    return "\n".join([p for p in (actor, title, description) if p] + extra).lower()


def words(q: str) -> list[str]:
    """The words of a search, in lower case, without the punctuation around them."""
    return [w for w in (part.strip(",.:;!?\"'()").lower() for part in q.split()) if w]


def matching(q: str) -> ColumnElement[bool]:
    """Events whose searchable text holds every word of `q`, in any order and whatever
    its case, as a search box does ("Umeå treårsplan 2028" finds Umeå kommun's
    "Treårsplan 2028–2030"); `%` and `_` are literal."""
    found = [events.c.search_text.contains(w, autoescape=True) for w in words(q)]
    return and_(true(), *found)
