"""A rule's title and rationale in the sentence's language (issue 12): `{sv: ..., en: ...}`
is quoted in Swedish in a Swedish finding and in English in an English one (the summary's
"regel R1: …", the description's "Varför:" line, the annotations each reader's language
is taken from); one plain string stays valid and reads as written in both; and every rule
the pilot ships says both."""

from __future__ import annotations

import pytest

from calsync.alerts.notify.payload import localised
from calsync.config import load_config
from calsync.config.rules import KNOWN_KINDS
from calsync.configtypes import Localized
from calsync.rules.findings import Finding
from tests.conftest import REPO
from tests.rules.test_config import problems
from tests.rules.test_kinds import PRECEDES, call, cofin
from tests.rules.timelines import findings

TITLE_SV = "medfinansieringen beslutas innan utlysningen stänger"
TITLE_EN = "co-financing decided before the call closes"
WHY_SV = "Ett beslut efter att utlysningen har stängt kan inte ligga till grund för ansökan."
WHY_EN = "A decision after the call closes cannot back the application."

BOTH = PRECEDES.replace(
    "    title: co-financing before the call closes\n"
    "    rationale: A decision after the call closes cannot back the application.\n",
    f"    title: {{sv: {TITLE_SV}, en: {TITLE_EN}}}\n"
    f"    rationale:\n      sv: {WHY_SV}\n      en: {WHY_EN}\n")


def r1(text: str, language: str = "en") -> Finding:
    [found] = findings(f"language: {language}\n{text}", [call(), cofin("2026-06-09")])
    return found


def test_both_languages_follow_the_sentence() -> None:
    assert BOTH != PRECEDES
    for language in ("sv", "en"):  # the install's language changes only the plain keys
        notes = r1(BOTH, language).annotations()
        assert notes["summary_sv"].endswith(f"(regel R1: {TITLE_SV})")
        assert notes["summary_en"].endswith(f"(rule R1: {TITLE_EN})")
        assert notes["description_sv"].endswith(f"\nVarför: {WHY_SV}")
        assert notes["description_en"].endswith(f"\nWhy: {WHY_EN}")
        assert (notes["rule_title_sv"], notes["rationale_sv"]) == (TITLE_SV, WHY_SV)
        assert (notes["rule_title_en"], notes["rationale_en"]) == (TITLE_EN, WHY_EN)
        assert (notes["rule_title"], notes["rationale"]) == (
            (TITLE_SV, WHY_SV) if language == "sv" else (TITLE_EN, WHY_EN))
        assert notes["summary"] == notes[f"summary_{language}"]
        # a receiver, the API, a card or a digest in the other language reads its own
        for other, title, why in (("sv", TITLE_SV, WHY_SV), ("en", TITLE_EN, WHY_EN)):
            shown = localised(notes, other)
            assert (shown["rule_title"], shown["rationale"]) == (title, why)
            assert title in shown["summary"] and why in shown["description"]
    english = r1(BOTH).annotations()
    assert "medfinansiering" not in english["summary_en"] + english["description_en"]
    assert "co-financing" not in english["summary_sv"] + english["description_sv"]


def test_a_plain_string_reads_as_written_in_every_language() -> None:
    notes = r1(PRECEDES, "sv").annotations()
    plain_title, plain_why = ("co-financing before the call closes",
                              "A decision after the call closes cannot back the application.")
    assert notes["summary_sv"].endswith(f"(regel R1: {plain_title})")
    assert notes["summary_en"].endswith(f"(rule R1: {plain_title})")
    assert notes["description_sv"].endswith(f"\nVarför: {plain_why}")
    assert notes["description_en"].endswith(f"\nWhy: {plain_why}")
    assert notes["rule_title_sv"] == notes["rule_title_en"] == notes["rule_title"] == plain_title
    assert notes["rationale_sv"] == notes["rationale_en"] == plain_why


def test_no_title_or_rationale_says_neither() -> None:
    bare = PRECEDES.replace("    title: co-financing before the call closes\n", "").replace(
        "    rationale: A decision after the call closes cannot back the application.\n", "")
    notes = r1(bare, "sv").annotations()
    assert notes["summary_sv"].endswith("(regel R1)")
    assert "Varför" not in notes["description_sv"] and "Why" not in notes["description_en"]
    assert not any(key.startswith(("rule_title", "rationale")) for key in notes)


def test_a_changed_title_in_either_language_changes_the_finding() -> None:
    """Stored alerts are re-rendered when their finding's inputs change
    (`calsync.alerts.textsdigest` digests the finding's repr): both languages are in it."""
    base = repr(r1(BOTH))
    assert repr(r1(BOTH.replace(TITLE_SV, TITLE_SV + " i tid"))) != base
    assert repr(r1(BOTH.replace(TITLE_EN, TITLE_EN + " in time"))) != base
    assert repr(r1(BOTH.replace(WHY_SV, WHY_SV + " Se KL."))) != base


@pytest.mark.parametrize("text", ["{sv: '', en: the English}", "{sv: den svenska, en: ' '}"])
def test_both_languages_means_both_texts(text: str) -> None:
    [problem] = problems(BOTH.replace(f"{{sv: {TITLE_SV}, en: {TITLE_EN}}}", text))
    assert problem == ("config.yaml:9: rules.R1.title: give the text in both languages "
                       "({sv: ..., en: ...}), or one plain string for both")


def test_a_language_missing_is_located() -> None:
    found = problems(BOTH.replace(f"      en: {WHY_EN}\n", ""))
    assert any("rules.R1.rationale.en" in p for p in found), found


def test_every_bundled_rule_says_its_title_and_rationale_in_both_languages() -> None:
    """The pilot's readers are Swedish civil servants: a rule of config.yaml whose title
    or rationale is one plain string (or the same text twice) mixes English into every
    Swedish finding, alert, e-mail and feed that quotes it."""
    config = load_config(REPO / "config.yaml")
    assert config.rules and {r.kind for r in config.rules.values()} <= set(KNOWN_KINDS)
    missing = []
    for rule_id, rule in config.rules.items():
        for key in ("title", "rationale"):
            value = getattr(rule, key)
            if not (isinstance(value, Localized) and value.sv.strip() and value.en.strip()
                    and value.sv != value.en):
                missing.append(f"{rule_id}.{key}: {value!r}")
    assert missing == []
