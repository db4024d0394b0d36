"""Stored content hashes must not move when the code computing them gets faster: an event
whose hash changes looks changed to the next sync (sequence + 1, a revision, a feed
update for every subscriber). The hash is pinned to the formula it has always had."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

import pytest

from calsync.model import EventData, Status

EVENTS = [
    EventData("a", "Sammanträde: budget\u00e4rende \u2013 \u00f6versyn", datetime(
        2027, 1, 4, 9, 0, tzinfo=UTC), datetime(2027, 1, 4, 11, 0, tzinfo=UTC),
        timezone="Europe/Stockholm", level="municipal", actor="Lycksele kommun",
        kind="meeting", description='Underlag, "förslag" och \\ protokoll\n\t',
        url="https://example.org/ä", location="Kommunhuset", tags=("b", "a"),
        attrs={"z": "1", "category": "Kommunal", "budget_year": "2027"}),
    EventData("b", "All day", date(2027, 5, 1), date(2027, 5, 2),
              status=Status.CANCELLED),
    EventData("c", "(untitled)", datetime(2027, 5, 1, 12, tzinfo=UTC)),
]


def _formula(data: EventData) -> str:
    payload = json.dumps(data.material(), sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


@pytest.mark.parametrize("data", EVENTS, ids=[e.external_uid for e in EVENTS])
def test_the_content_hash_is_the_formula_it_always_was(data: EventData) -> None:
    assert data.content_hash() == _formula(data)


def test_a_material_change_changes_the_hash() -> None:
    first = EVENTS[0]
    assert first.with_(title=first.title + ".").content_hash() != first.content_hash()
    assert first.with_(attrs={**first.attrs, "z": "2"}).content_hash() != first.content_hash()
