"""ISO-8601 durations (`P5Y`, `P42D`, `PT6H`, `-P1M2D`) as calendar-aware relativedeltas.

Years and months must stay calendar units ("P1M" after 31 January is 28/29 February),
which `timedelta` cannot express, so every duration in config is a relativedelta. Knobs
that need a plain length (leases, timeouts, intervals) are `Seconds`: ISO-8601 without
years or months, or a number of seconds; `seconds_of` is the one conversion.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from dateutil.relativedelta import relativedelta
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

__all__ = ["Duration", "Seconds", "backoff", "format_duration", "parse_duration", "seconds_of",
           "to_seconds"]

_ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)

_ISO = re.compile(
    r"^(?P<sign>[-+])?P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> relativedelta:
    """Parse an ISO-8601 duration; raises ValueError with an example on bad input."""
    match = _ISO.match(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an ISO-8601 duration (expected e.g. 'P42D', 'P1Y6M', 'PT6H'): "
                         f"{text!r}")
    parts = {k: int(v) for k, v in match.groupdict().items() if k != "sign" and v}
    weeks = parts.pop("weeks", 0)
    delta = relativedelta(**parts) + relativedelta(days=7 * weeks)  # type: ignore[arg-type]
    return -delta if match.group("sign") == "-" else delta


def format_duration(delta: relativedelta) -> str:
    """The ISO-8601 text of `delta` (normalised, e.g. P1Y2M3DT4H)."""
    fields = (delta.years, delta.months, delta.days, delta.hours, delta.minutes, delta.seconds)
    negative = any(v < 0 for v in fields)
    y, mo, d, h, mi, s = (abs(v) for v in fields)
    out = "P" + "".join(f"{v}{u}" for v, u in ((y, "Y"), (mo, "M"), (d, "D")) if v)
    time = "".join(f"{v}{u}" for v, u in ((h, "H"), (mi, "M"), (s, "S")) if v)
    if time:
        out += "T" + time
    if out == "P":
        out = "P0D"
    return "-" + out if negative else out


def _coerce(value: Any) -> relativedelta:
    if isinstance(value, relativedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"expected an ISO-8601 duration such as 'P42D', got {value!r}")


Duration = Annotated[
    relativedelta,
    PlainValidator(_coerce),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "format": "duration", "examples": ["P42D", "P1Y"]}),
]


def seconds_of(delta: relativedelta) -> float:
    """The length of `delta` in seconds. Months and years have no fixed length: they are
    measured from 2000-01-01, so callers that need an exact length refuse them first."""
    return float(((_ANCHOR + delta) - _ANCHOR).total_seconds())


def to_seconds(value: Any) -> float:
    """Seconds from a number or an ISO-8601 duration without years or months."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 'PT30S' or a number of seconds, "
                         f"got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str):
        delta = parse_duration(value)
        if delta.years or delta.months:
            raise ValueError(f"use days, hours, minutes or seconds here, not years or "
                             f"months: {value!r}")
        seconds = seconds_of(delta)
    else:
        raise ValueError(f"expected a duration such as 'PT30S' or a number of seconds, "
                         f"got {value!r}")
    if seconds <= 0:
        raise ValueError(f"must be longer than zero, got {value!r}")
    return seconds


def _format(seconds: float) -> str | float:
    return f"PT{int(seconds)}S" if float(seconds).is_integer() else seconds


Seconds = Annotated[
    float,
    PlainValidator(to_seconds),
    PlainSerializer(_format),
    WithJsonSchema({"type": "string", "format": "duration", "examples": ["PT30S", "PT10M"]}),
]
"""A positive length of time, in seconds (config: ISO-8601 or a number of seconds)."""


def backoff(attempt: int, *, base: float, ceiling: float, factor: float = 2.0) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): `base` ×
    `factor`^(attempt - 1), at most `ceiling`. The one backoff of calsync (sources that
    fail, notifications that fail, scheduled runs that fail)."""
    return min(base * factor ** min(max(attempt - 1, 0), 64), ceiling)
