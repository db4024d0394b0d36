"""The access log without secrets: a private feed's token is its key, and an access log is
read by more people than the feed's subscribers. The filter rewrites the request path
of uvicorn's access records before any handler formats them: everything after
`/feeds/<name>/` is the token's place, so a mistyped address (no `.ics`, `.ICS`, a double
slash) that answers 404 is redacted too (it carries the same secret)."""

from __future__ import annotations

import logging
import re

__all__ = ["RedactTokens", "install"]

_TOKEN_PATH = re.compile(r"(?<!/api)(/feeds/+[^/?\s\"]+/+)[^?\s\"]*?(\.ics)?(?=[?\s\"]|$)",
                         re.IGNORECASE)
REDACTED = "<token>"


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_PATH.sub(rf"\g<1>{REDACTED}\g<2>", arg)
                                if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = _TOKEN_PATH.sub(rf"\g<1>{REDACTED}\g<2>", record.msg)
        return True


def install() -> None:
    """Attach the filter to uvicorn's access logger (it survives uvicorn's dictConfig)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
