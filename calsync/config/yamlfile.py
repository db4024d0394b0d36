"""YAML loading that remembers where every value came from.

`load_yaml` returns plain Python data plus a `Located` index from key paths to line
numbers, so a validation error on `connectors.x.url` can be reported as
`config.yaml:42`. Duplicate keys, which PyYAML silently collapses, are problems here:
they are almost always a copy-paste mistake. `${NAME}` in a string is replaced by the
environment variable NAME, so secrets never live in the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from calsync.errors import ConfigError, Problem

__all__ = ["Located", "PathKey", "load_yaml", "parse_yaml"]

PathKey = tuple[str | int, ...]
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Located:
    """Data loaded from one YAML file, with the line of every node (1-based)."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """Line of the deepest node along `path` that exists in the file."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return None

    def problem(self, path: PathKey, message: str, *, prefix: PathKey = ()) -> Problem:
        full = tuple(prefix) + tuple(path)
        return Problem(self.file, self.line_of(full), format_path(full), message)


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_yaml(path: Path, *, display: str | None = None, env: dict[str, str] | None = None
              ) -> Located:
    """Read and parse one YAML file; every problem raises one ConfigError."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.single(name, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.single(name, f"cannot read the file: {exc}") from None
    return parse_yaml(text, name, env=env)


def parse_yaml(text: str, name: str, *, env: dict[str, str] | None = None) -> Located:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise ConfigError.single(name, f"not valid YAML: {problem}", line=line) from None
    located = Located(name, None)
    problems: list[Problem] = []
    if node is not None:
        builder = _Builder(located, problems, os.environ if env is None else env)
        located.data = builder.build(node, ())
    if problems:
        raise ConfigError(problems)
    return located


class _Builder:
    def __init__(self, located: Located, problems: list[Problem], env: Any) -> None:
        self.located = located
        self.problems = problems
        self.env = env
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.located.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            self.constructor.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | bool) or isinstance(key, bool):
                    key = str(key)
                child = (*path, key)
                if key in out:
                    self.problems.append(Problem(
                        self.located.file, key_node.start_mark.line + 1,
                        format_path(child), "duplicate key (the earlier value would be lost)"))
                    continue
                self.located.lines[child] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ValueError as exc:  # e.g. a date such as 2026-02-30
            self.problems.append(Problem(self.located.file, node.start_mark.line + 1,
                                         format_path(path), f"{exc} (got {node.value!r})"))
            return node.value
        if isinstance(value, str) and "${" in value:
            value = self._substitute(value, path, node.start_mark.line + 1)
        return value

    def _substitute(self, value: str, path: PathKey, line: int) -> str:
        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.env:
                self.problems.append(Problem(
                    self.located.file, line, format_path(path),
                    f"environment variable {name} is not set (referenced as ${{{name}}})"))
                return ""
            return str(self.env[name])

        return _ENV_REF.sub(repl, value)
