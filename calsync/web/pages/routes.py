"""The dashboard's pages: the timeline at `/`, an organisation's agenda at
`/org/<name>`, signing in and out, and the alert workflow's forms. Reading needs no
sign-in (the same data the open API shows); acting on an alert needs a session
(`calsync.web.pages.session`) whose token may handle alerts, and a CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from calsync.agenda.build import AGENDA_KINDS, Misalignment, build_agenda
from calsync.alerts import silences, store
from calsync.alerts.private import private_alert_ids
from calsync.config.organisations import Organisations
from calsync.errors import NotFoundError
from calsync.i18n.events import title_in
from calsync.i18n.languages import Language
from calsync.model import Event
from calsync.privacy import PrivateEvents
from calsync.runtime import Runtime
from calsync.store import events
from calsync.web.auth import authenticate
from calsync.web.deps import Conn, RuntimeDep, in_thread
from calsync.web.pages import session
from calsync.web.pages.data import (
    AlertCard,
    alert_card,
    alert_cards,
    source_rows,
    view_events,
)
from calsync.web.pages.labels import choose_lang, labels_for
from calsync.web.pages.render import page, static_file
from calsync.web.pages.timeline import KIND_COLORS, layout, when_text
from calsync.web.pages.view import ZOOMS, parse_view

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
LIST_ROWS = 500  # rows of the event list; past it the page says how to narrow the view
ORG_DAYS = 365  # how far ahead an organisation's page looks
ACTIONS = ("ack", "snooze", "wontfix", "reopen", "silence")


def _today(runtime: Runtime) -> date:
    return runtime.clock.now().astimezone(ZoneInfo(runtime.config.timezone)).date()


def _base(request: Request, runtime: Runtime, lang: Language) -> dict[str, Any]:
    """What every page's frame needs: texts, language switch, who is signed in."""
    api = runtime.config.api
    signed = session.read(request, api, runtime.clock.now())
    other = "en" if lang == "sv" else "sv"
    query = dict(request.query_params)
    query["lang"] = other
    switch = request.url.path + "?" + "&".join(f"{quote(k)}={quote(v)}"
                                               for k, v in query.items())
    return {"t": labels_for(lang), "lang": lang, "switch_url": switch,
            "session": signed, "csrf": signed.csrf(api) if signed else "",
            "next": request.url.path + ("?" + request.url.query if request.url.query else ""),
            "can_sign_in": bool(api.tokens)}


def _lang(request: Request, runtime: Runtime) -> Language:
    return choose_lang(request.query_params.get("lang"),
                       request.headers.get("accept-language"), runtime.config.language)


@router.get("/")
def timeline_page(request: Request, runtime: RuntimeDep, conn: Conn) -> Response:
    """Every level's rhythm side by side, what is out of step, the sources' health."""
    config = runtime.config
    now = runtime.clock.now()
    today = _today(runtime)
    view = parse_view(request.query_params, config, today, _lang(request, runtime))
    first, end = view.span()
    events = view_events(conn, config, view, now)
    cards = _cards(request, runtime, conn, alert_cards(conn, now))
    shapes = layout(events, [c.alert for c in cards], first=first, end=end,
                    levels={k: (config.level_title(k, view.lang), v.color)
                            for k, v in config.levels.items()},
                    builtin_sources={n for n, c in runtime.connectors.items()
                                     if c.type == "schedules"},
                    organisations=Organisations.of(config.organisations),
                    expand=view.expand, today=today, tz=config.timezone, lang=view.lang)
    listed_events = sorted(shapes.marks_by_uid.values(), key=lambda m: (m.start, m.title))
    listed = [c for c in cards if not view.alerts_org or c.owner == view.alerts_org]
    picked = _picked(conn, request.query_params.get("alert"), now)
    if picked is not None and all(c.alert.id != picked.alert.id for c in listed):
        listed.insert(0, picked)  # an alert link names it: shown even resolved or filtered
    return page("timeline.html", **_base(request, runtime, view.lang), view=view,
                shapes=shapes, events=listed_events[:LIST_ROWS], total=len(listed_events),
                cards=listed, drawn={line.alert_id for line in shapes.lines},
                sources=source_rows(runtime, conn, view.lang), zooms=ZOOMS,
                subscribe=view.subscribe_urls(config), config=config,
                period=when_text(first, end - timedelta(days=1)), today=today,
                kind_colors=KIND_COLORS)


def _picked(conn: Connection, value: str | None, now: datetime) -> AlertCard | None:
    """The alert an alert link lands on (`?alert=<id>`), whatever its state."""
    if not value or not value.isdigit():
        return None
    try:
        return alert_card(conn, store.get_alert(conn, int(value), now), now)
    except NotFoundError:
        return None


@router.get("/org/{name}")
def org_page(name: str, request: Request, runtime: RuntimeDep, conn: Conn) -> Response:
    """An organisation's agenda: upcoming deadlines, decisions, budgets and meetings, and
    its open misalignments (the page a digest links to). It is `calsync agenda --org` and
    `GET /api/agenda?org=` for the next year (`calsync.agenda.build`), public events only."""
    config = runtime.config
    lang = _lang(request, runtime)
    if name not in config.organisations:
        return _not_found(request, runtime, lang, labels_for(lang)["no_org"].format(name=name))
    today = _today(runtime)
    agenda = build_agenda(conn, config, start=today, end=today + timedelta(days=ORG_DAYS),
                          now=runtime.clock.now(), organisation=name, public_only=True,
                          language=lang)
    groups: dict[str, list[OrgRow]] = {kind: [] for kind in AGENDA_KINDS}
    for item in agenda.items:
        groups.setdefault(item.event.kind, []).append(OrgRow(
            item.day.isoformat(), title_in(item.event.data, lang), item.misalignments))
    cards = _cards(request, runtime, conn, alert_cards(conn, runtime.clock.now(), owner=name))
    return page("org.html", **_base(request, runtime, lang), name=name, groups=groups,
                cards=cards, org=config.organisations[name])


@dataclass(frozen=True, slots=True)
class OrgRow:
    """One line of an organisation's page: the day, the title in the page's language and
    the open misalignments it takes part in (as `calsync agenda` lists them)."""

    day: str
    title: str
    misalignments: tuple[Misalignment, ...]


def _cards(request: Request, runtime: Runtime, conn: Connection, cards: list[AlertCard]
           ) -> list[AlertCard]:
    """Signed out, not the alerts about private events (`calsync.alerts.private`)."""
    if session.read(request, runtime.config.api, runtime.clock.now()) is not None:
        return cards
    private = private_alert_ids(conn, runtime.config, [c.alert for c in cards])
    return [c for c in cards if c.alert.id not in private]


def _not_found(request: Request, runtime: Runtime, lang: Language, text: str) -> Response:
    """A 404 a person reads: the dashboard's frame, in the page's language (the API's
    404 stays JSON)."""
    return page("notfound.html", status_code=404, **_base(request, runtime, lang),
                message=text)


def _on_timeline(request: Request, lang: Language, day: date, anchor: str,
                 extra: str = "") -> Response:
    query = f"zoom=month&at={day.isoformat()}{extra}"
    if request.query_params.get("lang"):
        query += f"&lang={lang}"
    return RedirectResponse(f"/?{query}#{anchor}", status_code=303)


def _public_event(runtime: Runtime, conn: Connection, uid: str) -> Event | None:
    """The event, unless only private feeds select it (as the open API: its date and
    existence stay private too)."""
    event = events.get_event(conn, uid) if uid else None
    hide = PrivateEvents.of(runtime.config)
    if event is None or (hide is not None and hide.hides(event.data, event.source)):
        return None
    return event


@router.get("/events/{uid:path}")
def event_page(uid: str, request: Request, runtime: RuntimeDep, conn: Conn) -> Response:
    """Where a feed's or an alert's event link lands: the event's month on the
    timeline, its row picked out (`#ev-<uid>`)."""
    lang = _lang(request, runtime)
    event = _public_event(runtime, conn, uid)
    if event is None:
        return _not_found(request, runtime, lang, labels_for(lang)["no_event"].format(uid=uid))
    start = event.data.start
    day = (start.astimezone(ZoneInfo(runtime.config.timezone)).date()
           if isinstance(start, datetime) else start)
    return _on_timeline(request, lang, day, f"ev-{uid}")


@router.get("/alerts/{alert_id}")
def alert_page(alert_id: int, request: Request, runtime: RuntimeDep, conn: Conn
               ) -> Response:
    """Where an alert's link lands: the timeline around its subject, the alert's card
    (with the workflow's buttons) picked out (`#alert-<id>`); `alert=<id>` in the query
    keeps the card there once the alert has resolved (marked so, with when and why)."""
    lang = _lang(request, runtime)
    now = runtime.clock.now()
    try:
        alert = store.get_alert(conn, alert_id, now)
    except NotFoundError:
        return _not_found(request, runtime, lang,
                          labels_for(lang)["no_alert"].format(id=alert_id))
    subject = _public_event(runtime, conn, alert.labels.get("subject_uid", ""))
    start = subject.data.start if subject is not None else (alert.due_at or now)
    day = (start.astimezone(ZoneInfo(runtime.config.timezone)).date()
           if isinstance(start, datetime) else start)
    return _on_timeline(request, lang, day, f"alert-{alert_id}", f"&alert={alert_id}")


@router.get("/static/{name}")
def static(name: str, request: Request, runtime: RuntimeDep) -> Response:
    found = static_file(name)
    if found is None:
        raise NotFoundError(labels_for(_lang(request, runtime))["no_file"].format(name=name))
    return found


# -- signing in -----------------------------------------------------------------------

def _safe_next(value: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


@router.get("/signin")
def signin_page(request: Request, runtime: RuntimeDep) -> Response:
    return page("signin.html", **_base(request, runtime, _lang(request, runtime)),
                target=_safe_next(request.query_params.get("next")), error="")


@router.post("/signin")
async def signin(request: Request, runtime: RuntimeDep) -> Response:
    form = await _form(request)
    api = runtime.config.api
    lang = _lang(request, runtime)
    name = authenticate(api, form.get("token", "")) if form.get("token") else None
    target = _safe_next(form.get("next"))
    if name is None:
        return page("signin.html", status_code=401, **_base(request, runtime, lang),
                    target=target, error=labels_for(lang)["signin_failed"])
    scopes = api.tokens[name].scopes
    if "alerts" not in scopes and "admin" not in scopes:
        return page("signin.html", status_code=403, **_base(request, runtime, lang),
                    target=target, error=labels_for(lang)["signin_scope"])
    response = RedirectResponse(target, status_code=303)
    session.start(response, request, api, name, runtime.clock.now(),
                  runtime.config.server.public_url)
    return response


@router.post("/signout")
async def signout(request: Request, runtime: RuntimeDep) -> Response:
    form = await _form(request)
    signed = session.read(request, runtime.config.api, runtime.clock.now())
    if signed is not None and not session.check_csrf(request, signed, runtime.config.api,
                                                     form.get("csrf", "")):
        return _plain(labels_for(_lang(request, runtime))["csrf_refused"], 403)
    response = RedirectResponse(_safe_next(form.get("next")), status_code=303)
    session.clear(response)
    return response


# -- the alert workflow ------------------------------------------------------------------

def _plain(text: str, status: int) -> Response:
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8")


def _end_of(day_text: str, tz: str) -> datetime:
    day = date.fromisoformat(day_text)
    return datetime.combine(day, time(23, 59), ZoneInfo(tz))


@router.post("/alerts/{alert_id}/{action}")
async def alert_action(alert_id: int, action: str, request: Request, runtime: RuntimeDep
                       ) -> Response:
    """Acknowledge, snooze, won't fix, reopen or silence an alert from the page; the
    signed-in token's name is recorded as who did it."""
    api = runtime.config.api
    now = runtime.clock.now()
    signed = session.read(request, api, now)
    form = await _form(request)
    texts = labels_for(_lang(request, runtime))
    if signed is None:
        return _plain(texts["need_signin"], 401)
    if not session.check_csrf(request, signed, api, form.get("csrf", "")):
        return _plain(texts["csrf_refused"], 403)
    if action not in ACTIONS:
        raise NotFoundError(texts["no_action"].format(action=action, known=", ".join(ACTIONS)))
    comment = form.get("comment", "")[:2000]
    try:
        await in_thread(request, _apply, runtime, alert_id, action, signed.user, comment,
                        form, now)
    except ValueError as exc:
        return _plain(texts["action_failed"].format(id=alert_id, reason=exc), 422)
    return RedirectResponse(_safe_next(form.get("next")) + f"#alert-{alert_id}",
                            status_code=303)


def _apply(runtime: Runtime, alert_id: int, action: str, user: str, comment: str,
           form: dict[str, str], now: datetime) -> None:
    with runtime.engine.begin() as conn:
        _change(conn, runtime.config.timezone, alert_id, action, user, comment, form, now)


def _change(conn: Connection, tz: str, alert_id: int, action: str, user: str, comment: str,
            form: dict[str, str], now: datetime) -> None:
    if action == "snooze":
        store.snooze(conn, alert_id, until=_end_of(form.get("until", ""), tz), by=user,
                     comment=comment, now=now)
    elif action == "silence":
        alert = store.get_alert(conn, alert_id, now)
        matchers = [silences.Matcher("alertname", alert.rule_id)]
        for label in ("subject_uid", "object_uid"):
            if alert.labels.get(label):
                matchers.append(silences.Matcher(label, alert.labels[label]))
        silences.create_silence(conn, matchers, starts_at=now,
                                ends_at=_end_of(form.get("until", ""), tz), created_by=user,
                                comment=comment or f"silenced from the dashboard by {user}",
                                now=now)
    else:
        {"ack": store.acknowledge, "wontfix": store.wont_fix,
         "reopen": store.reopen}[action](conn, alert_id, by=user, comment=comment, now=now)
