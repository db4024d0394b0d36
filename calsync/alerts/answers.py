"""What the coordinators' workflow answers (ack, snooze, won't fix, reopen), in the
reader's language: the CLI's one-line confirmation and the alert as JSON, the same texts
the API gives for `?lang=` / Accept-Language (issue 12). The texts are in the `findings`
catalog (sv, en)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from calsync.alerts.notify.payload import localised
from calsync.i18n.catalogs import N_, translator
from calsync.i18n.languages import Language

if TYPE_CHECKING:
    from calsync.alerts.store import Alert

__all__ = ["alert_in", "workflow_answer"]

_NOW = {
    "acknowledged": N_("Alert {id} is now acknowledged."),
    "wont_fix": N_("Alert {id} is now closed as won't fix."),
    "open": N_("Alert {id} is now open again."),
}
_SNOOZED = N_("Alert {id} is snoozed until {until}.")
_OTHER = N_("Alert {id} is now {workflow}.")


def workflow_answer(alert: Alert, language: Language, tz: str) -> str:
    """The confirmation after a workflow action; a snooze's end in the config's zone."""
    t = translator(language, "findings")
    if alert.workflow == "snoozed" and alert.snooze_until is not None:
        until = alert.snooze_until.astimezone(ZoneInfo(tz))
        return t.gettext(_SNOOZED).format(id=alert.id,
                                          until=f"{until:%Y-%m-%d %H:%M} ({tz})")
    text = _NOW.get(alert.workflow)
    if text is None:
        return t.gettext(_OTHER).format(id=alert.id, workflow=alert.workflow)
    return t.gettext(text).format(id=alert.id)


def alert_in(alert: Alert, now: datetime, language: Language) -> dict[str, Any]:
    """An alert as the API and `--format json` give it: `summary`, `description`, `fix`,
    `rule_title` and `rationale` in `language` when the alert carries that language
    (`summary_sv`, ...), else the stored text (older alerts and system alerts raised
    before they had both). `annotations` stay as stored, every language side by side."""
    texts = localised({"summary": alert.summary, **alert.annotations}, language)
    return {**alert.as_dict(now), "language": language, "summary": texts["summary"],
            "description": texts.get("description", texts["summary"]),
            "fix": texts.get("fix"), "rule_title": texts.get("rule_title"),
            "rationale": texts.get("rationale")}
