"""System alerts: calsync telling its admins about itself (a scheduled sync abandoned
after its retries), through the same alert store, workflow and receivers as
misalignments. They have `rule_kind: system`; rule evaluation never resolves them (they
belong to no rule); a person acknowledges or resolves them.

The alerts calsync knows (`MESSAGES`, by name) are written in every language from the
`findings` catalog and stored as rule alerts are: `summary_sv`, `fix_en`,
`description_sv` and so on in the annotations, so the feed, the API and the receivers
give each reader theirs. `summary` and `description` stay in `language` (the config's),
or the caller's text when no language is given."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from calsync.alerts.fingerprint import fingerprint
from calsync.alerts.store import upsert_system_alert
from calsync.clock import Clock, SystemClock
from calsync.i18n.catalogs import N_, translator
from calsync.i18n.formats import format_when
from calsync.i18n.languages import LANGUAGES, Language, parse_language
from calsync.rules.texts import FIX_LINE

__all__ = ["raise_system_alert"]

_IDENTITY = ("job", "source")

# name: (summary, fix), English msgids of the `findings` catalog; values from the context.
MESSAGES = {
    "ScheduledRunAbandoned": (
        N_("{job}: the scheduled run of {tick} was abandoned after its retries"),
        N_("find out why from the error below and the log, put the source right (its "
           "address, credentials or the service itself), then resolve this alert; the "
           "next scheduled run catches up"),
    ),
}


def words(name: str, language: Language, context: dict[str, Any], error: str = ""
          ) -> dict[str, str]:
    """summary, fix and description of the system alert `name` in `language` (empty when
    calsync has no text for that name)."""
    if name not in MESSAGES:
        return {}
    t = translator(language, "findings")
    values = {k: format_when(v, language) if isinstance(v, datetime) else str(v)
              for k, v in context.items()}
    summary, fix = (t.gettext(text).format_map(_Missing(values)) for text in MESSAGES[name])
    lines = [summary, t.gettext(FIX_LINE).format(fix=fix)] + ([error] if error else [])
    return {"summary": summary, "fix": fix, "description": "\n".join(lines)}


class _Missing(dict[str, str]):
    """A value the caller did not give reads as `?`, never a KeyError in the scheduler."""

    def __missing__(self, key: str) -> str:
        return "?"


def raise_system_alert(*, engine: Engine, name: str, summary: str, description: str = "",
                       clock: Clock | None = None, severity: str = "critical",
                       **context: Any) -> str:
    """Open (or refresh, or bring back) the system alert `name` for `job`/`source`;
    returns its fingerprint. Extra keyword arguments become annotations. `description`
    is the technical detail (an error); for a name in `MESSAGES`, `language="sv"` (the
    config's; a keyword of the context, so callers' `**where` stays typed) picks the
    stored `summary`."""
    language = parse_language(context.pop("language", None))
    now = (clock or SystemClock()).now()
    identity = {"alertname": name, "rule_kind": "system",
                **{k: str(context[k]) for k in _IDENTITY if context.get(k) is not None}}
    fp = fingerprint(identity)
    texts = {lang: words(name, lang, context, description) for lang in LANGUAGES}
    if language is not None and texts[language]:
        summary = texts[language]["summary"]
        description = texts[language]["description"]
    annotations = {"summary": summary, "description": description or summary}
    annotations.update({f"{key}_{lang}": text for lang, found in texts.items()
                        for key, text in found.items()})
    for key, value in context.items():
        if key in _IDENTITY:
            continue
        if isinstance(value, datetime):
            annotations[key] = value.isoformat()
        elif isinstance(value, str | int | float):
            annotations[key] = str(value)
    values = {"labels": {**identity, "severity": severity}, "annotations": annotations,
              "summary": summary, "severity": severity, "updated_at": now, "due_at": now}
    with engine.begin() as conn:
        upsert_system_alert(conn, fp, name, values, now)
    return fp
