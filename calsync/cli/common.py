"""What every command shares: the console, loading the runtime, turning errors into exit codes.

Exit codes: 0 ok, 2 configuration error, 1 any other failure, 3 `serve` cannot listen,
4 a sync could not run now (another run holds the source's lease, or its upstream asked
to wait: the message says until when). Errors are printed as one clear paragraph with
the next step (from `errors.explain`), never as a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, time
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.text import Text

from calsync.errors import CalsyncError, ConfigError, explain

if TYPE_CHECKING:
    from calsync.runtime import Runtime

__all__ = [
    "EXIT_ADDRESS",
    "EXIT_BUSY",
    "EXIT_CONFIG",
    "EXIT_FAILURE",
    "check_org_and_levels",
    "console",
    "err_console",
    "fail",
    "load_runtime",
    "parse_day",
    "pass_runtime",
    "plain",
    "require_schema",
    "split_values",
    "terminal_width",
]

EXIT_FAILURE = 1
EXIT_CONFIG = 2
EXIT_ADDRESS = 3  # `serve` cannot listen on its address (in use, not permitted)
EXIT_BUSY = 4  # not now: another run holds the source, or its upstream said Retry-After



def terminal_width() -> int:
    """The width to lay out for: COLUMNS when set (read now, not when the console was
    made), else the terminal's, else 80 (a pipe or a file)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 80


class _Console(Console):
    """rich's console, but measuring the terminal when it prints, not when it was made
    (one process may print to a terminal, a pipe, or under a test's COLUMNS)."""

    @property
    def size(self) -> ConsoleDimensions:
        return ConsoleDimensions(terminal_width(), super().size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:  # rich's API; unused by calsync
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


# No emoji codes: user text such as "config.yaml:100: ..." must not print as an emoji.
# Text from users (config, upstream data) goes into markup only through `plain`.
console = _Console(highlight=False, emoji=False)
err_console = _Console(stderr=True, highlight=False, emoji=False)

F = TypeVar("F", bound=Callable[..., Any])


def fail(exc: BaseException) -> None:
    """Print `exc` for a human and exit with the matching code."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", explain(exc)), soft_wrap=True)
    raise SystemExit(EXIT_CONFIG if isinstance(exc, ConfigError) else EXIT_FAILURE)


def plain(text: object) -> str:
    """`text` made safe to put inside rich markup: brackets from users stay brackets."""
    return escape(str(text))


def load_runtime(ctx: click.Context) -> Runtime:
    """The runtime for this invocation, built once and validated before anything runs."""
    from calsync.runtime import Runtime  # the command's work, not start-up

    obj = ctx.ensure_object(dict)
    if "runtime" not in obj:
        obj["runtime"] = Runtime.load(obj.get("config_path"))
    runtime: Runtime = obj["runtime"]
    return runtime


def pass_runtime(func: F) -> F:
    """Decorator: call the command with the loaded runtime as its first argument."""

    @click.pass_context
    @wraps(func)
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(load_runtime(ctx), *args, **kwargs)
        except CalsyncError as exc:
            fail(exc)

    return wrapper  # type: ignore[return-value]


def parse_day(value: str | None, tz: str, now: datetime, *, end_of_day: bool = False,
              param: str | None = None) -> datetime | None:
    """A day typed at the CLI (`2027-12-15`, `today`, `+P90D`, `-P1Y`: the one parser,
    `calsync.durations.parse_day`, anchored on today in `tz`) as an aware instant at the
    start (or end) of that day. A bad value is a usage error (exit 2) naming it."""
    from calsync.clock import local_today
    from calsync.durations import parse_day as parse_typed_day

    if value is None:
        return None
    try:
        day = parse_typed_day(value, local_today(now, tz))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=param) from None
    moment = datetime.combine(day, time.max if end_of_day else time.min, ZoneInfo(tz))
    return moment.astimezone(UTC)


def split_values(values: tuple[str, ...]) -> list[str] | None:
    """A repeatable option's values, each also a comma list (`--level eu,state`)."""
    out = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return out or None


def check_org_and_levels(runtime: Runtime, organisations: list[str] | None,
                         levels: list[str] | None) -> None:
    """`--org` names under `organisations:` and `--level` names under `levels:`, else a
    usage error (exit 2) listing the known ones."""
    from calsync.config.organisations import unknown_organisation

    config = runtime.config
    for name in organisations or []:
        if why := unknown_organisation(config.organisations, name):
            raise click.BadParameter(why, param_hint="--org")
    for value in levels or []:
        if value not in config.levels:
            raise click.BadParameter(f"unknown level {value!r}; known: "
                                     f"{', '.join(config.levels)}", param_hint="--level")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def require_schema(runtime: Runtime) -> None:
    """Stop with a clear next step if the database is missing or behind the code."""
    from calsync.errors import StoreError
    from calsync.store.engine import current_revision, head_revision

    try:
        current = current_revision(runtime.engine)
    except Exception as exc:
        raise StoreError(f"cannot open the database: {exc}") from exc
    if current != head_revision():
        raise StoreError(f"the database is at schema revision {current or '(empty)'}, "
                         f"this calsync needs {head_revision()}")
