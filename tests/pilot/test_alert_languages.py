"""Alerts read in the reader's language, on the pilot as shipped (config.yaml says
`language: sv`): the built-in cycles synced, the shipped rules evaluated, then the alerts
feed and `/api/alerts` asked in Swedish and English (`?lang=`, Accept-Language, the
config's default). A system alert (a scheduled run abandoned, raised by the scheduler's
hook) reads in both languages the same way."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from datetime import timedelta

import icalendar
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from calsync.alerts import store
from calsync.alerts.evaluate import evaluate_and_update
from calsync.alerts.notify.payload import webhook_v4
from calsync.alerts.notify.senders import render_email
from calsync.alerts.system import raise_system_alert
from calsync.config.notify import EmailReceiver
from calsync.configtypes import Localized
from calsync.runtime import Runtime
from calsync.scheduler.hooks import HookContext, raise_abandoned_alert
from calsync.store.tables import alerts
from calsync.web.app import create_app
from tests.conftest import REPO


@pytest.fixture
def client(sqlite_engine: Engine, make_runtime: Callable[..., Runtime],
           monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.chdir(REPO)
    runtime = make_runtime(REPO / "config.yaml", sqlite_engine)
    runtime.connectors = {n: c for n, c in runtime.connectors.items() if c.config.enabled}
    reports = asyncio.run(runtime.syncer().sync_many(runtime.select_connectors()))
    assert all(r.ok for r in reports), [r.error for r in reports]
    assert runtime.config.language == "sv"
    evaluate_and_update(engine=runtime.engine, config=runtime.config, clock=runtime.clock,
                        notify=False)
    return TestClient(create_app(runtime))


def r13(body: dict[str, object]) -> dict[str, str]:
    found = [a for a in body["alerts"] if a["rule"] == "R13"]  # type: ignore[attr-defined]
    assert len(found) == 1, body
    return found[0]  # type: ignore[no-any-return]


SV = ("väntas först till 7 september 2030", "besluta senast 30 juni 2027")
EN = ("is expected only by 7 September 2030", "decide by 30 June 2027")


def test_api_alerts_in_the_request_language(client: TestClient) -> None:
    default = client.get("/api/alerts")
    assert default.status_code == 200 and default.headers["vary"] == "Accept-Language"
    for body, (summary, fix) in [
            (default.json(), SV),                                               # config
            (client.get("/api/alerts?lang=en").json(), EN),                     # ?lang=
            (client.get("/api/alerts", headers={"Accept-Language": "en-GB,sv;q=0.5"}).json(),
             EN),                                                               # header
            (client.get("/api/alerts?lang=sv", headers={"Accept-Language": "en"}).json(),
             SV)]:                                                              # ?lang= wins
        alert = r13(body)
        assert summary in alert["summary"] and fix in alert["fix"], alert
        assert summary in alert["description"] and fix in alert["description"]
    other = r13(client.get("/api/alerts?lang=en").json())
    assert "väntas" not in other["summary"] + other["fix"] + other["description"]
    assert "Fix: " in other["description"] and "Åtgärd: " in r13(default.json())["description"]
    one = client.get(f"/api/alerts/{other['id']}", params={"lang": "en"}).json()
    assert EN[0] in one["summary"] and EN[1] in one["fix"] and "history" in one
    sv = client.get(f"/api/alerts/{other['fingerprint']}",
                    headers={"Accept-Language": "sv-SE"}).json()
    assert SV[0] in sv["summary"] and SV[1] in sv["fix"]
    bad = client.get("/api/alerts?lang=de")
    assert bad.status_code == 422 and "sv, en" in bad.text


def test_an_alert_without_the_language_falls_back_to_its_stored_text(
        client: TestClient, sqlite_engine: Engine) -> None:
    alert = r13(client.get("/api/alerts").json())
    with sqlite_engine.begin() as conn:
        stored = conn.execute(select(alerts.c.annotations).where(
            alerts.c.id == alert["id"])).scalar_one()
        old = {k: v for k, v in stored.items() if not k.endswith(("_sv", "_en"))}
        conn.execute(update(alerts).where(alerts.c.id == alert["id"]).values(annotations=old))
    shown = client.get(f"/api/alerts/{alert['id']}?lang=en").json()
    assert SV[0] in shown["summary"] and SV[1] in shown["fix"]  # the one text it has


def _feed(client: TestClient, query: str = "") -> tuple[str, dict[str, str]]:
    response = client.get(f"/feeds/alerts.ics{query}")
    assert response.status_code == 200, response.text
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["UID"]): f"{e['SUMMARY']}\n{e.get('DESCRIPTION', '')}"
              for e in calendar.walk("VEVENT")}
    return response.headers["etag"], events


def test_alerts_feed_follows_the_language(client: TestClient) -> None:
    etag_sv, sv = _feed(client)                  # the feed's language: the config's, sv
    etag_en, en = _feed(client, "?lang=en")
    assert etag_sv != etag_en and etag_sv == _feed(client, "?lang=sv")[0]
    assert sv.keys() == en.keys()                # the same alert keeps its UID
    [uid] = [u for u, text in en.items() if "[" in text and EN[0] in text]
    assert SV[0] in sv[uid] and SV[1] in sv[uid] and EN[1] in en[uid]
    assert "Fix: " in en[uid] and "Åtgärd: " in sv[uid]
    again = client.get("/feeds/alerts.ics?lang=en", headers={"If-None-Match": etag_en})
    assert again.status_code == 304


def test_a_system_alert_reads_in_both_languages(client: TestClient) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    tick = runtime.clock.now() - timedelta(hours=1)
    ctx = HookContext(engine=runtime.engine, config=runtime.config, clock=runtime.clock,
                      owner="host:1")
    raise_abandoned_alert(ctx, "kommun-beslut", tick, "HTTP 503 from kommun-beslut")
    found = {lang: [a for a in client.get(f"/api/alerts?lang={lang}").json()["alerts"]
                    if a["kind"] == "system"] for lang in ("sv", "en")}
    [sv], [en] = found["sv"], found["en"]
    assert sv["id"] == en["id"]
    assert "kommun-beslut: den schemalagda körningen" in sv["summary"]
    assert "kommun-beslut: the scheduled run of" in en["summary"]
    assert "after its retries" not in sv["summary"] + sv["fix"]
    assert "HTTP 503 from kommun-beslut" in sv["description"] + en["description"]
    assert "Åtgärd: " in sv["description"] and "Fix: " in en["description"]
    _, feed_sv = _feed(client)
    _, feed_en = _feed(client, "?lang=en")
    uid = f"alert-{sv['fingerprint']}@{runtime.config.server.uid_domain}"
    assert "den schemalagda körningen" in feed_sv[uid]
    assert "the scheduled run of" in feed_en[uid]
    # a caller that names the config's language stores the summary in it
    raise_system_alert(engine=runtime.engine, clock=runtime.clock, language="sv",
                       name="ScheduledRunAbandoned", summary="English fallback",
                       description="HTTP 503", job="kommun-beslut", source="kommun-beslut",
                       tick=tick)
    with runtime.engine.connect() as conn:
        stored = store.get_alert(conn, sv["fingerprint"], runtime.clock.now())
    assert stored.summary.startswith("kommun-beslut: den schemalagda körningen")
    assert stored.annotations["summary_en"].startswith("kommun-beslut: the scheduled run")


def test_the_rules_own_words_follow_the_reader(client: TestClient) -> None:
    """config.yaml gives R13's title and rationale in both languages: a Swedish reader
    gets the Swedish ones wherever the finding is quoted (its summary, the Why line, the
    API's `rule_title`/`rationale`, the alerts feed, the dashboard's card, an e-mail), an
    English reader the English ones; nothing of the other language leaks in (the card's
    history keeps what was recorded, in the install's language, as it was)."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    rule = runtime.config.rules["R13"]
    assert isinstance(rule.title, Localized) and isinstance(rule.rationale, Localized)
    assert "mandatperioden" in rule.title.sv and "term" in rule.title.en
    words = {"sv": (f"(regel R13: {rule.title.sv})", f"Varför: {rule.rationale.sv}"),
             "en": (f"(rule R13: {rule.title.en})", f"Why: {rule.rationale.en}")}
    receiver = runtime.config.alerts.receivers["coordinators-mail"]
    assert isinstance(receiver, EmailReceiver)
    for lang, other in (("sv", "en"), ("en", "sv")):
        (title, why), (other_title, other_why) = words[lang], words[other]
        alert = r13(client.get(f"/api/alerts?lang={lang}").json())
        assert alert["summary"].endswith(title) and alert["description"].endswith(f"\n{why}")
        assert (alert["rule_title"], alert["rationale"]) == (rule.title.get(lang),
                                                            rule.rationale.get(lang))
        [feed] = [text for text in _feed(client, f"?lang={lang}")[1].values() if "R13" in text]
        assert title in feed and why in feed
        assert other_title not in feed and other_why not in feed
        page = html.unescape(client.get(f"/?lang={lang}").text)
        card = page.split(f'id="alert-{alert["id"]}"', 1)[1].split('class="history"', 1)[0]
        assert title in card and rule.rationale.get(lang) in card
        assert other_title not in card and rule.rationale.get(other) not in card
        with runtime.engine.connect() as conn:
            stored = store.get_alert(conn, alert["id"], runtime.clock.now())
        payload = webhook_v4(receiver="coordinators-mail", key="{}", group_labels={},
                             firing=[stored], resolved=[], external_url="http://x",
                             reason="first notification")
        body = render_email(receiver, payload, "<m@x>", lang).get_content()
        assert title in body and f"  {why}\n" in body and other_why not in body
