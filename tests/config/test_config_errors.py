"""Config mistakes are reported all at once, each with its file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from calsync.cli import cli
from calsync.config import load_config
from calsync.errors import ConfigError
from calsync.runtime import Runtime

THREE_MISTAKES = """\
timezone: Europe/Stockholm
connectors:
  eu-cycles:
    type: schedules
    paths: [schedules/eu.yaml]
    levle: eu
  riksdagen:
    type: riksdag_api
feeds:
  eu:
    title: EU
    select: {level: europe}
"""


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        Runtime.load(path)
    return [str(p) for p in info.value.problems]


def test_three_mistakes_three_lines_and_exit_code_2(write_config: Callable[..., Path]) -> None:
    path = write_config(THREE_MISTAKES, **{"schedules__eu.yaml": "cycles: []\n"})
    found = problems(path)
    assert len(found) == 3
    assert found[0] == ("config.yaml:6: connectors.eu-cycles.levle: unknown key 'levle'; "
                        "did you mean 'level'?")
    assert found[1].startswith("config.yaml:8: connectors.riksdagen.type: unknown connector "
                               "type 'riksdag_api'; known types: ")
    assert "schedules" in found[1]
    assert found[2].startswith("config.yaml:12: feeds.eu.select.level[0]: unknown level "
                               "'europe'; known: eu, municipal, national, regional")
    result = CliRunner().invoke(cli, ["-c", str(path), "check"])
    assert result.exit_code == 2
    assert "3 problems in the configuration" in result.output
    assert "config.yaml:6:" in result.output and "config.yaml:12:" in result.output


@pytest.mark.parametrize(("text", "expected"), [
    ("connectors:\n  a:\n    type: schedules\n    paths: [x.yaml]\n  a:\n    type: schedules\n",
     "config.yaml:5: connectors.a: duplicate key"),
    ("server:\n  port: eighty\n",
     "config.yaml:2: server.port: input should be a valid integer"),
    ("timezone: Europe/Stokholm\n",
     "config.yaml:1: timezone: unknown time zone 'Europe/Stokholm'"),
    ("horizon: {past: 5 years}\n",
     "config.yaml:1: horizon.past: not an ISO-8601 duration"),
    ("connectors:\n  x:\n    type: schedules\n",
     "config.yaml:2: connectors.x.paths: required key is missing"),
    ("connectors:\n  x:\n    type: schedules\n    paths: [a.yaml]\n    schedule: {every: P1D, "
     "cron: '0 6 * * *'}\n", "config.yaml:5: connectors.x.schedule: give exactly one of"),
    ("feeds: [a, b]\n", "config.yaml:1: feeds: input should be a valid dictionary"),
    ("connectors:\n  Bad Name:\n    type: schedules\n    paths: [a.yaml]\n",
     "config.yaml:2: connectors.Bad Name: name 'Bad Name' may only use lowercase"),
    ("feeds:\n  alerts: {title: Mine}\n",
     "config.yaml:2: feeds.alerts: the feed name 'alerts' is taken by calsync's own"),
    ("password: ${CALSYNC_TEST_UNSET_VARIABLE}\n",
     "config.yaml:1: password: environment variable CALSYNC_TEST_UNSET_VARIABLE is not set"),
    ("connectors:\n  a: [1, 2\nfeeds: {}\n", "config.yaml:3:6: not valid YAML"),
    ("cycles: {when: 2026-02-30}\n", "config.yaml:1: cycles.when: day is out of range"),
])
def test_single_mistakes(write_config: Callable[..., Path], text: str, expected: str) -> None:
    found = problems(write_config(text))
    assert any(p.startswith(expected) for p in found), found


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-c", str(tmp_path / "nope.yaml"), "check"])
    assert result.exit_code == 2 and "file not found" in result.output


def test_schedule_file_errors_carry_their_own_file_and_line(
        write_config: Callable[..., Path]) -> None:
    bad = """\
cycles:
  - id: a.one
    title: One
    kind: decision
    when: {date: 2026-02-28, start: 2026-03-01}
  - id: a.two
    title: Two
    kind: decision
    when: {relative: {to: a.missing, offset: P3D}}
  - id: a.three
    title: Three
    when: {rrule: "FREQ=YEARLY;BYMONTH=13", dtstart: 2020-01-01}
"""
    path = write_config("connectors:\n  c:\n    type: schedules\n    paths: [s/a.yaml]\n",
                        **{"s__a.yaml": bad})
    found = problems(path)
    assert any(p.startswith("s/a.yaml:5: cycles[0].when: give exactly one of") for p in found)
    assert "s/a.yaml:9: cycles[1].when.relative.to: refers to unknown cycle 'a.missing'" in found
    assert any(p.startswith("s/a.yaml:12: cycles[2].when: not a valid RFC 5545 RRULE")
               for p in found), found


def test_environment_variables_fill_secrets(write_config: Callable[..., Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALSYNC_TEST_DB", "sqlite:////tmp/from-env.db")
    config = load_config(write_config("database: {url: '${CALSYNC_TEST_DB}'}\n"))
    assert config.database.url == "sqlite:////tmp/from-env.db"


def test_database_url_from_environment_wins(write_config: Callable[..., Path]) -> None:
    config = load_config(write_config("database: {url: 'sqlite:///a.db'}\n"))
    assert config.database_url({"CALSYNC_DATABASE_URL": "postgresql://x/y"}) == "postgresql://x/y"
    assert config.database_url({}) == "sqlite:///a.db"
    bare = load_config(write_config("{}\n"))
    assert bare.database_url({}).endswith("/data/calsync.db")


def test_bundled_config_is_valid() -> None:
    repo = Path(__file__).resolve().parents[2]
    runtime = Runtime.load(repo / "config.yaml")
    assert {"eu-cycles", "national-cycles"} <= set(runtime.connectors)


def test_schedule_levels_and_kinds_must_be_defined(write_config: Callable[..., Path]) -> None:
    cycles = """\
defaults: {level: regional, actor: Region}
cycles:
  - id: a.one
    title: One
    kind: holidy
    when: {date: 2026-02-27}
  - id: a.two
    title: Two
    level: county
    kind: decision
    when: {date: 2026-02-27}
  - id: a.three
    title: Three
    when: {date: 2026-02-27}
"""
    path = write_config("connectors:\n  c:\n    type: schedules\n    paths: [s/a.yaml]\n",
                        **{"s__a.yaml": cycles})
    found = problems(path)
    assert found[0].startswith("s/a.yaml:5: cycles[0].kind: unknown kind 'holidy'; known: ")
    assert found[1].startswith("s/a.yaml:9: cycles[1].level: unknown level 'county'")
    assert found[2].startswith("s/a.yaml:12: cycles[2].kind: cycle 'a.three' has no kind")
    assert len(found) == 3


def test_a_plugin_that_fails_to_import_says_why(write_config: Callable[..., Path],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "brokenplugin.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(plugins))
    path = write_config("connectors:\n  mine:\n    type: brokenplugin:Connector\n")
    assert problems(path) == [
        "config.yaml:3: connectors.mine.type: connector type 'brokenplugin:Connector' could "
        "not be loaded: importing brokenplugin failed (ModuleNotFoundError: No module named "
        "'no_such_dependency_xyz'); is the package installed in calsync's environment?"]


def test_errors_building_a_connector_keep_file_and_line(
        write_config: Callable[..., Path]) -> None:
    path = write_config("timezone: Europe/Stockholm\nconnectors:\n  eu:\n    type: schedules\n"
                        "    level: eu\n    paths: [schedules/missing.yaml]\n")
    [found] = problems(path)
    assert found.startswith("config.yaml:6: connectors.eu.paths: no schedule file matches "
                            "'schedules/missing.yaml'")


def test_feed_content_settings_are_checked_with_their_lines(
        write_config: Callable[..., Path]) -> None:
    path = write_config("feeds:\n  x:\n    title: X\n    spans: banner\n"
                        "    window: {past: P1Y, futur: P2Y}\n"
                        "levels:\n  eu: {title: EU, color_name: Royal Blue}\n"
                        "organisations:\n  Umeå kommun: {page: {}}\n")
    found = problems(path)
    assert any(p.startswith("config.yaml:4: feeds.x.spans") and "'milestones' or 'full'" in p
               for p in found), found
    assert any(p.startswith("config.yaml:5: feeds.x.window.futur") for p in found), found
    assert any(p.startswith("config.yaml:7: levels.eu.color_name") and "seagreen" in p
               for p in found), found
    assert any(p.startswith("config.yaml:9: organisations.Umeå kommun.page") for p in found)
