"""The dashboard's address of an event, an alert and an organisation.

Every face that links back to calsync (alert annotations and webhooks, feed events,
the agenda, the digest) builds its links here, so a person who follows one lands on a
page of the dashboard (`calsync.web.pages`), not on the API's JSON. `base_url` is
`server.base_url`: `server.public_url`, else the bound address. Here in the config
layer because the rules, the alerts and the feeds all sit above it.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["alert_link", "event_link", "events_prefix", "organisation_link"]


def events_prefix(base_url: str) -> str:
    """An event's address without its uid (feeds append the uid per event)."""
    return f"{base_url}/events/"


def event_link(base_url: str, uid: str) -> str:
    """The event on the timeline (`/events/<uid>` redirects to its month, the row lit)."""
    return f"{events_prefix(base_url)}{quote(uid, safe='@')}"


def alert_link(base_url: str, alert_id: int) -> str:
    """The alert on the timeline (`/alerts/<id>` redirects to its card)."""
    return f"{base_url}/alerts/{alert_id}"


def organisation_link(base_url: str, name: str) -> str:
    """The organisation's agenda page, `/org/<name>`."""
    return f"{base_url}/org/{quote(name, safe='')}"
