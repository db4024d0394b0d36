"""The contract every built-in connector keeps, against its recorded upstream on a real
HTTP server: events come out, identity is stable across syncs, an unchanged upstream
costs nothing, disappeared events are cancelled (not deleted), a failing upstream changes
nothing stored, a mass removal is held back, and unknown option keys are config errors
with file and line. A new connector must add its recordings and a line to CONTRACT."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.errors import ConfigError
from calsync.model import Status
from calsync.runtime import Runtime
from calsync.sdk.registry import BUILTIN_CONNECTORS
from calsync.store.events import list_events
from calsync.sync import SyncReport
from tests.server import RecordingServer


@dataclass(frozen=True)
class Case:
    options: str
    """The connector's own YAML options; `{base}` is the recording server's address."""


CONTRACT: dict[str, Case] = {
    "ical": Case("url: {base}/calendar.ics"),
    "json": Case("url: {base}/events.json\nrecords: data.events\n"
                 "fields: {uid: id, title: name, start: when.start, end: when.end, url: link,"
                 " status: state, tags: labels, category: type}"),
    "csv": Case("url: {base}/sammantraden.csv\ndelimiter: ';'\n"
                "fields: {uid: id, title: titel, start: datum, end: slut, status: status,"
                " category: typ}"),
    "riksdagen": Case("url: {base}/kalender/"),
    "eu_funding_tenders": Case("url: {base}/rest/search\nfacet_url: {base}/rest/facet\n"
                               "page_size: 2"),
    "vinnova": Case("url: {base}/api/ansokningsomgangar/"),
}


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        yield running


def config_text(type_name: str, server: RecordingServer, extra: str = "") -> str:
    options = CONTRACT[type_name].options.replace("{base}", server.base)
    body = "\n".join("    " + line for line in (options + extra).splitlines())
    return (f"connectors:\n  upstream:\n    type: {type_name}\n    level: municipal\n"
            f"    actor: Test actor\n    kind: meeting\n    timeout: 2\n{body}\n")


def runtime_for(type_name: str, server: RecordingServer, tmp_path: Path, engine: Engine,
                clock: FixedClock) -> Runtime:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(type_name, server), encoding="utf-8")
    return Runtime.from_config(load_config(path), clock=clock, engine=engine)


def sync(runtime: Runtime, **kwargs: Any) -> SyncReport:
    [report] = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors(), **kwargs))
    return report


def stored(runtime: Runtime) -> dict[str, tuple[str, str, int, str]]:
    with runtime.engine.connect() as conn:
        return {e.external_uid: (e.uid, e.content_hash, e.sequence, str(e.status))
                for e in list_events(conn)}


params = pytest.mark.parametrize("type_name", sorted(CONTRACT))


def test_every_builtin_connector_is_in_the_contract() -> None:
    assert set(BUILTIN_CONNECTORS) - {"schedules"} == set(CONTRACT)


@params
def test_events_come_out_with_stable_identity(type_name: str, server: RecordingServer,
                                              tmp_path: Path, engine: Engine,
                                              clock: FixedClock) -> None:
    server.use(type_name)
    runtime = runtime_for(type_name, server, tmp_path, engine, clock)
    first = sync(runtime)
    assert first.outcome == "ok" and first.added >= 3, first
    before = stored(runtime)
    clock.advance(timedelta(hours=1))
    second = sync(runtime)
    assert second.outcome == "not_modified" and second.added == 0, second
    assert second.unchanged == len(before)
    assert stored(runtime) == before


@params
def test_disappeared_events_are_cancelled_not_deleted(type_name: str,
                                                      server: RecordingServer,
                                                      tmp_path: Path, engine: Engine,
                                                      clock: FixedClock) -> None:
    server.use(type_name)
    runtime = runtime_for(type_name, server, tmp_path, engine, clock)
    sync(runtime)
    before = stored(runtime)
    server.use(type_name, "fewer")
    report = sync(runtime)
    assert report.outcome == "ok" and report.cancelled >= 1, report
    after = stored(runtime)
    assert set(after) == set(before)
    cancelled = [k for k, v in after.items()
                 if v[3] == Status.CANCELLED and before[k][3] != Status.CANCELLED]
    assert len(cancelled) == report.cancelled
    assert all(after[k][0] == before[k][0] and after[k][2] == before[k][2] + 1
               for k in cancelled)


@params
@pytest.mark.parametrize("failure", ["500", "429", "truncate", "wrong-type"])
def test_failed_fetch_keeps_last_good_data(type_name: str, failure: str,
                                           server: RecordingServer, tmp_path: Path,
                                           engine: Engine, clock: FixedClock) -> None:
    server.use(type_name)
    runtime = runtime_for(type_name, server, tmp_path, engine, clock)
    sync(runtime)
    before = stored(runtime)
    server.use(type_name, "empty")  # what a broken upstream must not be mistaken for
    server.fail(failure)
    report = sync(runtime)
    assert report.outcome == "failed", report
    assert report.error_kind == ("fatal" if failure == "wrong-type" else "retriable")
    assert stored(runtime) == before


@params
def test_mass_removal_is_held_back(type_name: str, server: RecordingServer, tmp_path: Path,
                                   engine: Engine, clock: FixedClock) -> None:
    server.use(type_name)
    runtime = runtime_for(type_name, server, tmp_path, engine, clock)
    sync(runtime)
    before = stored(runtime)
    active = sum(v[3] != Status.CANCELLED for v in before.values())
    server.use(type_name, "empty")
    report = sync(runtime)
    assert report.outcome == "held" and report.held_removals == active, report
    assert stored(runtime) == before
    report = sync(runtime, accept_removals=True)
    assert report.outcome == "ok" and report.cancelled == active


@params
def test_unknown_option_is_a_config_error_with_line(type_name: str,
                                                    server: RecordingServer,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.yaml"
    text = config_text(type_name, server, extra="\ncolour: red")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    colour: red") + 1
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert [str(p) for p in info.value.problems] == [
        f"config.yaml:{line}: connectors.upstream.colour: unknown key 'colour'"]
