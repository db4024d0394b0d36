"""YAML loading that remembers where every value came from.

`load_yaml` returns plain Python data plus a `Located` index from key paths to line
numbers, so a validation error on `connectors.x.url` can be reported as
`config.yaml:42`. Duplicate keys, which PyYAML silently collapses, are problems here:
they are almost always a copy-paste mistake. `${NAME}` in a string is replaced by the
environment variable NAME, so secrets never live in the file.

Hostile or broken input is a located problem, never a traceback or a hang: syntax errors
get a column and a hint (`yamlerrors`), unknown tags, recursive aliases, nesting deeper
than MAX_DEPTH and control characters are refused, and aliases may expand the file to at
most MAX_VALUES values (a "billion laughs" file stops there instead of eating memory).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from calsync.config.yamlcompose import MAX_DEPTH, TooDeep, compose
from calsync.config.yamlerrors import control_character_message, syntax_problem
from calsync.errors import ConfigError, Problem

__all__ = ["MAX_DEPTH", "Located", "PathKey", "load_yaml", "parse_yaml"]

PathKey = tuple[str | int, ...]
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_VALUES = 50_000  # the biggest bundled file (eu.yaml) holds about 900


@dataclass
class Located:
    """Data loaded from one YAML file, with the line of every node (1-based)."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    missing: list[Problem] = field(default_factory=list)
    """Unset variables under a deferred path (see `parse_yaml`): the command that uses the
    value refuses with these; every other command runs."""

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


def load_yaml(path: Path, *, display: str | None = None, env: dict[str, str] | None = None,
              deferred: Collection[PathKey] = ()) -> Located:
    """Read and parse one YAML file; every problem raises one ConfigError."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.single(name, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.single(name, f"cannot read the file: {exc}") from None
    return parse_yaml(text, name, env=env, deferred=deferred)


def parse_yaml(text: str, name: str, *, env: dict[str, str] | None = None,
               deferred: Collection[PathKey] = ()) -> Located:
    """Parse one YAML document. A `${NAME}` whose variable is unset is a problem, except
    under a `deferred` path prefix (secrets only some commands use, e.g. api.tokens): there
    it becomes a random placeholder that matches nothing and is listed in
    `Located.missing`."""
    try:
        node = compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError([syntax_problem(exc, text, name)]) from None
    except TooDeep as exc:
        raise ConfigError([Problem(name, exc.line, "", f"nested deeper than {MAX_DEPTH} "
                                   "levels; calsync's files need far fewer")]) from None
    located = Located(name, None)
    problems: list[Problem] = []
    if node is not None:
        builder = _Builder(located, problems, os.environ if env is None else env,
                           tuple(deferred))
        with contextlib.suppress(_TooLarge):  # reported once as a problem
            located.data = builder.build(node, ())
    if problems:
        raise ConfigError(problems)
    return located


class _TooLarge(Exception):
    """Aliases expanded the document beyond MAX_VALUES: stop building at once."""


class _Builder:
    def __init__(self, located: Located, problems: list[Problem], env: Any,
                 deferred: tuple[PathKey, ...] = ()) -> None:
        self.located = located
        self.problems = problems
        self.env = env
        self.deferred = deferred
        self.constructor = yaml.SafeLoader("")
        self.active: set[int] = set()  # nodes being built: meeting one again is a cycle
        self.count = 0

    def _problem(self, node: yaml.Node, path: PathKey, message: str) -> None:
        self.problems.append(Problem(self.located.file, node.start_mark.line + 1,
                                     format_path(path), message))

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            self._problem(node, path, f"aliases expand this file beyond {MAX_VALUES:,} values; "
                                      "write the values out or use fewer nested aliases")
            raise _TooLarge
        if len(path) > MAX_DEPTH:
            self._problem(node, path, f"nested deeper than {MAX_DEPTH} levels")
            return None
        if id(node) in self.active:
            self._problem(node, path, "this alias refers to a value that contains it "
                                      "(a recursive alias cannot be expanded)")
            return None
        self.located.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if node.tag not in self.constructor.yaml_constructors:
            self._problem(node, path, _unknown_tag(node.tag))
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:  # `<<: *defaults`: explicit keys win
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) \
                    else [value_node]
                for source in sources:
                    value = self.build(source, path)
                    if not isinstance(value, dict):
                        self._problem(value_node, path, "'<<' merges only mappings (an alias "
                                                        "of a mapping, or a list of them)")
                        continue
                    merged = {**value, **merged}
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "a key must be plain text, not a list or mapping")
                continue
            key = self._scalar(key_node, path)
            if not isinstance(key, str | int) or isinstance(key, bool):
                key = str(key)
            child = (*path, key)
            if key in out:
                self._problem(key_node, child, "duplicate key (the earlier value would be lost)")
                continue
            self.located.lines[child] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, child)
        return {**merged, **out}

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        if node.tag not in self.constructor.yaml_constructors:
            self._problem(node, path, _unknown_tag(node.tag))
            return node.value
        bad = _CONTROL.search(node.value)
        if bad:
            self._problem(node, path, control_character_message(bad.group()))
            return node.value
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as exc:
            # e.g. a date such as 2026-02-30, or `!!int ten`
            reason = str(exc) if isinstance(exc, ValueError) else \
                f"cannot be read as {node.tag.rsplit(':', 1)[-1]}"
            self._problem(node, path, f"{reason} (got {node.value!r})")
            return node.value
        if isinstance(value, str) and "${" in value:
            value = self._substitute(value, path, node.start_mark.line + 1)
        return value

    def _substitute(self, value: str, path: PathKey, line: int) -> str:
        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.env:
                problem = Problem(
                    self.located.file, line, format_path(path),
                    f"environment variable {name} is not set (referenced as ${{{name}}})")
                if any(path[:len(p)] == p for p in self.deferred):
                    self.located.missing.append(problem)
                    return secrets.token_hex(32)  # valid, and matches no presented secret
                self.problems.append(problem)
                return ""
            return str(self.env[name])

        return _ENV_REF.sub(repl, value)


def _unknown_tag(tag: str) -> str:
    return (f"unknown YAML tag {tag!r}: calsync reads plain YAML; quote the value if "
            "the '!' belongs to it")
