"""`calsync feeds`, `calsync feeds rotate-token` and `calsync feeds token ...` against a
real database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from calsync.cli import cli
from calsync.runtime import Runtime
from calsync.web.app import create_app

CONFIG = """
server: {public_url: "https://cal.example.org"}
feeds:
  eu: {title: EU cycles, select: {level: eu}}
  board: {title: Board only, private: true}
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def project(write_config: Callable[..., Path], tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_config(CONFIG)
    monkeypatch.setenv("CALSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    monkeypatch.setenv("COLUMNS", "250")
    assert run("db", "upgrade")[0] == 0
    return path


def test_list_shows_https_and_webcal_addresses(project: Path) -> None:
    code, out = run("feeds")
    assert code == 0
    assert "https://cal.example.org/feeds/eu.ics" in out
    assert "webcal://cal.example.org/feeds/eu.ics" in out
    assert "webcal://cal.example.org/feeds/all.ics" in out
    assert "calsync feeds rotate-token board" in out  # private, no token yet


def test_rotate_token_gives_a_working_secret_address(project: Path) -> None:
    code, out = run("feeds", "rotate-token", "board")
    assert code == 0
    first = next(w for w in out.split() if w.startswith("https://"))
    code, listed = run("feeds", "list")
    assert code == 0 and first in listed
    client = TestClient(create_app(Runtime.load(project)))
    path = first.removeprefix("https://cal.example.org")
    assert client.get(path).status_code == 200
    code, out = run("feeds", "rotate-token", "board")
    second = next(w for w in out.split() if w.startswith("https://"))
    assert second != first
    assert client.get(path).status_code == 404
    assert client.get(second.removeprefix("https://cal.example.org")).status_code == 200


def test_rotate_token_of_a_public_feed_is_a_clear_error(project: Path) -> None:
    code, out = run("feeds", "rotate-token", "eu")
    assert code == 1 and "no private feed named 'eu' (private feeds: board)" in out


def test_token_per_subscriber_create_list_revoke(project: Path) -> None:
    code, out = run("feeds", "token", "create", "board", "--for", "Anna")
    assert code == 0 and "for Anna" in out
    anna = next(w for w in out.split() if w.startswith("https://"))
    bo = next(w for w in run("feeds", "token", "create", "board", "--for", "Bo")[1].split()
              if w.startswith("https://"))
    code, out = run("feeds", "token", "list", "board")
    assert code == 0 and "Anna" in out and "Bo" in out
    code, out = run("feeds", "token", "revoke", "board", "Anna")
    assert code == 0 and "404" in out
    client = TestClient(create_app(Runtime.load(project)))
    assert client.get(anna.removeprefix("https://cal.example.org")).status_code == 404
    assert client.get(bo.removeprefix("https://cal.example.org")).status_code == 200
    code, out = run("feeds", "token", "revoke", "board", "Anna")
    assert code == 1 and "no subscriber 'Anna'" in out
    code, out = run("feeds", "token", "create", "eu", "--for", "Anna")
    assert code == 1 and "no private feed named 'eu'" in out
