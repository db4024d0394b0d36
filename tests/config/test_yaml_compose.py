"""libyaml's fast composition (`calsync.config.yamlcompose`) against PyYAML's own, the
reference: on the bundled files and on random edits of them (the fuzz test's edits), a file
PyYAML reads loads with the same data and the same line for every key path, and a file it
refuses gives the same problems, or (rarely: `[x?, y]`) loads as libyaml reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from calsync.config import yamlcompose, yamlfile
from calsync.config.yamlcompose import MAX_DEPTH, compose
from calsync.config.yamlfile import parse_yaml
from calsync.errors import ConfigError
from tests.config.test_yaml_fuzz import FUZZ, edit, mutate
from tests.conftest import REPO

FILES = sorted([REPO / "config.yaml", *(REPO / "schedules").glob("*.yaml")])


def outcome(text: str, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    """What parse_yaml gives with one composer: data and lines, or the problems."""
    monkeypatch.setattr(yamlfile, "compose", lambda t: compose(t, fast=fast))
    try:
        located = parse_yaml(text, "f.yaml", env={"CALSYNC_FUZZ_SET": "x"})
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    finally:
        monkeypatch.undo()
    return located.data, located.lines


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bundled_files_compose_alike(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast = outcome(text, fast=True, monkeypatch=monkeypatch)
    assert isinstance(fast, tuple) and fast[1]  # loaded, with lines
    assert fast == outcome(text, fast=False, monkeypatch=monkeypatch)


@FUZZ
@given(st.sampled_from(FILES), st.lists(edit, min_size=1, max_size=4),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_edited_files_compose_alike(path: Path, edits: list[tuple[str, float, str, int]],
                                    newline: str) -> None:
    text = mutate(path.read_text(encoding="utf-8"), edits).replace("\n", newline)
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast = outcome(text, fast=True, monkeypatch=monkeypatch)
        exact = outcome(text, fast=False, monkeypatch=monkeypatch)
    if isinstance(exact, tuple) or fast == exact:
        assert fast == exact
    else:  # PyYAML refused what libyaml reads: then calsync says what libyaml read
        assert yaml.compose(text, Loader=yaml.CSafeLoader) is not None
        if isinstance(fast, tuple):
            assert fast[0] == yaml.load(text, Loader=yaml.CSafeLoader)


def test_libyaml_reads_what_pyyaml_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one kind of difference left, pinned so a change of either parser shows here."""
    text = "a: [x?, y]\n"
    assert outcome(text, fast=True, monkeypatch=monkeypatch) == ({"a": ["x?", "y"]}, {
        (): 1, ("a",): 1, ("a", 0): 1, ("a", 1): 1})
    assert isinstance(outcome(text, fast=False, monkeypatch=monkeypatch), list)


@pytest.mark.parametrize("depth", [MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
@pytest.mark.parametrize("style", ["block", "flow", "alias"])
def test_depth_limit_is_the_same(depth: int, style: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if style == "block":
        text = "".join(" " * i + f"k{i}:\n" for i in range(depth - 1)) + " " * depth + "v\n"
    elif style == "flow":
        text = "[" * (depth - 1) + "v" + "]" * (depth - 1) + "\n"
    else:  # an alias at the deepest level counts as a node there
        text = "a: &a v\nb: " + "[" * (depth - 2) + "*a" + "]" * (depth - 2) + "\n"
    fast = outcome(text, fast=True, monkeypatch=monkeypatch)
    assert fast == outcome(text, fast=False, monkeypatch=monkeypatch)
    assert isinstance(fast, list) == (depth > MAX_DEPTH)  # refused exactly past the limit


def test_valid_files_skip_the_slow_composer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the module: PyYAML's wheel carries libyaml, and a valid file never
    reaches the pure-Python composer (only a problem does)."""
    assert yaml.__with_libyaml__

    def slow(text: str) -> None:
        raise AssertionError("composed by PyYAML")

    monkeypatch.setattr(yamlcompose, "_compose_exact", slow)
    for path in FILES:
        assert compose(path.read_text(encoding="utf-8")) is not None
    with pytest.raises(AssertionError, match="composed by PyYAML"):
        compose("a: [1, 2\n")
