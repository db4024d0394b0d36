"""Examples for the OpenAPI document: one answer per operation, one body per request.

Taken from the pilot's real answers (shortened: one item per list, fewer fields where a
model says the rest), keyed by "METHOD /path" as the document names the operation.
`calsync.web.openapi` puts them in; `tests/web/test_openapi.py` fails when an operation
has none, so a new route comes with its example here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calsync.web.samples import (
    ALERT,
    AT,
    EVENT,
    FEED,
    HISTORY,
    ICS,
    REVISION,
    SILENCE,
    SOURCE,
    TOKEN,
    UID,
)

__all__ = ["ERROR_EXAMPLES", "OWN_ERROR_BODIES", "REQUEST_EXAMPLES", "RESPONSE_EXAMPLES", "Example"]


@dataclass(frozen=True, slots=True)
class Example:
    value: Any
    media_type: str = "application/json"


RESPONSE_EXAMPLES: dict[str, Example] = {
    "GET /healthz": Example({"status": "ok", "version": "0.1.0"}),
    "GET /readyz": Example(
        {
            "status": "ready",
            "checks": {
                "database": {"ok": True},
                "schema": {"ok": True, "revision": "0014", "needs": "0014"},
            },
        }
    ),
    "GET /metrics": Example(
        "# HELP calsync_syncs_total Sync runs by source and outcome.\n"
        "# TYPE calsync_syncs_total counter\n"
        'calsync_syncs_total{source="calendar",outcome="ok"} 1\n',
        "text/plain",
    ),
    "GET /api/alerts": Example({"state": "firing", "count": 1, "alerts": [ALERT]}),
    "GET /api/alerts/{ref}": Example({**ALERT, "history": HISTORY}),
    "POST /api/alerts/{ref}/ack": Example(
        {**ALERT, "workflow": "acknowledged", "history": HISTORY}
    ),
    "POST /api/alerts/{ref}/snooze": Example(
        {
            **ALERT,
            "workflow": "snoozed",
            "snooze_until": "2027-01-15T00:00:00+01:00",
            "history": [],
        }
    ),
    "POST /api/alerts/{ref}/wontfix": Example({**ALERT, "workflow": "wont_fix", "history": []}),
    "POST /api/alerts/{ref}/reopen": Example({**ALERT, "history": []}),
    "GET /api/silences": Example({"count": 1, "silences": [SILENCE]}),
    "POST /api/silences": Example(SILENCE),
    "GET /api/silences/{silence_id}": Example(SILENCE),
    "DELETE /api/silences/{silence_id}": Example(
        {**SILENCE, "status": {"state": "expired"}, "expiredBy": "ops"}
    ),
    "POST /api/evaluate": Example(
        {
            "at": AT,
            "incremental": False,
            "rules": ["R1", "R2-A", "R13"],
            "findings": 1,
            "alerts": {
                "opened": 0,
                "refired": 0,
                "updated": 0,
                "unchanged": 1,
                "resolved": 0,
                "history": 0,
            },
            "enqueued": 0,
            "events": 2613,
            "seconds": 1.2,
            "warnings": [],
            "requestedBy": "ops",
        }
    ),
    "GET /feeds/alerts.ics": Example(
        ICS.replace("EU cycles", "calsync: misalignment alerts"), "text/calendar"
    ),
    "GET /feeds/{name}.ics": Example(ICS, "text/calendar"),
    "GET /feeds/{name}/{token}.ics": Example(ICS.replace("EU cycles", "Board"), "text/calendar"),
    "GET /feeds/": Example(
        "<!doctype html><title>calsync feeds</title><ul><li><strong>"
        'calsync: all levels</strong> — <a href="webcal://127.0.0.1:8000/'
        'feeds/all.ics">subscribe</a></li></ul>',
        "text/html",
    ),
    "GET /api/events": Example({"total": 2613, "limit": 1, "offset": 0, "items": [EVENT]}),
    "GET /api/events/{uid}": Example({**EVENT, "revisions": [REVISION]}),
    "GET /api/timeline": Example(
        {
            "start": "2026-12-31T23:00:00+00:00",
            "end": "2027-02-01T22:59:59.999999+00:00",
            "timezone": "Europe/Stockholm",
            "levels": {"regional": {"title": "Regional", "color": "#2e8b57"}},
            "total": 1,
            "months": [{"month": "2027-01", "title": "January 2027", "events": [EVENT]}],
        }
    ),
    "GET /api/changes": Example(
        {
            "since": "2026-11-01T00:00:00+00:00",
            "added": [EVENT],
            "revisions": [{**REVISION, "title": EVENT["title"]}],
        }
    ),
    "GET /api/sources": Example([SOURCE]),
    "GET /api/feeds": Example([FEED]),
    "POST /api/sources/{name}/sync": Example(
        {
            "source": "eu-cycles",
            "request_id": 13,
            "accept_removals": False,
            "by": "ops",
            "status_url": "http://127.0.0.1:8000/api/sources",
        }
    ),
    "POST /api/feeds/{name}/rotate-token": Example({**TOKEN, "subscriber": None}),
    "GET /api/feeds/private": Example([{**TOKEN, "subscriber": None}, TOKEN]),
    "POST /api/feeds/{name}/tokens": Example(TOKEN),
    "GET /api/feeds/{name}/tokens": Example([TOKEN]),
    "GET /api/config": Example(
        {
            "instance": "serve@calsync-1:4242",
            "role": "serve",
            "file": "config.yaml",
            "sha256": "9f2c41d0" * 8,
            "generation": 3,
            "loaded_at": AT,
            "ok": False,
            "last_reload": {
                "applied": False,
                "generation": 3,
                "sha256": "07b3aa15" * 8,
                "by": "SIGHUP",
                "at": AT,
                "problems": ["config.yaml:41: connectors.umea.url: Field required"],
                "changes": {},
            },
            "newest_generation": 3,
            "instances": [
                {
                    "instance": "serve@calsync-1:4242",
                    "role": "serve",
                    "generation": 3,
                    "sha256": "9f2c41d0" * 8,
                    "loaded_at": AT,
                    "attempted_at": AT,
                    "error": "config.yaml:41: connectors.umea.url: Field required",
                    "seen_at": AT,
                }
            ],
        }
    ),
    "POST /api/config/reload": Example(
        {
            "applied": True,
            "generation": 4,
            "sha256": "9f2c41d0" * 8,
            "by": "api:ops",
            "at": AT,
            "problems": [],
            "changes": {"connectors": {"added": ["umea"]}, "feeds": {"changed": ["board"]}},
            "message": "the configuration was reloaded (generation 4); every instance "
            "sharing the database follows within 5 seconds",
        }
    ),
    "GET /api/agenda": Example(
        {
            "start": "2026-11-29",
            "end": "2027-02-27",
            "timezone": "Europe/Stockholm",
            "organisation": "Region Västerbotten",
            "total": 1,
            "misaligned": 1,
            "items": [
                {
                    "uid": UID,
                    "day": "2026-09-13",
                    "last_day": "2030-09-07",
                    "title": EVENT["title"],
                    "start": "2026-09-13",
                    "end": "2030-09-08",
                    "all_day": True,
                    "level": "regional",
                    "actor": "Region Västerbotten",
                    "kind": "deadline",
                    "status": "tentative",
                    "tags": ["local-government"],
                    "organisation": "Region Västerbotten",
                    "url": EVENT["url"],
                    "link": f"http://127.0.0.1:8000/api/events/{UID}",
                    "misalignments": [
                        {
                            "alert_id": 1,
                            "rule": "R13",
                            "severity": "warning",
                            "summary": ALERT["summary"],
                            "fix": "Region Västerbotten: decide by 30 June 2027",
                            "due": "2027-06-29",
                            "role": "subject",
                            "workflow": "open",
                            "link": "http://127.0.0.1:8000/api/alerts/1",
                        }
                    ],
                }
            ],
        }
    ),
    "POST /api/whatif": Example(
        {
            "changes": [
                {
                    "op": "move",
                    "uid": UID,
                    "title": EVENT["title"],
                    "from": "2026-09-13",
                    "to": "2027-06-01",
                }
            ],
            "rules": ["R13"],
            "per_rule": {
                "R13": {
                    "appear": [],
                    "disappear": [],
                    "change": [
                        {
                            "before": {
                                "rule": "R13",
                                "severity": "warning",
                                "fix": "Region Västerbotten: decide by 30 June 2027",
                            },
                            "after": {
                                "rule": "R13",
                                "severity": "warning",
                                "fix": "Region Västerbotten: decide by 30 June 2027",
                            },
                        }
                    ],
                }
            },
        }
    ),
}
"""The answer of each operation (its first 2xx), by "METHOD /path"; 204s have none."""

REQUEST_EXAMPLES: dict[str, Any] = {
    "POST /api/alerts/{ref}/ack": {"comment": "seen; the council meets 12 May"},
    "POST /api/alerts/{ref}/snooze": {
        "until": "2027-01-15T00:00:00+01:00",
        "comment": "after the budget council",
    },
    "POST /api/alerts/{ref}/wontfix": {"comment": "the region decided to keep its date"},
    "POST /api/alerts/{ref}/reopen": {"comment": "the date moved again"},
    "POST /api/silences": {
        "matchers": [{"name": "rule", "value": "R13"}],
        "endsAt": "2027-01-01T00:00:00Z",
        "comment": "known: the strategy review is planned",
    },
    "POST /api/feeds/{name}/tokens": {"subscriber": "anna@example.se"},
    "POST /api/whatif": {
        "changes": [{"move": UID, "to": "2027-06-01"}, {"cancel": "058b085a3f181558f31c@calsync"}]
    },
}
"""The request body of each operation that takes one."""

OWN_ERROR_BODIES: dict[tuple[str, str], Example] = {
    ("GET /readyz", "503"): Example(
        {
            "status": "unavailable",
            "checks": {"database": {"ok": False, "error": "OperationalError: connection refused"}},
        }
    ),
}
"""Error statuses whose body is the operation's own, not an `Error`."""

ERROR_EXAMPLES: dict[str, dict[str, Any]] = {
    "400": {
        "error": "BadRequest",
        "message": "changes[0]: expected 'move' (with 'to'), 'cancel' or 'add'",
    },
    "401": {
        "error": "Unauthorized",
        "message": "the bearer token is not valid",
        "detail": "the bearer token is not valid",
    },
    "403": {
        "error": "Forbidden",
        "message": "token 'ro' lacks the 'alerts' scope (it has: sync)",
        "detail": "token 'ro' lacks the 'alerts' scope (it has: sync)",
    },
    "404": {"error": "NotFoundError", "message": "no event with uid 'x'."},
    "422": {
        "error": "ValidationError",
        "message": "invalid request: query.level: unknown level 'x' (got 'x')",
        "problems": ["query.level: unknown level 'x' (got 'x')"],
    },
    "503": {
        "error": "StoreError",
        "message": "Database error: the database could not answer "
        "(connection refused). Check `database.url` (or "
        "CALSYNC_DATABASE_URL) and run `calsync db "
        "upgrade`.",
    },
    "4xx": {"error": "BadRequest", "message": "what was wrong with the request"},
}
"""The error body by status (`Error` in the document)."""
