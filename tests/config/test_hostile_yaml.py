"""Broken and hostile YAML (config and schedule files): a located problem, never a
traceback, a hang or a blown-up memory. Issue 17 item 9 found an unknown tag, an alias bomb,
recursive aliases, deep nesting and control characters each crashing or hanging `check`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from calsync.cli import cli
from calsync.config import load_config_text
from calsync.config.yamlfile import MAX_DEPTH, MAX_VALUES, parse_yaml
from calsync.errors import ConfigError


def laughs(width: int, depth: int) -> str:
    """A 'billion laughs' file: each level lists the previous one `width` times."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, depth):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def merge_bomb(depth: int) -> str:
    lines = ["m0: &m0 {k: v}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: v}}" for i in range(1, depth)]
    return "\n".join(lines) + "\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, "config.yaml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("text", "expected"), [
    ("timezone: !env TZ\n", "config.yaml:1: timezone: unknown YAML tag '!env'"),
    ("feeds: !!python/object:os.system {}\n", "config.yaml:1: feeds: unknown YAML tag"),
    ("a: &a [1, *a]\n", "config.yaml:1: a[1]: this alias refers to a value that contains it"),
    ("a: &a {b: *a}\n", "config.yaml:1: a.b: this alias refers to a value that contains it"),
    ("a: &a {<<: *a}\n", "config.yaml:1: a: this alias refers to a value that contains it"),
    ("a: 'b\x01c'\n", "config.yaml:1:6: not valid YAML: control character U+0001"),
    ('title: "Bad\\x00name"\n', "config.yaml:1: title: control character U+0000"),
    ("a:\n\tb: 1\n", "config.yaml:2:1: not valid YAML: found character '\\t' that cannot "
                     "start any token; YAML does not allow tabs for indentation"),
    ("a:\n  b: 1\n c: 2\n", "config.yaml:3:2: not valid YAML: expected <block end>"),
    ("title: Budget: 2027\n", "config.yaml:1:14: not valid YAML: mapping values are not "
                              "allowed here; a value that contains ': ' must be quoted"),
    ("a: [1, 2\nb: 3\n", "config.yaml:2:2: not valid YAML: expected ',' or ']'"),
    ("a: *nowhere\n", "config.yaml:1:4: not valid YAML: found undefined alias 'nowhere'; an "
                      "alias (*name) needs an anchor"),
    ("? [a, b]\n: 1\n", "config.yaml:1: a key must be plain text"),
    ("port: !!int eighty\n", "config.yaml:1: port: invalid literal for int()"),
    ("flag: !!bool maybe\n", "config.yaml:1: flag: cannot be read as bool (got 'maybe')"),
    (laughs(9, 9), "config.yaml:1: l4[5][5][7][5][0]: aliases expand this file beyond "
                   f"{MAX_VALUES:,} values"),
    (merge_bomb(40), f"config.yaml:2: m13.k1: aliases expand this file beyond {MAX_VALUES:,}"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", f"config.yaml:1: nested deeper than {MAX_DEPTH}"),
    ("".join(" " * i + f"k{i}:\n" for i in range(300)),
     f"config.yaml:{MAX_DEPTH}: nested deeper than {MAX_DEPTH}"),
])
def test_hostile_yaml_is_one_located_problem(text: str, expected: str) -> None:
    found = problems_of(text)
    assert any(p.startswith(expected) for p in found), found


def test_merge_keys_still_work_and_explicit_keys_win() -> None:
    located = parse_yaml("base: &b {x: 1, y: 2}\nmine: {<<: *b, y: 3}\n", "config.yaml")
    assert located.data["mine"] == {"x": 1, "y": 3}
    assert located.line_of(("mine", "y")) == 2


def test_an_error_on_line_100_prints_as_text_not_emoji(write_config: Callable[..., Path]
                                                       ) -> None:
    path = write_config("\n" * 99 + "title: [broken: [nested]\n")
    result = CliRunner().invoke(cli, ["-c", str(path), "check"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "config.yaml:101:" in result.output and "💯" not in result.output
    path = write_config("feeds:\n  x:\n    title: a\n    select: {levle: eu}\n" + "\n" * 95
                        + "colour: '[bold]:100: [/x]'\n")
    result = CliRunner().invoke(cli, ["-c", str(path), "check"], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "💯" not in result.output
    assert "unknown key 'colour'" in result.output and "config.yaml:100:" in result.output


def test_a_bomb_in_a_schedule_file_is_a_problem_of_that_file(
        write_config: Callable[..., Path]) -> None:
    path = write_config("connectors:\n  c:\n    type: schedules\n    paths: [s/a.yaml]\n",
                        **{"s__a.yaml": laughs(9, 9) + "cycles: []\n"})
    result = CliRunner().invoke(cli, ["-c", str(path), "check"], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "s/a.yaml:1:" in result.output and "aliases expand this file" in result.output


def test_bombs_in_config_text_are_config_errors() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(laughs(9, 9))
    assert "aliases expand" in str(info.value)
