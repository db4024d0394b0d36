"""ISO-8601 durations (`P5Y`, `P42D`, `PT6H`, `-P1M2D`) as calendar-aware relativedeltas.

Years and months must stay calendar units ("P1M" after 31 January is 28/29 February),
which `timedelta` cannot express, so every duration in config is a relativedelta.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from dateutil.relativedelta import relativedelta
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

__all__ = ["Duration", "format_duration", "parse_duration"]

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
