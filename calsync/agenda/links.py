"""Where an agenda item, a misalignment and an organisation link to.

Until the dashboard's pages exist (issue 15: "the dashboard once it exists, the API until
then") an event links to its JSON in the API and an alert to its API entry; the one
place to change when the dashboard serves `/org/<name>` and its event pages.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["alert_link", "event_link", "organisation_link"]


def event_link(base_url: str, uid: str) -> str:
    return f"{base_url}/api/events/{quote(uid, safe='@')}"


def alert_link(base_url: str, alert_id: int) -> str:
    return f"{base_url}/api/alerts/{alert_id}"


def organisation_link(base_url: str, name: str, start: str = "today",
                      upcoming: str = "+P90D") -> str:
    """The organisation's agenda (the API's until the dashboard's `/org/<name>` exists)."""
    return (f"{base_url}/api/agenda?org={quote(name)}&from={quote(start)}"
            f"&to={quote(upcoming)}")
