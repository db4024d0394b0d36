"""The shared half of reloading (calsync.store.reloads) on SQLite and PostgreSQL:
generations grow, each instance's answer is kept, stale rows go, a clean stop forgets."""

from __future__ import annotations

from sqlalchemy import Engine

from calsync.store.reloads import (
    announce,
    forget_instance,
    instance_states,
    latest_generation,
    record_instance,
    requested_by,
    touch_instance,
)


def test_generations_and_answers(engine: Engine) -> None:
    with engine.begin() as conn:
        assert latest_generation(conn) == 0
        first = announce(conn, "SIGHUP at serve@a:1", "a" * 64)
        second = announce(conn, "cli", "b" * 64)
        assert latest_generation(conn) == second > first >= 1
        assert requested_by(conn, first) == "SIGHUP at serve@a:1"
        assert requested_by(conn, 999) is None

        record_instance(conn, "serve@a:1", "serve", second, "b" * 64, applied=True,
                        error=None)
        record_instance(conn, "worker@b:2", "worker", 0, "a" * 64, applied=True, error=None)
        record_instance(conn, "worker@b:2", "worker", second, "c" * 64, applied=False,
                        error="config.yaml:3: feeds: bad")
    with engine.connect() as conn:
        states = {s.instance: s for s in instance_states(conn, seen_within=60)}
    assert list(states) == ["serve@a:1", "worker@b:2"]
    refused = states["worker@b:2"]
    # refused: it answered this generation but still runs the config it had
    assert (refused.generation, refused.sha256, refused.error) == (
        second, "a" * 64, "config.yaml:3: feeds: bad")
    assert refused.loaded_at <= refused.attempted_at
    assert states["serve@a:1"].error is None and states["serve@a:1"].sha256 == "b" * 64

    with engine.begin() as conn:
        assert touch_instance(conn, "serve@a:1", stale_after=3600)
        assert not touch_instance(conn, "gone@c:3", stale_after=3600)
        # nothing was seen in the last -1 s: every row counts as stale and goes
        assert touch_instance(conn, "serve@a:1", stale_after=-1)
        assert instance_states(conn) == []
        record_instance(conn, "serve@a:1", "serve", second, "b" * 64, applied=True,
                        error=None)
        forget_instance(conn, "serve@a:1")
        assert instance_states(conn) == []
