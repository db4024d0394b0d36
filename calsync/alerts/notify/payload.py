"""The Alertmanager webhook payload, version 4, exactly as Alertmanager sends it.

Top-level keys: version, groupKey, truncatedAlerts, status, receiver, groupLabels,
commonLabels, commonAnnotations, externalURL, notification_reason, alerts; each alert:
status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint. Times are
RFC 3339 in UTC; a firing alert's endsAt is Go's zero time. calsync's own details
(dates, slack, fix, links) travel as annotations, whose values are strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from calsync.alerts.store import Alert
from calsync.config.links import alert_link

__all__ = ["LOCALISED", "ZERO_TIME", "alert_v4", "group_key", "in_language", "localised",
           "read_in", "rfc3339", "webhook_v4"]

LOCALISED = ("summary", "description", "fix", "rule_title", "rationale")
"""Annotations a finding carries in every language as `summary_sv`, `summary_en`,
`rule_title_sv`, ..."""

ZERO_TIME = "0001-01-01T00:00:00Z"


def rfc3339(moment: datetime | None) -> str:
    if moment is None:
        return ZERO_TIME
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def group_key(group_labels: Mapping[str, str], route: str = "{}") -> str:
    """Alertmanager's `routeKey:groupLabels`, e.g. `{}:{alertname="R1"}`."""
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(group_labels.items()))
    return f"{route}:{{{inner}}}"


def alert_v4(alert: Alert, status: str, external_url: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": rfc3339(alert.starts_at),
        "endsAt": rfc3339(alert.ends_at) if status == "resolved" else ZERO_TIME,
        "generatorURL": alert_link(external_url, alert.id),
        "fingerprint": alert.fingerprint,
    }


def _common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    first = maps[0]
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in maps[1:])}


def webhook_v4(*, receiver: str, key: str, group_labels: Mapping[str, str],
               firing: Sequence[Alert], resolved: Sequence[Alert], external_url: str,
               reason: str, max_alerts: int = 0) -> dict[str, Any]:
    items = [alert_v4(a, "firing", external_url) for a in firing]
    items += [alert_v4(a, "resolved", external_url) for a in resolved]
    truncated = 0
    if max_alerts and len(items) > max_alerts:
        truncated = len(items) - max_alerts
        items = items[:max_alerts]
    return {
        "version": "4",
        "groupKey": key,
        "truncatedAlerts": truncated,
        "status": "firing" if firing else "resolved",
        "receiver": receiver,
        "groupLabels": dict(group_labels),
        "commonLabels": _common([i["labels"] for i in items]),
        "commonAnnotations": _common([i["annotations"] for i in items]),
        "externalURL": external_url,
        "notification_reason": reason,
        "alerts": items,
    }


def localised(annotations: Mapping[str, str], language: str) -> dict[str, str]:
    """The annotations with `summary`, `description`, `fix`, `rule_title` and `rationale`
    in `language` when the alert carries that language (system alerts and older alerts
    carry one text)."""
    out = dict(annotations)
    for key in LOCALISED:
        text = annotations.get(f"{key}_{language}")
        if text:
            out[key] = text
    return out


def read_in(alert: Alert, language: str) -> Alert:
    """`alert` as a reader in `language` sees it (a dashboard card, a digest line): its
    summary and the `localised` annotations in that language where it carries them."""
    notes = localised({"summary": alert.summary, **alert.annotations}, language)
    return replace(alert, summary=notes["summary"], annotations=notes)


def in_language(payload: Mapping[str, Any], language: str) -> dict[str, Any]:
    """A webhook payload whose alerts (and common annotations) read in `language`."""
    alerts = [{**a, "annotations": localised(a["annotations"], language)}
              for a in payload.get("alerts", [])]
    return {**payload, "alerts": alerts,
            "commonAnnotations": localised(payload.get("commonAnnotations", {}), language)}
