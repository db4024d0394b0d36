"""The weekly digest on the synced pilot (frozen clock), in Swedish: the preview writes
nothing; two scheduler instances on one database queue and send it once, through the
outbox, to a real SMTP server (aiosmtpd), as multipart text + HTML whose items link to
their pages; what changed since the last digest; located config errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from calsync.alerts.notify.outbox import list_outbox
from calsync.cli import cli
from calsync.clock import FixedClock
from calsync.config import load_config
from calsync.config.notify import DigestReceiver
from calsync.errors import ConfigError
from calsync.i18n.events import title_in
from calsync.model import Event
from calsync.runtime import Runtime
from calsync.scheduler.hooks import Hooks, drain_outbox, queue_digest
from calsync.scheduler.jobs import DIGEST, OUTBOX
from calsync.scheduler.worker import Scheduler
from calsync.store.events import get_event
from calsync.store.tables import events, sync_runs
from calsync.sync.apply import apply_plan, load_known
from calsync.sync.plan import Plan
from tests.conftest import REPO
from tests.notify.test_delivery import Mailbox, smtp
from tests.pilotdb import pilot, snapshot

__all__ = ["pilot", "smtp"]

NAME = "skelleftea-weekly"
MONDAY = datetime(2026, 11, 30, 6, 0, 30, tzinfo=UTC)  # 07:00:30 in Stockholm


def with_digest(runtime: Runtime, port: int, at: datetime, **changes: Any) -> Runtime:
    """The pilot's runtime with its digest enabled, sending to `port`, the clock at `at`."""
    config = runtime.config
    receivers = dict(config.alerts.receivers)
    digest = receivers[NAME]
    assert isinstance(digest, DigestReceiver)
    receivers[NAME] = digest.model_copy(update={"enabled": True, "port": port, **changes})
    alerts = config.alerts.model_copy(update={"receivers": receivers})
    return Runtime.from_config(config.model_copy(update={"alerts": alerts}),
                               clock=FixedClock(at), engine=runtime.engine)


def parts(message: Message) -> dict[str, str]:
    out = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            out[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return out


def test_preview_in_swedish_writes_nothing(pilot: Runtime) -> None:
    runtime = with_digest(pilot, 25, pilot.clock.now())
    before = snapshot(pilot.engine)
    result = CliRunner().invoke(cli, ["digest", "preview", "--subscription", NAME],
                                obj={"runtime": runtime})
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("Subject: calsync-sammanfattning för Skellefteå kommun, vecka 48")
    assert "Det som kommer från 29 november 2026 till 9 januari 2027" in text
    for heading in ("Kommande 6 veckor", "Nya avvikelser sedan förra sammanfattningen",
                    "Öppna avvikelser", "Ändrat sedan förra sammanfattningen"):
        assert heading in text
    # Skellefteå's open misalignment (R4 on the pilot), linked to its alert
    opened = text.split("Öppna avvikelser", 1)[1].split("Ändrat sedan", 1)[0]
    assert "R4:" in opened and "8000/alerts/" in opened and "senast" in opened
    assert "Umeå" not in opened and "Region Västerbotten" not in opened
    # built-in steps by their Swedish titles (the digest showed the stored English one)
    coming = text.split("Kommande 6 veckor", 1)[1].split("Nya avvikelser", 1)[0]
    assert "decemberspåret" in coming and "December track" not in coming, coming
    html = CliRunner().invoke(cli, ["digest", "preview", "--subscription", NAME, "--format",
                                    "html"], obj={"runtime": runtime}).output
    assert html.startswith("<!DOCTYPE html>") and '<html lang="sv">' in html
    assert 'href="http://127.0.0.1:8000/alerts/' in html
    english = with_digest(pilot, 25, pilot.clock.now(), language="en")
    out = CliRunner().invoke(cli, ["digest", "preview", "--subscription", NAME],
                             obj={"runtime": english}).output
    assert "Open misalignments" in out and "Coming in the next 6 weeks" in out
    assert "December track" in out and "decemberspåret" not in out
    # the misalignments in the digest's language, not the install's (Swedish)
    assert ("R4: Inget datum är känt än för Skellefteå kommun: Kommunfullmäktige "
            "fastställer") in opened
    english_open = out.split("Open misalignments", 1)[1].split("Changed since", 1)[0]
    assert ("R4: No date is known yet for Skellefteå kommun: Kommunfullmäktige "
            "adopts") in english_open
    assert "decide by 30 November 2026" in english_open
    assert "Inget datum" not in out and "senast" not in english_open
    bad = CliRunner().invoke(cli, ["digest", "preview", "--subscription", "nope"],
                             obj={"runtime": runtime})
    assert bad.exit_code == 2 and "skelleftea-weekly" in bad.output
    assert snapshot(pilot.engine) == before


def test_two_schedulers_send_it_once_and_the_next_says_what_moved(
        pilot: Runtime, smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    runtime = with_digest(pilot, port, MONDAY)
    jobs = [DIGEST + NAME, OUTBOX]
    hooks = Hooks(digest=queue_digest, outbox=drain_outbox)
    a = Scheduler(runtime, engine=runtime.engine, instance_id="a", hooks=hooks, only=jobs)
    b = Scheduler(runtime, engine=runtime.engine, instance_id="b", hooks=hooks, only=jobs)

    async def both(at: datetime | None) -> None:
        for _ in range(3):
            await asyncio.gather(a.dispatch(at), b.dispatch(at))
            await asyncio.gather(a.wait_idle(), b.wait_idle())

    async def go() -> None:
        await both(MONDAY)  # one of them queues the digest of Monday 07:00
        await both(None)  # the database's time: the outbox request it made is due
        await asyncio.gather(a.shutdown(), b.shutdown())

    asyncio.run(go())
    assert len(box.messages) == 1
    [message] = box.messages
    subject = str(make_header(decode_header(message["Subject"])))
    assert " ".join(subject.split()) == "calsync-sammanfattning för Skellefteå kommun, vecka 49"
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    assert "Öppna avvikelser" in body["text/plain"] and "Öppna avvikelser" in body["text/html"]
    assert "http://127.0.0.1:8000/events/" in body["text/plain"]
    with runtime.engine.connect() as conn:
        rows = [r for r in list_outbox(conn) if r["receiver"] == NAME]
    assert [(r["status"], r["reason"]) for r in rows] == [("sent", "digest")]
    # a Skellefteå step of next spring moves to December; the next Monday's digest says so
    later = MONDAY + timedelta(days=7)
    with runtime.engine.connect() as conn:
        moved = next(e for e in conn.execute(events.select().where(
            events.c.actor == "Skellefteå kommun",
            events.c.start_at > datetime(2027, 2, 1, tzinfo=UTC)).order_by(
            events.c.start_at)).mappings())
    event = _move(runtime, moved["uid"], date(2026, 12, 21), later - timedelta(days=1))
    runtime.clock = FixedClock(later)  # type: ignore[misc]
    c = Scheduler(runtime, engine=runtime.engine, instance_id="c", hooks=hooks, only=jobs)
    d = Scheduler(runtime, engine=runtime.engine, instance_id="d", hooks=hooks, only=jobs)

    async def again() -> None:
        for at in (later, later, None, None):
            await asyncio.gather(c.dispatch(at), d.dispatch(at))
            await asyncio.gather(c.wait_idle(), d.wait_idle())
        await asyncio.gather(c.shutdown(), d.shutdown())

    asyncio.run(again())
    assert len(box.messages) == 2
    text = parts(box.messages[1])["text/plain"]
    moved_line = next(line for line in text.splitlines() if line.startswith("- Flyttad:"))
    assert title_in(event.data, "sv") in moved_line and "till 21 december 2026" in moved_line
    with runtime.engine.connect() as conn:
        rows = [r for r in list_outbox(conn) if r["receiver"] == NAME]
    assert [r["status"] for r in rows] == ["sent", "sent"]


def _move(runtime: Runtime, uid: str, to: date, at: datetime) -> Event:
    """Move an all-day event to start on `to`, written as a sync writes it (`apply_plan`:
    the row and a revision with the old start)."""
    with runtime.engine.begin() as conn:
        event = get_event(conn, uid)
        assert event is not None
        known = load_known(conn, event.source)[event.external_uid]
        start, end = event.data.start, event.data.end
        assert not isinstance(start, datetime) and not isinstance(end, datetime)
        shift = to - start
        new = event.data.with_(start=to, end=end + shift if end else None)
        sync_id = conn.execute(select(func.max(sync_runs.c.id)).where(
            sync_runs.c.source == event.source)).scalar()
        apply_plan(conn, event.source,
                   Plan(changed=[(known, new, new.content_hash(), known.record_key or "")]),
                   now=at, sync_id=sync_id, uid_domain="calsync", cancel_reason="")
    return event


def test_a_digest_for_an_unknown_organisation_is_a_located_error(tmp_path: Path) -> None:
    text = (REPO / "config.yaml").read_text(encoding="utf-8").replace(
        "organisation: Skellefteå kommun\n      weeks: 6",
        "organisation: Skelleftea\n      weeks: 6")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    for name in ("schedules",):
        (tmp_path / name).symlink_to(REPO / name)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = [p for p in caught.value.problems if "Skelleftea" in p.message]
    assert problem.line is not None and "alerts.receivers.skelleftea-weekly.organisation" in \
        str(problem)
