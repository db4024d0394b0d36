"""Every error calsync raises on purpose, sorted by what the caller should do next.

    CalsyncError
    ├── ConfigError              the user must fix a file; carries every Problem at once
    ├── ConnectorError           an upstream could not be read; stored data stays as it was
    │   ├── FatalFetchError      auth, 404, a changed format: stop, alert, keep the data
    │   ├── RetriableFetchError  timeout, 429, 5xx: retry later with backoff
    │   └── SkippableRecordError one bad record: count it and go on
    │       └── PartialRecordError  part of a record read: keep that, count the rest
    ├── FeedParseError           an iCalendar payload that cannot be read at all
    ├── StoreError               database trouble the config cannot fix
    └── NotFoundError            a name or id the user asked for does not exist

Errors carry their context as attributes (file, line, connector, url, status) so that
code catching them never parses messages. `explain()` is the one place that turns an
error into the sentence and next step a user sees, for the CLI and the API alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CalsyncError",
    "ConfigError",
    "ConnectorError",
    "FatalFetchError",
    "FeedParseError",
    "NotFoundError",
    "PartialRecordError",
    "Problem",
    "RetriableFetchError",
    "SkippableRecordError",
    "StoreError",
    "explain",
    "one_line",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a YAML file, located as precisely as the file allows."""

    file: str
    line: int | None
    path: str
    message: str
    column: int | None = None  # only where the parser knows it (YAML syntax errors)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CalsyncError(Exception):
    """Root of calsync's own errors."""


class ConfigError(CalsyncError):
    """The configuration (or a schedule file) is wrong; `problems` lists every mistake."""

    def __init__(self, problems: list[Problem], *, frame: tuple[str, str] | None = None
                 ) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.path))
        self.frame = frame
        """The heading and closing line `explain` writes around the problems, when the
        config is in another language than English (`calsync.config.wording`)."""
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str | Path, message: str, *, line: int | None = None,
               path: str = "") -> ConfigError:
        return cls([Problem(str(file), line, path, message)])


class ConnectorError(CalsyncError):
    """An upstream failed; whatever was stored before stays untouched."""

    def __init__(self, message: str, *, connector: str | None = None, url: str | None = None,
                 status: int | None = None) -> None:
        self.connector = connector
        self.url = url
        self.status = status
        super().__init__(message)


class FatalFetchError(ConnectorError):
    """Retrying will not help until someone changes the config or the upstream."""


class RetriableFetchError(ConnectorError):
    """A passing failure; `retry_after` (seconds) is the upstream's own hint when it gave one."""

    def __init__(self, message: str, *, connector: str | None = None, url: str | None = None,
                 status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, connector=connector, url=url, status=status)
        self.retry_after = retry_after


class SkippableRecordError(ConnectorError):
    """One upstream record cannot become an event; the rest of the payload is fine."""


class PartialRecordError(SkippableRecordError):
    """Part of one record was read (`events`), part was not (a broken or too dense
    recurrence rule, occurrences beyond the cap): the sync keeps `events` and reports the
    rest as skipped with the message."""

    def __init__(self, message: str, events: Sequence[Any]) -> None:
        super().__init__(message)
        self.events = list(events)


class FeedParseError(FatalFetchError):
    """An iCalendar payload that cannot be parsed at all.

    `message` is short enough for a status table; `detailed_error` goes to the logs.
    """

    def __init__(self, message: str, *, detailed_error: str = "", connector: str | None = None,
                 url: str | None = None) -> None:
        super().__init__(message, connector=connector, url=url)
        self.detailed_error = detailed_error


class StoreError(CalsyncError):
    """The database refused or could not be reached."""


class NotFoundError(CalsyncError):
    """Something asked for by name or id does not exist."""


def explain(exc: BaseException) -> str:
    """The sentence a user reads for `exc`, ending with what to do next."""
    if isinstance(exc, ConfigError):
        count = len(exc.problems)
        head, tail = exc.frame or (
            f"{count} problem{'s' if count != 1 else ''} in the configuration:",
            "Fix the lines above, then run `calsync check` again.")
        body = "\n".join(f"  {p}" for p in exc.problems)
        return f"{head}\n{body}\n{tail}"
    if isinstance(exc, SkippableRecordError):
        return f"{_who(exc)}skipped one record: {exc}."
    if isinstance(exc, RetriableFetchError):
        when = f" (the server asked to wait {exc.retry_after:.0f}s)" if exc.retry_after else ""
        return (f"{_who(exc)}could not fetch {exc.url or 'its source'}: {exc}{when}. "
                "The last good data is kept; the next sync retries.")
    if isinstance(exc, FatalFetchError):
        return (f"{_who(exc)}cannot read {exc.url or 'its source'}: {exc}. "
                "The last good data is kept; check the connector's URL and options in the config.")
    if isinstance(exc, ConnectorError):
        return f"{_who(exc)}failed: {exc}."
    if isinstance(exc, StoreError):
        return (f"Database error: {exc}. Check `database.url` (or CALSYNC_DATABASE_URL) "
                "and run `calsync db upgrade`.")
    if isinstance(exc, NotFoundError):
        return f"{exc}."
    return (f"Unexpected error: {exc.__class__.__name__}: {exc}. "
            "Please report it with the steps that led here.")


def _who(exc: ConnectorError) -> str:
    return f"Connector '{exc.connector}' " if exc.connector else "A connector "


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def one_line(text: str, limit: int = 400) -> str:
    """`text` as one printable line of at most `limit` characters. Messages stored with a
    sync are shown on the open /api/sources, the dashboard and a terminal: an upstream's
    newline would split one warning into several, an ESC byte would drive the reader's
    terminal, and a 20 KB value quoted by a parser would be echoed whole."""
    flat = _CONTROL.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"
