"""Fuzzing config.yaml and schedule files (hypothesis): random edits of the real files and
generated YAML bombs either load or raise ConfigError with a file and line, never another
exception, and each case finishes quickly (hypothesis' deadline is the hang guard)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calsync.config import load_config_text
from calsync.config.yamlfile import MAX_VALUES, parse_yaml
from calsync.cycles.catalog import load_catalog
from calsync.errors import ConfigError
from calsync.runtime import Runtime
from tests.conftest import REPO

CONFIG = (REPO / "config.yaml").read_text(encoding="utf-8")
# What YAML reacts to, plus characters people paste by accident.
PIECES = [":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: *a", "!", "!!", "!x ",
          "|", ">", "'", '"', "#", "%", "@", "`", "?", "---\n", "...", "\t", "\n", "  ",
          "\x00", "\x01", "\x1b", "\x7f", "\u200b", "\ufeff", "\u2028", "é", "~", "null",
          "${CALSYNC_FUZZ_UNSET}", "${X", "2026-02-30", "1e999", "0x1F", ".inf"]
FUZZ = settings(max_examples=120, deadline=timedelta(seconds=20), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FEW = settings(FUZZ, max_examples=40)  # each case loads seven files or expands a bomb
edit = st.tuples(st.sampled_from(["insert", "delete", "duplicate"]), st.floats(0, 1),
                 st.sampled_from(PIECES), st.integers(1, 40))


def mutate(text: str, edits: list[tuple[str, float, str, int]]) -> str:
    for op, where, piece, length in edits:
        at = int(where * len(text))
        if op == "insert":
            text = text[:at] + piece + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + length:]
        else:  # a line copied next to itself: duplicate keys, broken indentation
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            line = text[start:end if end >= 0 else len(text)]
            text = text[:start] + line + "\n" + text[start:]
    return text


def located(exc: ConfigError) -> None:
    assert exc.problems and all(p.file and p.message for p in exc.problems)
    assert any(p.line for p in exc.problems) or all(
        "file must be a mapping" in p.message or p.file == "config" for p in exc.problems)


@FUZZ
@given(st.lists(edit, min_size=1, max_size=4))
def test_mutated_config_loads_or_reports_problems(edits: list[tuple[str, float, str, int]]
                                                  ) -> None:
    try:
        config = load_config_text(mutate(CONFIG, edits), base_dir=REPO)
    except ConfigError as exc:
        located(exc)
        return
    try:
        Runtime.from_config(config)  # connectors and their schedule files too
    except ConfigError as exc:
        assert exc.problems


@FEW
@given(st.sampled_from(sorted(p.name for p in (REPO / "schedules").glob("*.yaml"))),
       st.lists(edit, min_size=1, max_size=4), st.integers(0, 10**9))
def test_mutated_schedule_files_load_or_report_problems(
        tmp_path_factory: object, name: str, edits: list[tuple[str, float, str, int]],
        salt: int) -> None:
    folder = Path(str(tmp_path_factory.mktemp(f"s{salt}")))  # type: ignore[attr-defined]
    shutil.copytree(REPO / "schedules", folder, dirs_exist_ok=True)
    target = folder / name
    target.write_text(mutate(target.read_text(encoding="utf-8"), edits), encoding="utf-8")
    try:
        load_catalog(sorted(folder.glob("*.yaml")))
    except ConfigError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


def bomb(kind: str, width: int, depth: int) -> str:
    if kind == "sequence":
        lines = [f"b0: &b0 [{', '.join(['x'] * width)}]"]
        lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, depth)]
    elif kind == "mapping":
        lines = ["b0: &b0 {x: 1}"]
        lines += [f"b{i}: &b{i} {{{', '.join(f'k{j}: *b{i - 1}' for j in range(width))}}}"
                  for i in range(1, depth)]
    else:  # merge keys
        lines = ["b0: &b0 {x: 1}"]
        lines += [f"b{i}: &b{i} {{<<: [{', '.join([f'*b{i - 1}'] * width)}], y{i}: 1}}"
                  for i in range(1, depth)]
    return "\n".join(lines) + "\n"


@FEW
@given(st.sampled_from(["sequence", "mapping", "merge"]), st.integers(2, 9),
       st.integers(2, 30), st.booleans())
def test_alias_bombs_stop_with_a_problem(kind: str, width: int, depth: int,
                                         as_schedule: bool) -> None:
    text = bomb(kind, width, depth)
    try:
        if as_schedule:
            parse_yaml(text + "cycles: []\n", "schedules/bomb.yaml")
        else:
            load_config_text(text)
    except ConfigError as exc:
        located(exc)
    else:  # small enough to expand: then it must have been harmless
        assert width ** depth <= MAX_VALUES * width


@FUZZ
@given(st.integers(1, 3000), st.sampled_from(["[", "{a: ", "- ", "block"]),
       st.text(st.characters(codec="utf-8"), max_size=12))
def test_nesting_tags_and_odd_text_are_problems(depth: int, opener: str, tail: str) -> None:
    if opener == "block":
        text = "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + tail
    elif opener == "- ":
        text = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + tail
    else:
        closer = "]" if opener == "[" else "}"
        text = "x: " + opener * depth + repr(tail) + closer * depth + f"\ny: !{tail} v\n"
    try:
        parse_yaml(text, "config.yaml")
    except ConfigError as exc:
        located(exc)
