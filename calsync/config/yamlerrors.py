"""PyYAML's syntax errors as a Problem an admin can act on: line, column and a hint.

PyYAML says *what* its parser met ("found character '\\t' that cannot start any token");
admins need to know what they did (indented with a tab) and what to do. The hints cover
the slips that account for almost every broken config: tabs, indentation, an unquoted
': ', an unclosed quote or bracket, an alias without its anchor, a second document, and
characters YAML does not allow at all.
"""

from __future__ import annotations

import yaml

from calsync.errors import Problem

__all__ = ["control_character_message", "syntax_problem"]

# (substring of PyYAML's problem text, hint), first match wins.
_HINTS: tuple[tuple[str, str], ...] = (
    ("'\\t'", "YAML does not allow tabs for indentation: indent with spaces"),
    ("mapping values are not allowed",
     "a value that contains ': ' must be quoted, or this line is indented deeper than the "
     "key above it"),
    ("expected <block end>",
     "this line's indentation does not match the lines above it (keys of one mapping, and "
     "'- ' items of one list, must start in the same column)"),
    ("could not find expected ':'", "a key needs ': ' after it; quote the text if it is a value"),
    ("undefined alias", "an alias (*name) needs an anchor (&name) earlier in the file"),
    ("end of stream", "a quote or bracket is not closed"),
    ("expected ',' or", "a bracket is not closed, or a ',' is missing"),
    ("another document", "the file must be one YAML document: remove the '---' line"),
    ("found character", "quote the value: this character cannot start plain text in YAML"),
)


def control_character_message(char: str) -> str:
    return (f"control character U+{ord(char):04X} is not allowed; remove it (an invisible "
            "character often comes with text pasted from another program)")


def syntax_problem(exc: yaml.YAMLError, text: str, name: str) -> Problem:
    """One located Problem for a file PyYAML could not parse."""
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = _line_column(text, exc.position)
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        return Problem(name, line, "", f"not valid YAML: {control_character_message(char)}",
                       column=column)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or str(exc)
        message = f"not valid YAML: {problem}"
        opened = exc.context_mark
        if opened is not None and mark is not None and opened.line != mark.line:
            message += f" ({exc.context} that starts on line {opened.line + 1})"
        hint = next((h for needle, h in _HINTS if needle in problem), None)
        if hint:
            message += f"; {hint}"
        if mark is None:
            return Problem(name, None, "", message)
        return Problem(name, mark.line + 1, "", message, column=mark.column + 1)
    return Problem(name, None, "", f"not valid YAML: {exc}")


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
