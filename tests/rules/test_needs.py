"""`calsync check` warns, at the rule's line, when a rule needs an attribute that no
enabled connector can set (so it can never fire)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from calsync.cli import cli

CONFIG = """\
connectors:
  projekt:
    type: json
    path: projekt.json
    fields: {{uid: id, title: namn, start: slutdatum}}
    level: national
    actor: Tillväxtverket
    kind: deadline
{extra}
  unused:
    type: json
    enabled: false
    path: x.json
    fields: {{title: a, start: b}}
    attrs: {{programme: never}}
selectors:
  eligibility: {{tags: [eligibility]}}
rules:
  R7:
    kind: within
    a: {{kind: deadline, where: {{fund_period: 2021-2027}}}}
    relative_to: {{selector: eligibility, join: {{keys: [programme]}}}}
"""


@pytest.mark.parametrize(("extra", "missing"), [
    ("", ["fund_period", "programme"]),
    ("    attrs: {fund_period: 2021-2027}", ["programme"]),
    ("    mapping:\n      - capture: {programme: {field: program}}", ["fund_period"]),
    ("    attrs: {fund_period: 2021-2027}\n    mapping:\n"
     "      - {field: namn, matches: '(?P<programme>ERDF.*)'}", []),
])
def test_rules_needing_attributes_no_source_sets_are_warned_about(
        write_config: Callable[..., Path], extra: str, missing: list[str]) -> None:
    text = CONFIG.format(extra=extra)
    path = write_config(text)
    result = CliRunner().invoke(cli, ["-c", str(path), "check"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # rich wraps long lines
    rows = text.splitlines()
    lines = {"fund_period": rows.index("    a: {kind: deadline, where: {fund_period: 2021-2027}}"),
             "programme": next(i for i, r in enumerate(rows) if r.startswith("    relative_to"))}
    for attr, line in lines.items():
        warned = f"config.yaml:{line + 1}:" in out and f"attribute '{attr}'" in out
        assert warned == (attr in missing), (attr, out)
    assert (f"{len(missing)} warning(s)" in out) == bool(missing)
