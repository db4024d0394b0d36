"""Every listing command reads well at 200, 80 and 40 columns and piped, and prints JSON.

On the bundled pilot, synced once (SQLite): no line is wider than the terminal, and the
text people need (an alert's summary and fix, a source's status, an event's title) is all
there, never squeezed to a zero-width column. `--format json` is offered by every listing
command (found by walking the command tree, so a new listing command must offer it too)
and parses, with the fields a script needs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from calsync.cli import cli

REPO = Path(__file__).resolve().parents[2]

#: Commands that change something or run a process: they print one line or a progress
#: view, not a listing. Every other command must take `--format json`.
ACTIONS = {"db upgrade", "serve", "worker", "digest send",
           "alerts ack", "alerts wontfix", "alerts reopen",
           "alerts snooze", "alerts send", "alerts silence add", "alerts silence expire",
           "feeds rotate-token", "feeds token create", "feeds token revoke", "reload", "init"}

PRIVATE_FEED = """\
  board:
    title: Board papers
    private: true
    select: {level: regional}
"""


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The bundled config (plus one private feed) synced into SQLite once; the env to run
    commands with."""
    root = tmp_path_factory.mktemp("pilot")
    # English: the checks name the texts to find (the layout is the same in Swedish).
    text = (REPO / "config.yaml").read_text(encoding="utf-8").replace(
        "\nlanguage: sv ", "\nlanguage: en ", 1)
    assert "\nlanguage: en " in text
    (root / "config.yaml").write_text(text.replace("\nfeeds:\n", "\nfeeds:\n" + PRIVATE_FEED, 1),
                                      encoding="utf-8")
    shutil.copytree(REPO / "schedules", root / "schedules")
    env = {"CALSYNC_DATABASE_URL": f"sqlite:///{root / 'c.db'}",
           "CALSYNC_CONFIG": str(root / "config.yaml"), "COLUMNS": "200"}
    for args in (["db", "upgrade"], ["sync"],
                 ["alerts", "silence", "add", "-l", "rule=R13", "-m", "reviewed in the spring "
                  "meeting of the regional board", "--by", "coordinator"],
                 ["feeds", "token", "create", "board", "--for", "Anna Andersson"]):
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 0, (args, result.output)
    yield env


def run(env: dict[str, str], *args: str, columns: int | None = 200) -> str:
    result = CliRunner().invoke(cli, list(args),
                                env={**env, "COLUMNS": str(columns) if columns else None})
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def words(text: str) -> list[str]:
    return text.split()


def assert_readable(out: str, width: int, *texts: str) -> None:
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    flat = "".join(out.split())  # a word longer than the width is folded: join it again
    for text in texts:
        for word in words(text):
            assert word in flat, (word, text)


def alert(env: dict[str, str]) -> dict[str, Any]:
    found = json.loads(run(env, "alerts", "--format", "json"))
    assert found, "the pilot's rules find at least one misalignment"
    first: dict[str, Any] = found[0]
    return first


@pytest.mark.parametrize("width", [200, 80, 40, None], ids=["wide", "80", "40", "piped"])
def test_alerts_keep_summary_and_fix_at_any_width(pilot: dict[str, str], width: int | None
                                                  ) -> None:
    a = alert(pilot)
    out = run(pilot, "alerts", columns=width)
    assert_readable(out, width or 80, a["summary"], a["annotations"]["fix"], a["rule"])
    if width == 40:
        assert "summary:" in out and "fix:" in out  # records, not a crushed table
    if width == 200:
        assert "┃ summary" in out  # a table where it fits


@pytest.mark.parametrize("width", [200, 80, 40, None], ids=["wide", "80", "40", "piped"])
def test_sources_timeline_feeds_silences_at_any_width(pilot: dict[str, str],
                                                      width: int | None) -> None:
    limit = width or 80
    sources = json.loads(run(pilot, "sources", "--format", "json"))
    out = run(pilot, "sources", columns=width)
    assert_readable(out, limit, *(s["name"] for s in sources),
                    *(s["last_sync"]["outcome"] for s in sources if s["last_sync"]))
    events = json.loads(run(pilot, "timeline", "--from", "2026-09-01", "--to", "2026-09-30",
                            "--format", "json"))
    out = run(pilot, "timeline", "--from", "2026-09-01", "--to", "2026-09-30", columns=width)
    assert_readable(out, limit, "September 2026", *(e["title"] for e in events),
                    *(e["actor"] for e in events))
    feeds = json.loads(run(pilot, "feeds", "--format", "json"))
    out = run(pilot, "feeds", columns=width)
    assert_readable(out, limit, *(f["title"] for f in feeds))
    out = run(pilot, "alerts", "silence", "list", columns=width)
    assert_readable(out, limit, "rule=R13", "reviewed in the spring meeting of the regional "
                    "board", "coordinator")
    out = run(pilot, "feeds", "token", "list", columns=width)
    assert_readable(out, limit, "Anna Andersson", "board")
    out = run(pilot, "evaluate", "--dry-run", columns=width)
    a = alert(pilot)
    assert_readable(out, limit, a["summary"])


def _leaves(group: click.Group, ctx: click.Context, prefix: str = ""
            ) -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        path = f"{prefix}{name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _leaves(command, ctx, path + " ")


def test_every_listing_command_offers_json() -> None:
    ctx = click.Context(cli)
    lacking = []
    for path, command in _leaves(cli, ctx):
        if path in ACTIONS or (isinstance(command, click.Group)
                               and not command.invoke_without_command):
            continue  # an action, or a group that only shows its help
        fmt = next((p for p in command.params if p.name == "fmt"), None)
        if fmt is None or "json" not in getattr(fmt.type, "choices", ()):
            lacking.append(path)
    assert not lacking, f"listing commands without --format json: {lacking}"


def test_json_of_every_listing_command(pilot: dict[str, str]) -> None:
    def data(*args: str) -> Any:
        return json.loads(run(pilot, *args, "--format", "json"))

    a = alert(pilot)
    assert {"id", "rule", "summary", "annotations", "labels"} <= set(a)
    assert data("alerts", "list", "--state", "all")[0]["id"] == a["id"]
    shown = data("alerts", "show", str(a["id"]))
    assert shown["id"] == a["id"] and shown["history"]
    silences = data("alerts", "silence", "list")
    assert silences[0]["createdBy"] == "coordinator"
    assert silences[0]["matchers"] == [{"name": "rule", "value": "R13", "isRegex": False,
                                        "isEqual": True}]
    assert data("alerts", "silence") == silences
    assert isinstance(data("alerts", "outbox"), list)
    sources = {s["name"]: s for s in data("sources")}
    assert sources["eu-cycles"]["events"] > 0 and sources["eu-cycles"]["enabled"] is True
    assert {e["level"] for e in data("timeline", "--from", "2026-01-01", "--to",
                                     "2026-12-31")} >= {"eu", "national"}
    feeds = {f["name"]: f for f in data("feeds")}
    assert feeds["eu"]["webcal"].startswith("webcal://") and not feeds["eu"]["private"]
    assert feeds["board"]["private"] and feeds["board"]["url"] is None  # no feed-wide token
    assert data("feeds", "list") == list(feeds.values())
    tokens = data("feeds", "token", "list")
    assert [(t["feed"], t["subscriber"]) for t in tokens] == [("board", "Anna Andersson")]
    assert tokens[0]["webcal"].startswith("webcal://")
    findings = data("evaluate", "--dry-run")["findings"]
    assert a["rule"] in {f["rule"] for f in findings}
    synced = data("sync", "--connector", "eu-cycles")
    assert [r["source"] for r in synced["reports"]] == ["eu-cycles"]
    assert synced["reports"][0]["outcome"] in ("ok", "not_modified")
    status = data("db", "status")
    assert status["current"] == status["head"] and status["up_to_date"] is True
    checked = data("check")
    assert checked["valid"] is True and checked["connectors"] == 11
    assert all("file" in w and "message" in w for w in checked["warnings"])
    uid = data("timeline", "--from", "2026-09-13", "--to", "2026-09-13")[0]["uid"]
    answer = data("whatif", "--cancel", uid)
    assert answer["changes"][0]["op"] == "cancel"


def test_config_before_or_after_the_command(pilot: dict[str, str], tmp_path: Path) -> None:
    config = pilot["CALSYNC_CONFIG"]
    env = {**pilot, "CALSYNC_CONFIG": None}
    for args in (["check", "-c", config], ["-c", config, "check"],
                 ["-c", str(tmp_path / "missing.yaml"), "check", "--config", config],
                 ["alerts", "silence", "list", "-c", config]):
        result = CliRunner().invoke(cli, args, env=env)  # type: ignore[arg-type]
        assert result.exit_code == 0, (args, result.output)
    result = CliRunner().invoke(cli, ["check", "-c", str(tmp_path / "missing.yaml")], env=env)
    assert result.exit_code == 2 and "missing.yaml" in result.output
