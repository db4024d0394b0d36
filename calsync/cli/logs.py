"""How the commands log: readable text by default, or `--log-format json` (one JSON object
per line) for a log collector. In JSON, the HTTP server's lines (uvicorn's start-up,
errors and access log) come out in the same shape as calsync's own, through the same
handler, so one parser reads everything a `calsync serve` writes.

Only the standard library is imported here: every command pays for this at start-up.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

__all__ = ["FORMATS", "JsonFormatter", "configure", "uvicorn_log_config"]

FORMATS = ("text", "json")
TEXT = "%(levelname)s %(name)s: %(message)s"
# What every LogRecord has; anything else on a record came from `extra=` and is kept.
# uvicorn's `color_message` is its message again, with terminal colour codes.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
# uvicorn's access records: '%s - "%s %s HTTP/%s" %d' with these arguments.
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message, then
    the access fields of an HTTP request, the `extra=` fields and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (
            record.name == "uvicorn.access"
            and isinstance(record.args, tuple)
            and len(record.args) == len(_ACCESS_FIELDS)
        ):
            out.update(zip(_ACCESS_FIELDS, record.args, strict=True))
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in out and not key.startswith("_"):
                out[key] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False)


def configure(level: int, log_format: str) -> None:
    """The root handler every logger (calsync's, uvicorn's in JSON, libraries') ends in."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """What `uvicorn.run(log_config=...)` gets: in JSON none at all, so that uvicorn adds
    no handlers of its own and its loggers reach the root handler above (uvicorn still
    sets their levels from `log_level`); in text its usual configuration."""
    if log_format == "json":
        return None
    from uvicorn.config import LOGGING_CONFIG  # serve's import, not start-up's

    return LOGGING_CONFIG
