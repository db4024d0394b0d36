"""A misspelt key, value, connector type or actor gets "did you mean ...?" at its line.

The suggestion is the closest known word (compared without case or accents); `calsync
check` warns about an actor no organisation, connector, schedule or stored event has
(`actor: Umea kommun` would otherwise give an empty feed without a word).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from calsync.cli import cli
from calsync.config import load_config
from calsync.config.suggest import closest
from calsync.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]

MISSPELT = """\
timezone: Europe/Stockholm
server: {hots: 0.0.0.0}
alerts: {past_due: histroy}
connectors:
  eu-cycles:
    type: schedules
    paths: [schedules/eu.yaml]
    shedule: {every: PT6H}
  other:
    type: shedules
feeds:
  eu:
    title: EU
    selct: {level: eu}
  national:
    title: National
    select: {levle: national}
"""


def test_each_misspelling_names_the_word_meant(write_config: Callable[..., Path]) -> None:
    path = write_config(MISSPELT, schedules__eu__yaml=(REPO / "schedules" / "eu.yaml")
                        .read_text(encoding="utf-8"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    for line, expected in ((2, "server.hots: unknown key 'hots'; did you mean 'host'?"),
                           (3, "did you mean 'history'?"),
                           (8, "unknown key 'shedule'; did you mean 'schedule'?"),
                           (10, "did you mean 'schedules'?"),
                           (14, "unknown key 'selct'; did you mean 'select'?"),
                           (17, "unknown key 'levle'; did you mean 'level'?")):
        assert any(row.startswith(f"config.yaml:{line}:") and expected in row
                   for row in text.splitlines()), (line, expected, text)


def test_a_misspelt_level_or_kind(write_config: Callable[..., Path]) -> None:
    path = write_config("feeds:\n  eu:\n    title: EU\n    select: {level: eu, kind: [dedline]}\n"
                        "  r:\n    title: R\n    select: {level: regonal}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "config.yaml:4: feeds.eu.select.kind[0]: unknown kind 'dedline'; did you mean " \
           "'deadline'? known:" in text
    assert "config.yaml:7: feeds.r.select.level[0]: unknown level 'regonal'; did you mean " \
           "'regional'? known:" in text


def test_no_suggestion_when_nothing_is_close() -> None:
    assert closest("zzzz", ["level", "kind"]) is None
    assert closest("Umea kommun", ["Umeå kommun", "Umeå universitet"]) == "Umeå kommun"
    assert closest("level", ["level"]) is None  # the word itself is no suggestion


def test_check_warns_about_an_actor_nobody_has(tmp_path: Path) -> None:
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    feeds = ("\nfeeds:\n  umea:\n    title: Umeå\n    select: {actor: [Umea kommun]}\n"
             "  umea-ok:\n    title: Umeå\n    select: {actor: ['Umeå kommun*']}\n")
    config = tmp_path / "config.yaml"
    config.write_text(text.replace("\nfeeds:\n", feeds, 1), encoding="utf-8")
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    env = {"CALSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}", "COLUMNS": "300"}
    result = CliRunner().invoke(cli, ["check", "-c", str(config)], env=env)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if "matches no actor" in line]
    assert len(warned) == 1, result.output  # the glob that matches is fine
    line = text.replace("\nfeeds:\n", feeds, 1).splitlines().index(
        "    select: {actor: [Umea kommun]}") + 1
    assert warned[0].startswith(f"warning {config}:{line}: feeds.umea.select.actor[0]")
    assert "did you mean 'Umeå kommun'?" in warned[0]
    assert not (tmp_path / "none.db").exists()  # check has no side effects
    result = CliRunner().invoke(cli, ["check", "-c", str(config), "--format", "json"], env=env)
    found = json.loads(result.stdout)["warnings"]
    assert [w["path"] for w in found if "matches no actor" in w["message"]] == [
        "feeds.umea.select.actor[0]"]


def test_yaml_syntax_errors_keep_line_column_and_hint(write_config: Callable[..., Path]
                                                      ) -> None:
    path = write_config("connectors:\n\teu:\n    type: schedules\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (2, 1)
    assert "tab" in problem.message
