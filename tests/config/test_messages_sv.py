"""Config validation problems in the config's language (issue 12): with `language: sv` the
common ones (a missing key, a wrong type, an unknown key with its "did you mean", a value
outside a fixed set or a range) and the lines around them are Swedish, from the calsync
catalog; without it they are pydantic's English, exactly as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from calsync.cli import cli
from calsync.config import load_config_text
from calsync.errors import ConfigError, explain

MISTAKES = """\
timezone: Europe/Stockholm
server:
  port: eighty
  hots: 0.0.0.0
feeds:
  eu:
    titel: EU
    language: se
connectors:
  eu-cycles:
    type: shedules
"""


def _problems(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config_text(text)
    return info.value


def test_swedish_when_the_config_says_sv() -> None:
    error = _problems("language: sv\n" + MISTAKES)
    found = [str(p) for p in error.problems]
    connector = found.pop()
    assert connector.startswith("config.yaml:12: connectors.eu-cycles.type: okänd typ "
                                "'shedules' för källan; kända typer: ")
    assert connector.endswith("; menade du 'schedules'?") and "schedules," in connector
    assert found == [
        "config.yaml:4: server.port: värdet ska vara ett heltal (angivet: 'eighty')",
        "config.yaml:5: server.hots: okänd nyckel 'hots'; menade du 'host'?",
        "config.yaml:7: feeds.eu.title: nyckeln saknas, men den måste finnas",
        "config.yaml:8: feeds.eu.titel: okänd nyckel 'titel'; menade du 'title'?",
        "config.yaml:9: feeds.eu.language: värdet ska vara 'sv' eller 'en' (angivet: 'se')",
    ]
    text = explain(error)
    assert text.startswith(f"{len(error.problems)} fel i konfigurationen:\n")
    assert text.endswith("\nRätta raderna ovan och kör sedan `calsync check` igen.")
    for english in ("input should", "unknown key", "did you mean", "required key", "(got "):
        assert english not in text, english


def test_english_stays_pydantics_own_words() -> None:
    found = [str(p) for p in _problems(MISTAKES).problems]
    assert "config.yaml:3: server.port: input should be a valid integer, unable to parse " \
           "string as an integer (got 'eighty')" in found
    assert "config.yaml:4: server.hots: unknown key 'hots'; did you mean 'host'?" in found
    assert "config.yaml:6: feeds.eu.title: required key is missing" in found
    assert "config.yaml:8: feeds.eu.language: input should be 'sv' or 'en' (got 'se')" in found
    assert explain(_problems(MISTAKES)).endswith("then run `calsync check` again.")


@pytest.mark.parametrize(("text", "expected"), [
    ("language: sv\nserver: {port: 70000}\n", "värdet ska vara högst 65535 (angivet: 70000)"),
    ("language: sv\nfeeds: [a, b]\n", "värdet ska vara en mappning (nyckel: värde)"),
    ("language: sv\nconnectors:\n  eu-cycles:\n    type: schedules\n    paths: x.yaml\n"
     "    enabled: kanske\n", "värdet ska vara true eller false (angivet: 'kanske')"),
])
def test_types_and_ranges_in_swedish(text: str, expected: str) -> None:
    assert any(expected in str(p) for p in _problems(text).problems), [
        str(p) for p in _problems(text).problems]


def test_calsync_check_prints_them(write_config: Callable[..., Path]) -> None:
    path = write_config("language: sv\nserver:\n  hots: 0.0.0.0\n")
    result = CliRunner().invoke(cli, ["-c", str(path), "check"])
    assert result.exit_code == 2
    assert "1 fel i konfigurationen:" in result.output
    assert "okänd nyckel 'hots'; menade du 'host'?" in result.output
