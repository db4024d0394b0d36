"""YAML text to PyYAML's node tree (with every node's line), fast for the files that are
fine and exact for the ones that are not.

Composing is where config loading spends its time: PyYAML's pure-Python scanner took
0.52 s for the bundled config.yaml and schedules/ (156 kB), about a third of every CLI
command's run (`calsync alerts` 1.35 s, `calsync check` 1.32 s on the pilot), while
libyaml's C parser (`yaml.CSafeLoader`, shipped in PyYAML's wheels) composes the same
files in 0.025 s: the same nodes, tags and marks, because both use PyYAML's own resolver.

On a file PyYAML reads, both give the same tree. They differ on the rest: libyaml
words its syntax errors differently, nests up to 1,000 levels where calsync stops at
MAX_DEPTH, checks characters elsewhere, and reads a few things PyYAML refuses (a tab
inside a line, `[x?, y]`). So the C parser is tried only on text without tabs that
PyYAML's reader accepts, and any error or a tree deeper than MAX_DEPTH sends the text
through PyYAML's own composer again, whose errors (`calsync.config.yamlerrors`, with
"indent with spaces" for a tab) and depth limit are what admins see. What is left is
libyaml, the YAML reference parser, reading a rare construct as the YAML specification
says where PyYAML called it an error. A differential test
(tests/config/test_yaml_compose.py) checks this on the bundled files and on random edits
of them.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "TooDeep", "compose"]

MAX_DEPTH = 40  # the deepest real config is about 8 levels
_FAST: type[Any] | None = getattr(yaml, "CSafeLoader", None)
_NOT_READABLE = yaml.reader.Reader.NON_PRINTABLE  # what PyYAML's reader refuses


class TooDeep(Exception):
    """The document nests deeper than MAX_DEPTH; `line` is where (1-based)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def compose(text: str, *, fast: bool = True) -> yaml.Node | None:
    """The document's node tree (None for an empty document). Raises `yaml.YAMLError` or
    `TooDeep` exactly as PyYAML's composer with calsync's depth limit does; `fast=False`
    skips the C parser (the differential test's reference)."""
    if fast and _FAST is not None and "\t" not in text and not _NOT_READABLE.search(text):
        node = _compose_fast(_FAST, text)
        if node is not None and _within_depth(node):
            return node
    return _compose_exact(text)


def _compose_fast(loader_class: type[Any], text: str) -> yaml.Node | None:
    """libyaml's tree, or None when it found a problem (PyYAML then says which) or the
    document is empty (PyYAML then says so, cheaply)."""
    loader = loader_class(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return node


def _within_depth(root: yaml.Node) -> bool:
    """Whether PyYAML's composer, counting every node and alias on its way down, stays
    within MAX_DEPTH. A node met again (an alias) counts but is not entered, as when
    composing; the margin of one keeps the fast path off the limit's edge."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return False
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
    return True


class _DepthLimitedLoader(yaml.SafeLoader):
    """Stops at MAX_DEPTH while composing: PyYAML composes recursively, and its scanner
    slows down with every open bracket, so a deeply nested file would otherwise take
    seconds to end in a RecursionError."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise TooDeep(self.peek_event().start_mark.line + 1)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _compose_exact(text: str) -> yaml.Node | None:
    loader: _DepthLimitedLoader | None = None
    try:
        loader = _DepthLimitedLoader(text)  # checks the characters at once
        return loader.get_single_node()
    finally:
        if loader is not None:
            loader.dispose()
