"""Alerts keep a digest of their finding's inputs: an unchanged finding is not rendered
again, a changed one (wording inputs, language, a rule's title in either language, dates)
rewrites exactly today's texts."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from calsync.alerts import store
from calsync.alerts.evaluate import evaluate_and_update, evaluate_stored
from calsync.alerts.textsdigest import texts_digest
from calsync.clock import FixedClock
from calsync.config import load_config_text
from calsync.store.tables import alerts
from tests.alerts.test_lifecycle import NOW, RULES, move, seed

SV_TITLE = "medfinansiering innan utlysningen stänger"
PLAIN = "title: co-financing before the call closes"
BOTH = f"title: {{sv: {SV_TITLE}, en: co-financing before the call closes}}"


def stored(engine: Engine) -> store.Alert:
    with engine.connect() as conn:
        [alert] = store.list_alerts(conn, state="firing", now=NOW)
    return alert


def test_an_unchanged_finding_keeps_its_row_and_a_changed_one_is_written_out(
        engine: Engine) -> None:
    ids = seed(engine)
    config = load_config_text(RULES)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    first = stored(engine)
    [finding] = evaluate_stored(engine, config, NOW).findings
    assert first.texts_digest == texts_digest(finding)
    assert " at 0x" not in repr(finding)  # the digest's input names values, not objects
    again = evaluate_and_update(engine=engine, config=config, clock=clock)
    assert again.alerts.as_dict()["unchanged"] == 1 and stored(engine) == first
    for text, check in ((RULES.replace("title: co-financing", "title: Co-financing"),
                         lambda a: a.annotations["rule_title"].startswith("Co-financing")),
                        ("language: sv\n" + RULES,
                         lambda a: a.annotations["summary"] == a.annotations["summary_sv"]),
                        ("language: sv\n" + RULES.replace(PLAIN, BOTH),
                         lambda a: a.annotations["summary"].endswith(f"{SV_TITLE})")),
                        # the other language only: the Swedish texts stay, the English move
                        ("language: sv\n" + RULES.replace(PLAIN, BOTH.replace("en: co", "en: Co")),
                         lambda a: a.annotations["rule_title_en"].startswith("Co-financing")
                         and a.annotations["summary"].endswith(f"{SV_TITLE})"))):
        config = load_config_text(text)
        summary = evaluate_and_update(engine=engine, config=config, clock=clock)
        [finding] = evaluate_stored(engine, config, NOW).findings
        alert = stored(engine)
        assert summary.alerts.as_dict()["updated"] == 1 and check(alert)
        assert (alert.annotations, alert.evidence, alert.labels, alert.summary) == (
            finding.annotations(), finding.evidence(), finding.labels(), finding.summary)
        assert alert.texts_digest == texts_digest(finding) != first.texts_digest
    move(engine, ids["cofin"], "2026-06-02")
    summary = evaluate_and_update(engine=engine, config=config, clock=clock,
                                  changed_event_ids=[ids["cofin"]])
    assert summary.alerts.as_dict()["updated"] == 1
    assert stored(engine).annotations["slack_days"] == "-18"


def test_an_alert_written_before_digests_gets_one_without_an_update(engine: Engine) -> None:
    seed(engine)
    config = load_config_text(RULES)
    clock = FixedClock(NOW)
    evaluate_and_update(engine=engine, config=config, clock=clock)
    first = stored(engine)
    with engine.begin() as conn:
        conn.execute(update(alerts).values(texts_digest=None))
    summary = evaluate_and_update(engine=engine, config=config, clock=clock)
    assert summary.alerts.as_dict()["unchanged"] == 1
    assert stored(engine) == first  # the digest is back, nothing else moved
    with engine.connect() as conn:
        assert conn.execute(select(alerts.c.texts_digest)).scalar_one() == first.texts_digest
