"""Alerts about private events stay private: an alert's summary names its subject and
object events (title, date, actor), so an alert about an event that only private feeds
select would tell the open `/api/alerts`, `/feeds/alerts.ics`, the dashboard and the
what-if what `calsync.privacy` keeps off the open event API.

An alert is private when its subject or object is a private event, or is an event the
store no longer holds while the config has private feeds (its text may still name it,
and nothing can tell whether it was private). Readers with an `alerts` or `admin` token
(or a signed-in dashboard session) see every alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection

from calsync.alerts.store import Alert
from calsync.config.schema import Config
from calsync.privacy import PrivateEvents
from calsync.store.events import get_event

__all__ = ["hidden_uids", "private_alert_ids", "public_alerts", "refers_to"]

_REFERENCES = ("subject_uid", "object_uid")


def hidden_uids(conn: Connection, config: Config, uids: Iterable[str], *,
                missing: bool = True) -> set[str]:
    """Those of `uids` an open reader may not learn about (see the module's rule);
    `missing=False` for uids that need not be stored (a what-if's hypothetical events)."""
    hide = PrivateEvents.of(config)
    if hide is None:
        return set()
    hidden = set()
    for uid in set(uids):
        event = get_event(conn, uid)
        if (event is None and missing) or (event is not None and
                                           hide.hides(event.data, event.source)):
            hidden.add(uid)
    return hidden


def refers_to(labels: Mapping[str, str], uids: set[str]) -> bool:
    """Whether labels (an alert's or a finding's) name one of `uids`."""
    return any(labels.get(key) in uids for key in _REFERENCES)


def private_alert_ids(conn: Connection, config: Config, alerts: Sequence[Alert]) -> set[int]:
    if PrivateEvents.of(config) is None:
        return set()
    named = {a.labels[key] for a in alerts for key in _REFERENCES if a.labels.get(key)}
    hidden = hidden_uids(conn, config, named)
    return {a.id for a in alerts if refers_to(a.labels, hidden)}


def public_alerts(conn: Connection, config: Config, alerts: Sequence[Alert]) -> list[Alert]:
    """`alerts` without the private ones, in their order."""
    private = private_alert_ids(conn, config, alerts)
    return [a for a in alerts if a.id not in private]
