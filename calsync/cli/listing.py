"""How every listing command prints: a table when it fits, records when it does not, or JSON.

A table squeezed into a narrow terminal (80 columns, or 40 on a phone's SSH client) or a
pipe makes rich shrink its wrapping columns towards zero width, so a summary becomes one
letter per line or disappears. Here each column says how narrow it may get; when the
terminal cannot give every column that much, the rows print as records instead ("heading,
then one `name: value` line per column"), which reads at any width and in any pager or
log. `--format json` prints the same rows as data for scripts; every listing command
takes it through `format_option`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click
from rich.console import Console, Group, RenderableType
from rich.text import Text

from calsync.cli.common import console as default_console
from calsync.cli.common import terminal_width

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["Column", "Section", "format_option", "print_json", "print_listing"]

F = TypeVar("F", bound=Callable[..., Any])

Cell = str | Text  # str is rich markup (user text in it goes through `common.plain`)

#: The narrowest a wrapping column may get in a table; below it the rows become records.
MIN_WRAP = 16


@dataclass(frozen=True)
class Column:
    """One column: its header, whether its text wraps (long prose) or stays on one line."""

    header: str
    wrap: bool = False
    justify: Literal["left", "right"] = "left"
    min_width: int = MIN_WRAP  # for a wrapping column: narrower than this, use records


@dataclass(frozen=True)
class Section:
    """A heading between rows (a month in the timeline)."""

    title: str


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    """`--format` with these choices (first is the default); json is always one of them."""
    names = list(dict.fromkeys([*(choices or ("table",)), "json"]))
    return click.option("--format", "fmt", type=click.Choice(names),
                        default=default or names[0], show_default=True,
                        help="table (or records when narrow) for people, json for scripts.")


def print_json(data: Any) -> None:
    """`data` as indented JSON on stdout (dates and other values as their string)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text.from_markup(cell, emoji=False)


def _min_width(column: Column, cells: list[Text]) -> int:
    widest = max((c.cell_len for c in cells), default=0)
    widest = max(widest, len(column.header))
    if not column.wrap:
        return widest
    longest_word = max((len(w) for c in cells for w in c.plain.split()), default=0)
    return min(widest, max(column.min_width, min(longest_word, 24)))


def fits(columns: Sequence[Column], rows: Sequence[Sequence[Cell] | Section],
         width: int) -> bool:
    """Whether a table of these rows gives every column at least its minimum width."""
    cells = [[_text(c) for c in row] for row in rows if not isinstance(row, Section)]
    need = sum(_min_width(col, [r[i] for r in cells]) for i, col in enumerate(columns))
    return need + 3 * len(columns) + 1 <= width


def print_listing(title: str, columns: Sequence[Column],
                  rows: Sequence[Sequence[Cell] | Section], *, caption: str | None = None,
                  empty: str | None = None, heading: int = 1, show_lines: bool = False,
                  console: Console = default_console) -> None:
    """Print rows as a table if every column fits at its minimum width, else as records.

    In records, the first `heading` columns form the record's first line (bold); the other
    one-line values follow together on one (wrapping) line, then each wrapping column as
    its own `header: value` paragraph, indented; empty values are left out.
    """
    width = terminal_width()
    console.print(_layout(title, columns, rows, caption=caption, heading=heading,
                          show_lines=show_lines, width=width, console=console), width=width)
    if empty and not any(not isinstance(r, Section) for r in rows):
        console.print(empty, width=width, soft_wrap=False)


def _layout(title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell] | Section],
            *, caption: str | None, heading: int, show_lines: bool, width: int,
            console: Console) -> RenderableType:
    if fits(columns, rows, width):
        return _table(title, columns, rows, caption=caption, show_lines=show_lines)
    parts: list[RenderableType] = [Text(title, style="bold")]
    for row in rows:
        if isinstance(row, Section):
            parts.append(Text(row.title, style="bold underline"))
            continue
        cells = [_text(c) for c in row]
        head = Text(" · ").join(c for c in cells[:heading] if c.plain)
        parts.append(Text.assemble("• ", head, style="bold"))
        short = [(col, cell) for col, cell in zip(columns[heading:], cells[heading:],
                                                   strict=True) if not col.wrap]
        if short:  # the one-line values together: "added: 3 · changed: 0 · ..."
            line = Text(" · ").join(Text.assemble((f"{col.header}: ", "dim"), cell)
                                    for col, cell in short if cell.plain.strip())
            parts.append(_indented(line, width, console))
        for column, cell in zip(columns[heading:], cells[heading:], strict=True):
            if column.wrap and cell.plain.strip():
                parts.append(_indented(Text.assemble((f"{column.header}: ", "dim"), cell),
                                       width, console))
    if caption:
        parts.append(Text(caption, style="italic dim"))
    return Group(*parts)


def _indented(text: Text, width: int, console: Console) -> Text:
    """`text` wrapped to `width` with every line indented by two spaces (no padding at the
    end of lines, so pipes and pagers get clean text). The lines fit: `no_wrap` spares
    the console wrapping every paragraph a second time when it prints them."""
    lines = text.wrap(console, max(width - 2, 8), overflow="fold")
    for line in lines:
        line.rstrip()
    return Text("\n", no_wrap=True).join(Text.assemble("  ", line) for line in lines)


def _table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell] | Section],
           *, caption: str | None, show_lines: bool) -> Table:
    from rich.table import Table  # printing's cost: every command's --help imports this module

    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left",
                  show_lines=show_lines)
    for i, column in enumerate(columns):
        cells = [_text(r[i]) for r in rows if not isinstance(r, Section)]
        if column.wrap:
            table.add_column(column.header, overflow="fold", min_width=_min_width(column, cells),
                             justify=column.justify)
        else:
            table.add_column(column.header, no_wrap=True, justify=column.justify)
    for row in rows:
        if isinstance(row, Section):
            table.add_section()
            table.add_row(Text(row.title, style="bold"), *([""] * (len(columns) - 1)))
        else:
            table.add_row(*row)
    return table
