"""Templates: one cycle definition for every municipality, instantiated per actor.

Uses small schedule folders written per test; the election cycle they refer to is the
shipped `se-national.yaml`, copied in, so conditions behave as in the pilot.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from calsync.cycles.catalog import load_catalog
from calsync.cycles.expand import expand_entry
from calsync.errors import ConfigError
from calsync.model import EventData

REPO = Path(__file__).resolve().parents[2]

TEMPLATES = """\
templates:
  lg:
    vars: {council: Fullmäktige}
    defaults: {actor: "{name}", tags: [local-government], attrs: {org: "{org}"}}
    cycles:
    - id: "{org}.budget.council-adoption"
      title: "{name}: {council} adopts the budget for {next_year}"
      kind: budget
      when: {rrule: FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=30, dtstart: 2018-11-30}
      attrs: {budget_year: "{next_year}", body: "{council}"}
    - id: "{org}.budget.election-year"
      title: "{name}: the newly elected {council} adopts the budget for {next_year}"
      kind: budget
      when: {window: {from: --10-15, to: --11-30}}
      condition: {in_years_of: se.elections.general}
  municipality:
    include: [lg]
    vars: {org: "kommun-{code}", council: Kommunfullmäktige}
    defaults: {tags: [municipality], attrs: {municipality_code: "{code}"}}
"""


def folder(tmp_path: Path, **files: str) -> list[Path]:
    shutil.copy(REPO / "schedules" / "se-national.yaml", tmp_path / "se-national.yaml")
    (tmp_path / "templates.yaml").write_text(TEMPLATES, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return sorted(tmp_path.glob("*.yaml"))


def problems(paths: list[Path]) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_catalog(paths)
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in err.value.problems]


def events(paths: list[Path], cycle_id: str, first: date, last: date) -> list[EventData]:
    return list(expand_entry(load_catalog(paths), cycle_id, first, last, "Europe/Stockholm"))


def test_an_instance_fills_variables_defaults_and_year_placeholders(tmp_path: Path) -> None:
    paths = folder(tmp_path, towns="""\
defaults: {level: municipal}
instances:
- {template: municipality, vars: {code: "2482", name: Skellefteå kommun}}
""")
    [adoption] = events(paths, "kommun-2482.budget.council-adoption", date(2027, 1, 1),
                        date(2027, 12, 31))
    assert adoption.title == "Skellefteå kommun: Kommunfullmäktige adopts the budget for 2028"
    assert (adoption.start, adoption.actor, adoption.level) == (
        date(2027, 11, 30), "Skellefteå kommun", "municipal")
    assert set(adoption.tags) == {"local-government", "municipality"}
    assert {k: adoption.attrs[k] for k in ("org", "municipality_code", "budget_year", "body")} \
        == {"org": "kommun-2482", "municipality_code": "2482", "budget_year": "2028",
            "body": "Kommunfullmäktige"}
    assert adoption.external_uid == "kommun-2482.budget.council-adoption/2027"
    election = events(paths, "kommun-2482.budget.election-year", date(2025, 1, 1),
                      date(2031, 12, 31))
    assert [(e.start, e.end) for e in election] == [
        (date(2026, 10, 15), date(2026, 12, 1)), (date(2030, 10, 15), date(2030, 12, 1))]


def test_an_admin_adds_a_municipality_with_one_entry(tmp_path: Path) -> None:
    one = "- {template: municipality, vars: {code: \"2482\", name: Skellefteå kommun}}\n"
    paths = folder(tmp_path, towns="defaults: {level: municipal}\ninstances:\n" + one)
    before = set(load_catalog(paths).entries)
    (tmp_path / "towns.yaml").write_text(
        "defaults: {level: municipal}\ninstances:\n" + one
        + "- {template: municipality, vars: {code: \"2584\", name: Kiruna kommun}}\n",
        encoding="utf-8")
    added = set(load_catalog(paths).entries) - before
    assert added == {"kommun-2584.budget.council-adoption", "kommun-2584.budget.election-year"}


def test_instances_skip_override_and_add_cycles(tmp_path: Path) -> None:
    paths = folder(tmp_path, towns="""\
defaults: {level: municipal}
instances:
- template: municipality
  vars: {code: "2480", name: Umeå kommun}
  skip: [kommun-2480.budget.election-year]
  override:
    kommun-2480.budget.council-adoption:
      when: {window: {from: --06-01, to: --06-30}}
      tags: [observed]
  cycles:
  - id: "{org}.budget.planning-directive"
    title: "{name}: planning directive"
    kind: budget
    when: {window: {from: --12-01, to: --12-20}}
""")
    catalog = load_catalog(paths)
    assert "kommun-2480.budget.election-year" not in catalog.entries
    [june] = events(paths, "kommun-2480.budget.council-adoption", date(2027, 1, 1),
                    date(2027, 12, 31))
    assert (june.start, june.end) == (date(2027, 6, 1), date(2027, 7, 1))
    assert set(june.tags) == {"local-government", "municipality", "observed"}
    [directive] = events(paths, "kommun-2480.budget.planning-directive", date(2027, 1, 1),
                         date(2027, 12, 31))
    assert directive.actor == "Umeå kommun" and directive.attrs["org"] == "kommun-2480"


def test_a_missing_variable_is_reported_at_the_instance_line(tmp_path: Path) -> None:
    paths = folder(tmp_path, towns="""\
defaults: {level: municipal}
instances:
- {template: municipality, vars: {code: "2401", name: Nordmalings kommun}}
- {template: lg, vars: {org: x}}
""")
    assert problems(paths) == [
        "towns.yaml:4: template 'lg' needs variable 'name' (used in cycle "
        "'{org}.budget.council-adoption'); give it under this instance's vars"]


def test_instance_mistakes_carry_file_and_line(tmp_path: Path) -> None:
    paths = folder(tmp_path, towns="""\
instances:
- {template: municipalty, vars: {code: "2401"}}
- template: municipality
  vars: {code: "2403", nmae: Bjurholms kommun, name: Bjurholms kommun}
- template: municipality
  vars: {code: "2404", name: Vindelns kommun}
  skip: [kommun-2404.budget.nope]
- {template: municipality, vars: {code: "2409", name: Robertsfors kommun}, colour: red}
- {template: municipality, vars: {code: "2401", name: Nordmalings kommun}}
- {template: municipality, vars: {code: "2401", name: Nordmalings kommun}}
""")
    found = problems(paths)
    assert found[0].startswith("towns.yaml:2: unknown template 'municipalty'; known: lg, "
                               "municipality")
    assert found[1].startswith("towns.yaml:4: template 'municipality' does not use variable "
                               "'nmae'")
    assert found[2].startswith("towns.yaml:7: template 'municipality' creates no cycle "
                               "'kommun-2404.budget.nope'")
    assert found[3] == "towns.yaml:8: unknown key 'colour'"
    assert sorted(found[4:]) == [
        f"towns.yaml:10: duplicate cycle id 'kommun-2401.budget.{name}' (first defined in "
        "towns.yaml:9)" for name in ("council-adoption", "election-year")]


def test_template_mistakes_are_reported_once_at_the_template_line(tmp_path: Path) -> None:
    paths = folder(tmp_path, broken="""\
templates:
  bad:
    include: [lg, nowhere]
    cycles:
    - id: "{org}.x"
      title: "{name}: X"
      when: {rrule: FREQ=YEARLY;BYMONTH=13, dtstart: 2020-01-01}
instances:
- {template: bad, vars: {org: a, name: A}}
- {template: bad, vars: {org: b, name: B}}
""")
    found = problems(paths)
    assert found[0] == "broken.yaml:3: unknown template 'nowhere'; known: bad, lg, municipality"
    assert found[1].startswith("broken.yaml:7: not a valid RFC 5545 RRULE")
    assert len(found) == 2  # the two instances of the broken template are not re-reported


def test_instantiated_references_are_checked(tmp_path: Path) -> None:
    paths = folder(tmp_path, towns="""\
instances:
- template: municipality
  vars: {code: "2401", name: Nordmalings kommun}
  cycles:
  - id: "{org}.budget.reminder"
    title: Reminder
    kind: deadline
    when: {relative: {to: "{org}.budget.council-adopton", offset: -P14D}}
""")
    assert problems(paths) == [
        "towns.yaml:2: cycle 'kommun-2401.budget.reminder' refers to unknown cycle "
        "'kommun-2401.budget.council-adopton'"]


def test_placeholders_outside_templates_are_rejected(tmp_path: Path) -> None:
    paths = folder(tmp_path, plain="""\
cycles:
- id: x
  title: "{org} adopts the budget for {next_year}"
  when: {date: 2026-11-30}
""")
    [problem] = problems(paths)
    assert problem.startswith("plain.yaml:3: unknown placeholder {org}")


def test_variables_referring_to_each_other_in_a_loop(tmp_path: Path) -> None:
    paths = folder(tmp_path, towns="""\
templates:
  loop:
    vars: {a: "{b}", b: "{a}"}
    cycles:
    - {id: "{a}.x", title: X, when: {date: 2026-01-01}}
instances:
- {template: loop}
""")
    assert problems(paths) == ["towns.yaml:7: variables a, b refer to each other in a loop"]


def test_year_placeholders_cannot_be_variables(tmp_path: Path) -> None:
    paths = folder(tmp_path, towns="""\
instances:
- template: municipality
  vars: {code: "2401", name: Nordmalings kommun, year: "2020"}
""")
    [problem] = problems(paths)
    assert problem.startswith("towns.yaml:3: variable name 'year' is reserved")
