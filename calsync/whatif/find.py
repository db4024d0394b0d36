"""Which event a person means when they name it by words instead of a UID.

A coordinator types what the calendar shows them (`calsync whatif --move "Umeå
treårsplan 2028=2027-12-15"`): the search must find exactly one event, and the CLI
shows it to be confirmed. What it says (nothing found, several found, this one) is in
the reader's language, as the what-if's other input errors are (`WhatIfInputError`).
"""

from __future__ import annotations

from sqlalchemy import Connection

from calsync.i18n.events import title_in
from calsync.i18n.languages import Language
from calsync.i18n.messages import Message
from calsync.model import Event, Status
from calsync.selectors import Selector
from calsync.store.events import list_events
from calsync.store.search import searchable
from calsync.whatif.changes import WhatIfInputError

__all__ = ["CONFIRM", "found_line", "search_events", "the_event"]

CONFIRM = Message("Use this event?")

_SHOWN = 10
"""How many matches an ambiguous search lists."""

_NARROWED = 500
"""How many matches `search_events` narrows to a phrase at most (more: ambiguous anyway)."""


def search_events(conn: Connection, ref: str, limit: int = _SHOWN + 1) -> list[Event]:
    """The events `ref` means: the ones not cancelled that hold every word of it (the
    store's search, `/api/events?q=`: titles and descriptions in every language, actor,
    body); of several, those that hold it as one phrase, if any."""
    live = Selector.model_validate({"status": [Status.CONFIRMED, Status.TENTATIVE]})
    found = list_events(conn, q=ref, selector=live, limit=_NARROWED)
    phrase = ref.strip().lower()
    exact = [e for e in found
             if phrase in searchable(e.actor, e.data.title, e.data.description, e.data.attrs)]
    return (exact or found)[:limit]


def the_event(conn: Connection, ref: str, language: Language) -> Event:
    """The one event a search for `ref` finds; none or several is the caller's to fix."""
    found = search_events(conn, ref)
    if not found:
        raise WhatIfInputError(Message(
            "no event has the UID {ref!r} and no event matches it as a search; try "
            "`calsync timeline` to find it", ref=ref))
    if len(found) > _SHOWN:
        raise WhatIfInputError(Message(
            "{ref!r} matches more than {count} events; give a UID or a narrower search",
            ref=ref, count=_SHOWN))
    if len(found) > 1:
        shown = "; ".join(f"{e.uid} ({title_in(e.data, language)}, {e.start})" for e in found)
        raise WhatIfInputError(Message(
            "{ref!r} matches {count} events: {shown}. Give a UID or a narrower search",
            ref=ref, count=len(found), shown=shown))
    return found[0]


def found_line(ref: str, event: Event, language: Language) -> str:
    """What the CLI shows before asking to confirm: which event the search found."""
    return Message("{ref!r} is {uid}: {title} ({start}, {actor})", ref=ref, uid=event.uid,
                   title=title_in(event.data, language), start=event.start,
                   actor=event.actor).in_(language)
