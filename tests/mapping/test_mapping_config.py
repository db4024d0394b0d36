"""Mapping rules in config.yaml: what they accept, and file:line for what they do not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from calsync.config import load_config
from calsync.errors import ConfigError

BASE = """\
connectors:
  kf:
    type: tests.support:FileConnector
    file: events.json
    level: municipal
    actor: Skellefteå kommun
    kind: meeting
    attrs: {org: kommun-2482, fund_period: 2021-2027}
    mapping:
"""


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def test_the_documented_rule_forms_load(write_config: Callable[..., Path]) -> None:
    path = write_config(BASE + """\
      - field: title
        matches: '(?i)budget (?P<budget_year>\\d{4})'
        kind: budget
        attrs: {process: budget, step: council-adoption, period: "{budget_year}"}
        capture:
          decided_on: {field: description, regex: 'beslut (\\S+)', type: date,
                       format: '%d.%m.%Y'}
          programme: 'ERDF [A-Za-z ]+'
      - {attrs: {fund_period: 2028-2034}}
""")
    config = load_config(path)
    conn = config.connectors["kf"]
    assert conn.attrs == {"org": "kommun-2482", "fund_period": "2021-2027"}
    first, second = conn.mapping
    assert first.sets_attrs() == {"budget_year", "process", "step", "period", "decided_on",
                                  "programme"}
    assert first.capture["programme"].field == "title"
    assert first.capture["decided_on"].type == "date"
    assert second.equals is None and second.matches is None


@pytest.mark.parametrize(("rule", "line", "message"), [
    ("      - {field: title, matches: 'budget (', kind: budget}\n", 10,
     "'matches' is not a valid regular expression"),
    ("      - capture:\n          year: {regex: '(\\d+', type: int}\n", 11,
     "'regex' is not a valid regular expression"),
    ("      - capture:\n          year: {regex: '(\\d+)', type: integer}\n", 11,
     "capture.year.type: input should be 'str', 'int' or 'date'"),
    ("      - capture:\n          year: {regex: '(\\d+)', type: int, format: '%Y'}\n", 11,
     "'format' belongs to 'type: date'"),
    ("      - {field: title, equals: Budget, attrs: {period: '{year}'}}\n", 10,
     "attrs.period uses {year}, which is neither a 'capture' nor a named group"),
    ("      - {kind: budget}\n", 10, "give 'equals' or 'matches'"),
])
def test_mistakes_are_reported_with_file_and_line(write_config: Callable[..., Path], rule: str,
                                                   line: int, message: str) -> None:
    found = problems(write_config(BASE + rule))
    assert len(found) == 1
    assert found[0].startswith(f"config.yaml:{line}: connectors.kf.mapping[0]"), found[0]
    assert message.lower() in found[0].lower(), found[0]


def test_organisations_load_and_ambiguous_bodies_are_file_line_errors(
        write_config: Callable[..., Path]) -> None:
    config = load_config(write_config(
        "organisations:\n"
        "  - {name: Region Västerbotten, bodies: [Regionstyrelsen]}\n"
        "  - {name: Umeå kommun, actors: ['Umeå kommun*']}\n"))
    owners = config.owners
    assert owners.owner("Regionstyrelsen") == "Region Västerbotten"
    assert owners.owner("Umeå kommun, Kommunstyrelsen") == "Umeå kommun"
    assert owners.owner("European Commission") is None
    found = problems(write_config(
        "organisations:\n"
        "  - {name: Umeå kommun, bodies: [Kommunfullmäktige]}\n"
        "  - {name: Vindelns kommun, bodies: [Kommunfullmäktige]}\n"))
    assert len(found) == 1 and found[0].startswith("config.yaml:1: organisations:")
    assert "'Kommunfullmäktige' is listed for both 'Umeå kommun' and 'Vindelns kommun'" \
        in found[0]
