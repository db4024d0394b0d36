"""Alerts over HTTP: read them, work with them, silence them, and subscribe to them.

- `GET /api/alerts?state=firing&rule=R1`, `GET /api/alerts/{id}` (with its history);
- `POST /api/alerts/{id}/ack|snooze|wontfix|reopen` (a token with the `alerts` scope;
  the token's name is recorded as who did it);
- silences: `GET/POST /api/silences`, `GET/DELETE /api/silences/{id}` (Alertmanager v2
  shape: matchers, startsAt, endsAt, comment);
- `POST /api/evaluate` runs the rules now;
- `/feeds/alerts.ics`: every firing alert as an all-day event on its due date, with the
  explanation and the fix, so coordinators see misalignments in their calendar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from calsync.alerts import store
from calsync.feeds.ics import CalendarMeta, calendar_header, content, escape_text, format_utc
from calsync.model import day_start
from calsync.store.tables import alert_transitions
from calsync.web.auth import AlertsUser
from calsync.web.deps import Conn, RuntimeDep

__all__ = ["router"]

router = APIRouter(tags=["alerts"])


def _alert_json(conn: Any, alert: store.Alert, now: datetime) -> dict[str, Any]:
    return {**alert.as_dict(now),
            "history": [t.as_dict() for t in store.history(conn, alert.id)]}


@router.get("/api/alerts")
def list_alerts(runtime: RuntimeDep, conn: Conn,
                state: str = Query("firing", description=", ".join(store.STATES)),
                rule: str | None = None) -> dict[str, Any]:
    if state not in store.STATES:
        raise HTTPException(422, f"unknown state {state!r}; known: {', '.join(store.STATES)}")
    now = runtime.clock.now()
    found = store.list_alerts(conn, state=state, now=now, rule=rule)
    return {"state": state, "count": len(found), "alerts": [a.as_dict(now) for a in found]}


@router.get("/api/alerts/{ref}")
def get_alert(ref: str, runtime: RuntimeDep, conn: Conn) -> dict[str, Any]:
    now = runtime.clock.now()
    return _alert_json(conn, store.get_alert(conn, ref, now), now)


class Comment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = ""


class Snooze(Comment):
    until: datetime


def _act(runtime: Any, ref: str, action: str, user: str, body: Comment) -> dict[str, Any]:
    now = runtime.clock.now()
    with runtime.engine.begin() as conn:
        if action == "snooze":
            assert isinstance(body, Snooze)
            until = body.until if body.until.tzinfo else body.until.replace(
                tzinfo=day_start(now.date(), runtime.config.timezone).tzinfo)
            try:
                alert = store.snooze(conn, ref, until=until, by=user, comment=body.comment,
                                     now=now)
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from None
        else:
            fn = {"ack": store.acknowledge, "wontfix": store.wont_fix,
                  "reopen": store.reopen}[action]
            alert = fn(conn, ref, by=user, comment=body.comment, now=now)
        return _alert_json(conn, alert, now)


@router.post("/api/alerts/{ref}/ack")
def ack(ref: str, body: Comment, runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    return _act(runtime, ref, "ack", user, body)


@router.post("/api/alerts/{ref}/snooze")
def snooze(ref: str, body: Snooze, runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    return _act(runtime, ref, "snooze", user, body)


@router.post("/api/alerts/{ref}/wontfix")
def wontfix(ref: str, body: Comment, runtime: RuntimeDep, user: AlertsUser
            ) -> dict[str, Any]:
    return _act(runtime, ref, "wontfix", user, body)


@router.post("/api/alerts/{ref}/reopen")
def reopen(ref: str, body: Comment, runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    return _act(runtime, ref, "reopen", user, body)


class MatcherIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    value: str
    is_regex: bool = Field(False, alias="isRegex")
    is_equal: bool = Field(True, alias="isEqual")


class SilenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    matchers: list[MatcherIn] = Field(min_length=1)
    starts_at: datetime | None = Field(None, alias="startsAt")
    ends_at: datetime = Field(alias="endsAt")
    comment: str = Field(min_length=1)


@router.get("/api/silences")
def list_silences(runtime: RuntimeDep, conn: Conn, all: bool = False) -> dict[str, Any]:
    now = runtime.clock.now()
    found = [s for s in store.list_silences(conn) if all or s.state(now) != "expired"]
    return {"count": len(found), "silences": [s.as_dict(now) for s in found]}


@router.post("/api/silences", status_code=201)
def create_silence(body: SilenceIn, runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    now = runtime.clock.now()
    try:
        matchers = [store.Matcher.parse(m.model_dump(by_alias=True)) for m in body.matchers]
        with runtime.engine.begin() as conn:
            silence = store.create_silence(
                conn, matchers, starts_at=body.starts_at or now, ends_at=body.ends_at,
                created_by=user, comment=body.comment, now=now)
    except (ValueError, TypeError) as exc:
        raise HTTPException(422, str(exc)) from None
    return silence.as_dict(now)


@router.get("/api/silences/{silence_id}")
def get_silence(silence_id: int, runtime: RuntimeDep, conn: Conn) -> dict[str, Any]:
    return store.get_silence(conn, silence_id).as_dict(runtime.clock.now())


@router.delete("/api/silences/{silence_id}")
def expire_silence(silence_id: int, runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    now = runtime.clock.now()
    with runtime.engine.begin() as conn:
        silence = store.expire_silence(conn, silence_id, now)
    return {**silence.as_dict(now), "expiredBy": user}


@router.post("/api/evaluate")
def evaluate(runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    from calsync.alerts.evaluate import evaluate_and_update

    summary = evaluate_and_update(runtime)
    return {**summary.as_dict(), "requestedBy": user}


ICS_TYPE = "text/calendar; charset=utf-8"


@router.get("/feeds/alerts.ics", response_class=Response)
def alerts_feed(runtime: RuntimeDep, conn: Conn) -> Response:
    """Each firing alert as an all-day event on its due date (UID stable per alert)."""
    config = runtime.config
    now = runtime.clock.now()
    base = config.server.base_url
    found = store.list_alerts(conn, state="firing", now=now)
    last = conn.execute(select(alert_transitions.c.at).order_by(
        alert_transitions.c.at.desc()).limit(1)).scalar()
    meta = CalendarMeta(name="calsync: misalignment alerts",
                        description="Firing misalignment alerts on their due dates.",
                        url=f"{base}/feeds/alerts.ics", last_modified=last)
    parts = [calendar_header(meta)]
    for alert in found:
        due = (alert.due_at or alert.starts_at).astimezone(
            day_start(now.date(), config.timezone).tzinfo)
        day = due.date()
        workflow = alert.effective_workflow(now)
        what = alert.annotations.get("rule_title") or alert.summary
        title = f"[{alert.severity}] {alert.rule_id}: {what}"
        if workflow != "open":
            title += f" ({workflow.replace('_', ' ')})"
        lines = ["BEGIN:VEVENT", f"UID:alert-{alert.fingerprint}@{config.server.uid_domain}",
                 f"DTSTAMP:{format_utc(alert.updated_at)}",
                 f"LAST-MODIFIED:{format_utc(alert.updated_at)}",
                 f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
                 f"SUMMARY:{escape_text(title)}",
                 f"DESCRIPTION:{escape_text(alert.annotations.get('description', alert.summary))}",
                 f"URL:{base}/api/alerts/{alert.id}",
                 f"CATEGORIES:calsync-alert,{escape_text(alert.severity)}",
                 "TRANSP:TRANSPARENT", "STATUS:CONFIRMED", "END:VEVENT"]
        parts.append(content(lines))
    parts.append("END:VCALENDAR\r\n")
    return Response("".join(parts).encode(), media_type=ICS_TYPE)
