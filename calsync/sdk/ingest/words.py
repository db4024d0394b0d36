"""Why a VEVENT could not be read, in words: never the upstream's bytes.

The iCalendar parser's messages quote what it could not read (a whole VEVENT block, a
20 KB DTSTART, control characters), and a skipped record's reason is stored with the
sync and shown on the open /api/sources, the dashboard and the terminal. So a reason
names the property and what was wrong with it, and quotes only short identifiers (a
UID, a rule), flattened to one printable line and shortened (`quoted`).
"""

from __future__ import annotations

import re

from calsync.errors import one_line

__all__ = ["quoted", "why"]

_BROKEN = re.compile(r"broken property '([A-Z][A-Z0-9-]{0,40})'")
_KINDS = (
    ("Content line could not be parsed", "a line is not an iCalendar content line"),
    ("components where exactly one is required", "its BEGIN and END lines do not match"),
    ("components where only one is allowed", "its BEGIN and END lines do not match"),
    ("Expected time", "a time value is not a time"),
    ("Expected int", "a number is not a number"),
    ("Wrong date format", "a date value is not a date"),
    ("date value out of range", "a date is out of range"),
    ("out of range", "a value is out of range"),
)


def quoted(text: str, limit: int = 60) -> str:
    """A short, printable quotation of an upstream identifier (a UID, a rule)."""
    return repr(one_line(text, limit))


def why(exc: BaseException) -> str:
    """What went wrong reading a record, without the value that was wrong."""
    message = str(exc)
    broken = _BROKEN.search(message)
    if broken:
        return f"its {broken.group(1)} is not a valid value"
    for marker, words in _KINDS:
        if marker in message:
            return words
    return f"the iCalendar parser refused it ({exc.__class__.__name__})"
