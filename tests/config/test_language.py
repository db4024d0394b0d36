"""`language:` in config.yaml: top level, per feed and per receiver; typos are located."""

from __future__ import annotations

import pytest

from calsync.config import load_config, load_config_text
from calsync.errors import ConfigError
from tests.conftest import REPO


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config_text(text)
    return [str(p) for p in info.value.problems]


def test_english_when_unset_and_each_feed_follows_the_install() -> None:
    config = load_config_text("feeds:\n  eu: {title: EU, select: {level: eu}}\n")
    assert config.language == "en"
    assert config.feed_language(config.feeds["eu"]) == "en"
    assert config.feed_language(None) == "en"


def test_a_feed_may_speak_another_language_than_the_install() -> None:
    config = load_config_text(
        "language: sv\nfeeds:\n  eu: {title: EU, language: en}\n  se: {title: SE}\n"
    )
    assert config.language == "sv"
    assert config.feed_language(config.feeds["eu"]) == "en"
    assert config.feed_language(config.feeds["se"]) == "sv"


def test_the_pilot_speaks_swedish() -> None:
    assert load_config(REPO / "config.yaml").language == "sv"


def test_receivers_take_a_language() -> None:
    config = load_config_text(
        "alerts:\n  receivers:\n"
        "    hook: {type: webhook, url: 'http://127.0.0.1:9/', language: sv}\n"
    )
    assert config.alerts.receivers["hook"].language == "sv"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("timezone: Europe/Stockholm\nlanguage: se\n", "config.yaml:2: language"),
        (
            "feeds:\n  eu:\n    title: EU\n    language: English\n",
            "config.yaml:4: feeds.eu.language",
        ),
        (
            "alerts:\n  receivers:\n    hook:\n      type: webhook\n      url: http://127.0.0.1:9/\n"
            "      language: de\n",
            "config.yaml:6: alerts.receivers.hook.language",
        ),
    ],
)
def test_a_wrong_language_is_a_located_problem(text: str, where: str) -> None:
    [problem] = _problems(text)
    assert problem.startswith(where), problem
    assert "'sv'" in problem and "'en'" in problem, problem
