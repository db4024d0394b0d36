"""Sample records for the OpenAPI examples (`calsync.web.examples`): one event, alert,
silence, source, feed and token as the pilot's real answers show them, shortened.
Apart from the examples only so that neither module passes 400 lines.
"""

from __future__ import annotations

__all__ = ["ALERT", "AT", "EVENT", "FEED", "HISTORY", "ICS", "REVISION", "SILENCE", "SOURCE",
           "TOKEN", "UID"]

UID = "2e002e2bed91da94115e@calsync"
AT = "2026-11-29T12:00:00+00:00"
EVENT = {
    "uid": UID,
    "source": "regional-cycles",
    "external_uid": "region-24.rus.review/2026",
    "title": "Region Västerbotten: the regional development strategy is reviewed",
    "start": "2026-09-13",
    "end": "2030-09-08",
    "all_day": True,
    "timezone": "Europe/Stockholm",
    "level": "regional",
    "actor": "Region Västerbotten",
    "kind": "deadline",
    "description": "Certainty: medium; status: in force.",
    "url": "https://www.regionvasterbotten.se/",
    "location": None,
    "tags": ["rus"],
    "status": "confirmed",
    "attrs": {"cycle": "region-24.rus.review", "precision": "exact"},
    "sequence": 0,
    "first_seen": AT,
    "last_seen": AT,
    "updated_at": AT,
}
REVISION = {
    "event_uid": UID,
    "title": None,
    "at": AT,
    "change": "changed",
    "sequence": 1,
    "changes": {"start": ["2026-09-06", "2026-09-13"]},
    "reason": None,
    "sync_id": 12,
}
ALERT = {
    "id": 1,
    "fingerprint": "2d6d500907388237",
    "rule": "R13",
    "kind": "precedes",
    "status": "firing",
    "workflow": "open",
    "severity": "warning",
    "summary": "Region Västerbotten: the strategy review (13 September 2026) is 1165 days "
    "after the regions' input to the partnership plan (30 June 2027); rule R13 "
    "requires it by then",
    "labels": {
        "alertname": "R13",
        "rule_kind": "precedes",
        "severity": "warning",
        "level": "regional",
        "actor": "Region Västerbotten",
    },
    "annotations": {"fix": "Region Västerbotten: decide by 30 June 2027"},
    "evidence": {"required": "lead ≥ 0 days", "actual": "lead -1165 days"},
    "starts_at": AT,
    "ends_at": None,
    "updated_at": AT,
    "due_at": "2027-06-29T22:00:00+00:00",
    "subject_uid": UID,
    "object_uid": "058b085a3f181558f31c@calsync",
    "ack": None,
    "snooze_until": None,
    "silenced_by": [],
}
HISTORY = [
    {
        "at": AT,
        "field": "workflow",
        "from": "open",
        "to": "acknowledged",
        "actor": "ops",
        "reason": "seen; the council meets 12 May",
    }
]
SILENCE = {
    "id": 1,
    "matchers": [{"name": "rule", "value": "R13", "isRegex": False, "isEqual": True}],
    "startsAt": AT,
    "endsAt": "2027-01-01T00:00:00+00:00",
    "createdBy": "ops",
    "comment": "known: the strategy review is planned",
    "createdAt": AT,
    "updatedAt": AT,
    "status": {"state": "active"},
}
SOURCE = {
    "name": "calendar",
    "type": "schedules",
    "enabled": True,
    "events": 270,
    "title": "Swedish public holidays and blackout periods (July, Christmas)",
    "events_by_status": {"confirmed": 240, "tentative": 30},
    "last_attempt_at": AT,
    "last_success_at": AT,
    "stale": False,
    "schedule": "every PT6H (Europe/Stockholm)",
    "last_sync": {
        "id": 3,
        "started_at": AT,
        "finished_at": AT,
        "outcome": "ok",
        "added": 270,
        "changed": 0,
        "cancelled": 0,
        "unchanged": 0,
        "skipped": 0,
        "error": None,
    },
    "next_run": "2026-11-29T17:00:00+00:00",
    "running": False,
    "failing": False,
    "last_run": {
        "tick": AT,
        "state": "succeeded",
        "outcome": "ok",
        "attempt": 1,
        "owner": "web-1:4711",
        "started_at": AT,
        "finished_at": AT,
        "error": None,
        "sync_run_id": 3,
    },
    "alert": None,
    "consecutive_failures": 0,
    "last_error": None,
    "error_kind": None,
    "retry_at": None,
    "held": None,
    "warnings": [],
}
FEED = {
    "name": "all",
    "title": "calsync: all levels",
    "private": False,
    "description": "Every cycle on the unified timeline: EU, national, regional and municipal.",
    "url": "http://127.0.0.1:8000/feeds/all.ics",
    "webcal": "webcal://127.0.0.1:8000/feeds/all.ics",
}
TOKEN = {
    "feed": "board",
    "url": "http://127.0.0.1:8000/feeds/board/Xk3v9QpL2m.ics",
    "webcal": "webcal://127.0.0.1:8000/feeds/board/Xk3v9QpL2m.ics",
    "created_at": AT,
    "created_by": "ops",
    "subscriber": "anna@example.se",
}
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calsync//calsync 0.1.0//EN\r\n"
    "NAME:EU cycles\r\nBEGIN:VEVENT\r\nUID:e31534f3043e36c9a179@calsync\r\n"
    "DTSTART;VALUE=DATE:20270415\r\nSUMMARY:European Semester: stability and "
    "convergence programmes due\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
