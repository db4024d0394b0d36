"""Mapping rules that read the same field (a level per category, the common shape): the
settler reads each field once per event (`Settler._condition`'s `values`), and every
rule still sees its own field's value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from calsync.config import load_config
from calsync.model import EventData
from calsync.sync.settle import make_settler

CONFIG = """\
connectors:
  feed:
    type: tests.support:FileConnector
    file: events.json
    level: municipal
    actor: Kommunen
    kind: meeting
    mapping:
      - {field: category, equals: EU, level: eu}
      - {field: category, equals: Nationell, level: national}
      - {field: title, matches: '(?i)budget', kind: budget}
      - {field: category, matches: '^(?P<area>Reg)', level: regional, attrs: {area: '{area}'}}
      - {field: location, equals: Riksdagen, actor: Riksdagen}
"""


def _draft(uid: str, title: str, category: str, location: str | None = None) -> EventData:
    return EventData(external_uid=uid, title=title, start=datetime(2027, 1, 4, 9, tzinfo=UTC),
                     location=location, attrs={"category": category})


def test_each_rule_sees_its_own_field(write_config: Callable[..., Path]) -> None:
    config = load_config(write_config(CONFIG, events__json="[]"))
    settle = make_settler("feed", config.connectors["feed"])
    eu = settle(_draft("a", "Budget 2027", "EU", "Riksdagen"))
    assert (eu.level, eu.kind, eu.actor) == ("eu", "budget", "Riksdagen")
    national = settle(_draft("b", "Samråd", "Nationell"))
    assert (national.level, national.kind, national.actor) == ("national", "meeting",
                                                               "Kommunen")
    regional = settle(_draft("c", "Budgetdialog", "Regional"))
    assert (regional.level, regional.kind) == ("regional", "budget")
    assert regional.attrs["area"] == "Reg"
    other = settle(_draft("d", "Möte", "Kommunal"))
    assert (other.level, other.kind, other.actor) == ("municipal", "meeting", "Kommunen")
    assert "area" not in other.attrs
