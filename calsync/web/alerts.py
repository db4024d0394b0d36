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
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from calsync.alerts import silences, store
from calsync.alerts.answers import alert_in
from calsync.alerts.evaluate import evaluate_and_update
from calsync.alerts.filters import AlertFilter
from calsync.alerts.muting import mute_report
from calsync.alerts.private import private_alert_ids, public_alerts
from calsync.config.organisations import Organisations, unknown_organisation
from calsync.errors import NotFoundError
from calsync.feeds.alerts import alerts_calendar
from calsync.i18n.languages import Language
from calsync.i18n.messages import Message
from calsync.model import day_start
from calsync.web.auth import AlertsUser, trusted_reader
from calsync.web.deps import Conn, RuntimeDep
from calsync.web.feeds import serve_body
from calsync.web.filters import MAX_ROW_ID, Multi, query_language, request_language, split

__all__ = ["router"]

# Path values the store can look up: a 40-digit id overflowed the database driver (500).
def _alert_ref(value: str) -> str:
    if value.isdigit() and int(value) > MAX_ROW_ID:
        raise ValueError(Message("no alert has an id above {max}", max=MAX_ROW_ID))
    return value


AlertRef = Annotated[str, Path(max_length=200, description="An alert's id or fingerprint."),
                     AfterValidator(_alert_ref)]
SilenceId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

router = APIRouter(tags=["alerts"])


def _language(request: Request, response: Response, runtime: Any) -> Language:
    """The reader's language: `?lang=` (a wrong one is a 422), then Accept-Language, then
    the config's `language:`; caches must keep one answer per Accept-Language."""
    response.headers["Vary"] = "Accept-Language"
    return request_language(request.query_params.get("lang"),
                            request.headers.get("accept-language"), runtime.config.language)


def _shown(alert: store.Alert, now: datetime, language: Language) -> dict[str, Any]:
    """An alert as the API gives it, its texts in `language` (`alerts.answers`)."""
    return alert_in(alert, now, language)


def _alert_json(conn: Any, alert: store.Alert, now: datetime, language: Language
                ) -> dict[str, Any]:
    return {**_shown(alert, now, language),
            "history": [t.as_dict() for t in store.history(conn, alert.id)]}


@router.get("/api/alerts")
def list_alerts(request: Request, response: Response, runtime: RuntimeDep, conn: Conn,
                state: str = Query("firing", description=", ".join(store.STATES)),
                rule: str | None = None, actor: Multi = None,
                org: Annotated[list[str] | None, Query(
                    description="Organisations under `organisations:` (any of).")] = None,
                level: Multi = None) -> dict[str, Any]:
    """Alerts in a state, most urgent first; `actor`, `org` and `level` keep those whose
    subject or object event matches (`calsync.alerts.filters`). Texts are in `?lang=`,
    else Accept-Language, else the config's language."""
    language = _language(request, response, runtime)
    if state not in store.STATES:
        raise HTTPException(422, Message("unknown state {state!r}; known: {known}",
                                         state=state, known=", ".join(store.STATES)))
    wanted = _filter(runtime, actor, org, level)
    now = runtime.clock.now()
    found = store.list_alerts(conn, state=state, now=now, rule=rule)
    if not trusted_reader(request, runtime.config.api):  # alerts about private events
        found = public_alerts(conn, runtime.config, found)
    if wanted:
        found = list(wanted.apply(found, Organisations.of(runtime.config.organisations)))
    return {"state": state, "count": len(found),
            "alerts": [_shown(a, now, language) for a in found]}


def _filter(runtime: Any, actor: list[str] | None, org: list[str] | None,
            level: list[str] | None) -> AlertFilter:
    config = runtime.config
    problems: list[dict[str, Any]] = []
    orgs, levels = split(org) or [], split(level) or []
    for name in orgs:
        if why := unknown_organisation(config.organisations, name):
            problems.append({"loc": ("query", "org"), "input": name, "msg": why,
                             "type": "value_error"})
    for value in levels:
        if value not in config.levels:
            problems.append({"loc": ("query", "level"), "input": value, "type": "value_error",
                             "msg": Message("unknown level; known: {known}",
                                            known=", ".join(config.levels))})
    if problems:
        raise RequestValidationError(problems)
    return AlertFilter(actors=tuple(split(actor) or ()), organisations=tuple(orgs),
                       levels=tuple(levels))


@router.get("/api/alerts/{ref}")
def get_alert(ref: AlertRef, request: Request, response: Response, runtime: RuntimeDep,
              conn: Conn) -> dict[str, Any]:
    """One alert by id or fingerprint, with its history (who acknowledged, snoozed or
    reopened it, when, and why); texts in the reader's language, as the list gives them."""
    language = _language(request, response, runtime)
    now = runtime.clock.now()
    alert = store.get_alert(conn, ref, now)
    if not trusted_reader(request, runtime.config.api) and \
            private_alert_ids(conn, runtime.config, [alert]):
        raise NotFoundError(Message("no alert {ref!r}", ref=ref))  # as if it did not exist
    return _alert_json(conn, alert, now, language)


class Comment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = ""


class Snooze(Comment):
    until: datetime


def _act(runtime: Any, ref: str, action: str, user: str, body: Comment, language: Language
         ) -> dict[str, Any]:
    """Do `action` and answer the alert in the reader's `language` (read before acting,
    so a `?lang=` that calsync does not speak is a 422 that changed nothing)."""
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
        return _alert_json(conn, alert, now, language)


@router.post("/api/alerts/{ref}/ack")
def ack(ref: AlertRef, body: Comment, request: Request, response: Response,
        runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    """Acknowledge an alert: someone is on it. It stays firing until the rule is satisfied
    (needs the `alerts` scope)."""
    return _act(runtime, ref, "ack", user, body, _language(request, response, runtime))


@router.post("/api/alerts/{ref}/snooze")
def snooze(ref: AlertRef, body: Snooze, request: Request, response: Response,
           runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    """Mute an alert's notifications until `until` (a time without a zone is in the
    config's zone); it fires again after that if still unresolved."""
    return _act(runtime, ref, "snooze", user, body, _language(request, response, runtime))


@router.post("/api/alerts/{ref}/wontfix")
def wontfix(ref: AlertRef, body: Comment, request: Request, response: Response,
            runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    """Close an alert as won't fix: known and accepted, no more notifications for it."""
    return _act(runtime, ref, "wontfix", user, body, _language(request, response, runtime))


@router.post("/api/alerts/{ref}/reopen")
def reopen(ref: AlertRef, body: Comment, request: Request, response: Response,
           runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    """Undo an acknowledgement, snooze or won't-fix: the alert is open again."""
    return _act(runtime, ref, "reopen", user, body, _language(request, response, runtime))


class MatcherIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    value: str
    is_regex: bool = Field(False, alias="isRegex")
    is_equal: bool = Field(True, alias="isEqual")


class SilenceIn(BaseModel):
    """Alertmanager's PostableSilence: `id` replaces that silence (it is expired and the
    new one takes its place, as in Alertmanager); `createdBy` defaults to the token's
    name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: int | None = Field(None, ge=1, le=MAX_ROW_ID,
                           description="Replace this silence (Alertmanager's update).")
    matchers: list[MatcherIn] = Field(min_length=1)
    # With an offset, as Alertmanager's RFC 3339 times: a naive one reached the store,
    # which refuses it, and answered 503 "database unavailable" for the caller's mistake.
    starts_at: AwareDatetime | None = Field(None, alias="startsAt")
    ends_at: AwareDatetime = Field(alias="endsAt")
    created_by: str | None = Field(None, alias="createdBy", min_length=1, max_length=200)
    comment: str = Field(min_length=1)


@router.get("/api/silences")
def list_silences(runtime: RuntimeDep, conn: Conn, all: bool = False) -> dict[str, Any]:
    """Silences that are active or pending (`all=true`: expired ones too), in
    Alertmanager's shape (matchers, startsAt, endsAt, createdBy, comment)."""
    now = runtime.clock.now()
    found = [s for s in silences.list_silences(conn) if all or s.state(now) != "expired"]
    return {"count": len(found), "silences": [s.as_dict(now) for s in found]}


@router.post("/api/silences", status_code=201)
def create_silence(body: SilenceIn, runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    """Mute the alerts whose labels match every matcher, from `startsAt` (default now) to
    `endsAt`, as Alertmanager's silences do; 201 with the silence."""
    now = runtime.clock.now()
    try:
        matchers = [silences.Matcher.parse(m.model_dump(by_alias=True)) for m in body.matchers]
        with runtime.engine.begin() as conn:
            if body.id is not None:
                silences.expire_silence(conn, body.id, now)
            silence = silences.create_silence(
                conn, matchers, starts_at=body.starts_at or now, ends_at=body.ends_at,
                created_by=body.created_by or user, comment=body.comment, now=now)
            report = mute_report(conn, silence, now)
    except (ValueError, TypeError) as exc:
        raise HTTPException(422, str(exc)) from None
    return {**silence.as_dict(now), "silenceID": str(silence.id), **report}


@router.get("/api/silences/{silence_id}")
def get_silence(silence_id: SilenceId, runtime: RuntimeDep, conn: Conn) -> dict[str, Any]:
    """One silence by id, with its state (pending, active or expired)."""
    return silences.get_silence(conn, silence_id).as_dict(runtime.clock.now())


@router.delete("/api/silences/{silence_id}")
def expire_silence(silence_id: SilenceId, runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    """End a silence now; the alerts it muted notify again (if still firing)."""
    now = runtime.clock.now()
    with runtime.engine.begin() as conn:
        silence = silences.expire_silence(conn, silence_id, now)
    return {**silence.as_dict(now), "expiredBy": user}


@router.post("/api/evaluate")
def evaluate(runtime: RuntimeDep, user: AlertsUser) -> dict[str, Any]:
    """Run the misalignment rules now and update the alerts; the evaluation summary
    (rules, findings, alerts opened and resolved, notifications enqueued)."""
    summary = evaluate_and_update(engine=runtime.engine, config=runtime.config,
                                  clock=runtime.clock)
    return {**summary.as_dict(), "requestedBy": user}


@router.head("/feeds/alerts.ics", include_in_schema=False)
@router.get("/feeds/alerts.ics", response_class=Response, responses={
    200: {"content": {"text/calendar": {}}, "description": "The firing alerts (RFC 5545)."},
    304: {"description": "Not modified (If-None-Match / If-Modified-Since)."}})
def alerts_feed(request: Request, runtime: RuntimeDep, conn: Conn) -> Response:
    """Each firing alert as an all-day event on its due date (UID stable per alert),
    titled with the misalignment it is; validators, 304 and gzip as every feed."""
    body, last_modified = alerts_calendar(conn, runtime.config, runtime.clock.now(),
                                          query_language(request.query_params.get("lang")))
    return serve_body(request, body, last_modified)
