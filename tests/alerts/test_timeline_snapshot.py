"""A new process starts its rules' timeline from the store's snapshot (`calsync.store.
snapshots`, used by `calsync.alerts.kept`) and catches up with what changed since: file
connectors synced into SQLite and PostgreSQL, each "process" a new engine on the same
database, its timeline compared with one loaded afresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from calsync.alerts.kept import KeptTimeline, kept_for
from calsync.clock import FixedClock
from calsync.runtime import Runtime
from calsync.store.engine import make_engine
from calsync.store.snapshots import read_snapshot
from calsync.store.tables import events, timeline_snapshots
from tests.alerts.test_kept_timeline import EU, KOMMUN, Project, fresh, snapshot
from tests.support import write_events


def another_process(p: Project) -> tuple[Engine, KeptTimeline]:
    """A new engine on the same store (what a new `calsync evaluate` has), evaluated once."""
    engine = make_engine(p.engine.url.render_as_string(hide_password=False))
    p.engine = engine
    p.evaluate()
    found = kept_for(engine)
    assert found is not None and found.timeline is not None
    return engine, found


def stored_version(engine: Engine) -> tuple[int, int, int]:
    c = timeline_snapshots.c
    with engine.connect() as conn:
        row = conn.execute(select(c.rows, c.sequences, c.top_id)).one()
    return row.rows, row.sequences, row.top_id


@pytest.fixture
def project(tmp_path: Path, engine: Engine, write_config: Callable[..., Path],
            make_runtime: Callable[..., Runtime]) -> Project:
    p = Project(tmp_path, engine, write_config, make_runtime)
    p.sync()
    p.evaluate()  # the first process: reads every event and writes the snapshot
    assert not p.kept.from_snapshot
    return p


def test_a_new_process_starts_from_the_snapshot(project: Project) -> None:
    p, tz = project, project.rt.config.timezone
    first = p.firing()
    engine, kept = another_process(p)
    assert kept.from_snapshot and kept.loads == 1
    assert kept.timeline is not None and snapshot(kept.timeline) == fresh(engine, tz)
    assert p.firing() == first
    engine.dispose()


def test_changes_since_the_snapshot_are_caught_up_and_a_stale_one_is_rewritten(
        project: Project, tmp_path: Path) -> None:
    p, tz = project, project.rt.config.timezone
    before = stored_version(p.engine)
    # A sync in another process: the call moves after the decision, one decision goes.
    write_events(tmp_path / "eu.json", [dict(EU[0], start="2027-06-30"), EU[1]])
    write_events(tmp_path / "kommun.json", KOMMUN[:1])
    p.rt.clock = FixedClock(p.rt.clock.now() + timedelta(hours=1))
    assert p.sync()
    engine, kept = another_process(p)
    assert kept.from_snapshot
    assert kept.timeline is not None and snapshot(kept.timeline) == fresh(engine, tz)
    titles = [i.title for i in kept.timeline.items]
    assert "Medfinansiering Polstjärnan" not in titles  # cancelled since the snapshot
    assert p.firing() == []  # both alerts resolved: the call moved, the other was dropped
    # Two of four events changed (more than STALE_SHARE): the snapshot is the store's now.
    assert stored_version(engine) != before
    with engine.connect() as conn:
        assert stored_version(engine) == kept.version
        rewritten = read_snapshot(conn)
    assert rewritten is not None and len(rewritten.facts) == 4
    engine.dispose()


def test_a_change_the_snapshot_cannot_see_makes_the_new_process_read_everything(
        project: Project) -> None:
    """A change stamped before the snapshot's newest row (a writer whose clock was behind):
    catching up misses it, the version disagrees, and every event is read again."""
    p, tz = project, project.rt.config.timezone
    timeline = p.kept.timeline
    assert timeline is not None
    cofin = next(i for i in timeline.items if i.title == "Medfinansiering Norrsken")
    with p.engine.begin() as conn:
        conn.execute(update(events).where(events.c.id == cofin.id).values(
            title="Medfinansiering Norrsken (flyttad)", sequence=events.c.sequence + 1,
            updated_at=p.rt.clock.now() - timedelta(days=1)))
    engine, kept = another_process(p)
    assert not kept.from_snapshot
    assert kept.timeline is not None and snapshot(kept.timeline) == fresh(engine, tz)
    assert any("(flyttad)" in a for a in p.firing())
    engine.dispose()


@pytest.mark.parametrize("damage", ["format", "payload"])
def test_a_snapshot_of_another_python_or_damaged_is_not_read(project: Project,
                                                              damage: str) -> None:
    p, tz = project, project.rt.config.timezone
    values = {"format": "python 3.99 marshal 9"} if damage == "format" else \
        {"payload": b"\x00not marshal"}
    with p.engine.begin() as conn:
        conn.execute(update(timeline_snapshots).values(**values))
        assert read_snapshot(conn) is None
    engine, kept = another_process(p)
    assert not kept.from_snapshot
    assert kept.timeline is not None and snapshot(kept.timeline) == fresh(engine, tz)
    with engine.connect() as conn:
        assert read_snapshot(conn) is not None  # written anew by the full read
    engine.dispose()
