"""The rule language in config.yaml: every mistake with its file and line."""

from __future__ import annotations

import pytest

from calsync.config import load_config_text
from calsync.config.rules import KNOWN_KINDS, BlackoutRule, PrecedesRule
from calsync.errors import ConfigError


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    return [str(p) for p in caught.value.problems]


def test_a_valid_rule_set_loads_with_named_and_inline_selectors() -> None:
    config = load_config_text("""
selectors:
  cofin: {kind: decision, tags: {all: [co-financing]}, actor: "* kommun"}
rules:
  R1:
    kind: precedes
    a: cofin
    b: {kind: deadline, tags: [call]}
    join: {keys: [programme], pick: nearest}
    min_lead: P14D
    escalate: [{before_due: P90D, severity: warning}, {before_due: P30D, severity: critical}]
  july:
    kind: blackout
    a: cofin
    windows: [{yearly: {from: --07-01, to: --07-31}}]
""")
    r1 = config.rules["R1"]
    assert isinstance(r1, PrecedesRule) and r1.a == "cofin" and r1.join.keys == ["programme"]
    assert r1.min_lead is not None and r1.min_lead.days == 14
    july = config.rules["july"]
    assert isinstance(july, BlackoutRule) and july.windows[0].yearly is not None
    assert july.windows[0].yearly.from_ == (7, 1)


def test_unknown_kind_lists_the_known_kinds_at_its_line() -> None:
    [problem] = problems("rules:\n  R1:\n    kind: precedez\n    a: x\n")
    assert problem.startswith("config.yaml:3: rules.R1.kind: unknown rule kind 'precedez'")
    assert all(kind in problem for kind in KNOWN_KINDS)


def test_unknown_selector_is_reported_at_its_line() -> None:
    found = problems("""
selectors:
  cofin: {kind: decision}
rules:
  R1:
    kind: precedes
    a: cofin
    b: calls
""")
    assert found == ["config.yaml:8: rules.R1.b: unknown selector 'calls'; known selectors: "
                     "cofin (define it under 'selectors:')"]


def test_bad_values_are_located() -> None:
    found = problems("""
rules:
  R1:
    kind: deadline
    a: {kind: budget}
    by: --13-01
  R2:
    kind: within
    a: {kind: decisoin}
  R3:
    kind: precedes
    a: {level: eu}
    b: {level: eu}
    min_lead: 14 days
""")
    assert "config.yaml:6: rules.R1.by: not a day of the year: '--13-01'" in found
    assert any(p.startswith("config.yaml:7: rules.R2:") and "exactly one of 'window'" in p
               for p in found)
    assert any(p.startswith("config.yaml:14: rules.R3.min_lead:") and "ISO-8601" in p
               for p in found)


def test_inline_selector_levels_and_kinds_are_checked() -> None:
    found = problems("""
rules:
  R1:
    kind: within
    a: {kind: decisoin}
    window: {to: 2029-12-31}
""")
    assert found == ["config.yaml:5: rules.R1.a.kind[0]: unknown kind 'decisoin'; known: "
                     "blackout, budget, consultation, deadline, decision, election, holiday, "
                     "meeting, period, report"]


def test_receivers_are_validated() -> None:
    found = problems("""
alerts:
  receivers:
    chat: {type: webhook}
    mail: {type: sms, to: [a@b]}
""")
    assert found == [
        "config.yaml:4: alerts.receivers.chat.url: required key is missing",
        "config.yaml:5: alerts.receivers.mail.type: unknown receiver type 'sms'; known types: "
        "webhook, email, digest"]
