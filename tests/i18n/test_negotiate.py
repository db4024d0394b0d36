"""A request's language: ?lang=, then Accept-Language (q-values), then the default."""

from __future__ import annotations

import pytest

from calsync.i18n.negotiate import accepted_languages, negotiate_language


@pytest.mark.parametrize(
    ("query", "header", "default", "expected"),
    [
        (None, None, "sv", "sv"),
        (None, None, "en", "en"),
        ("en", "sv-SE,sv;q=0.9", "sv", "en"),  # the query wins
        (None, "sv-SE,sv;q=0.9,en;q=0.8", "en", "sv"),
        (None, "en-GB,en;q=0.9,sv;q=0.8", "sv", "en"),
        (None, "de-DE, sv;q=0.5, en;q=0.4", "en", "sv"),  # first one we have
        (None, "en;q=0.3, sv;q=0.7", "en", "sv"),  # q-values, not order
        (None, "sv;q=0, en;q=0.1", "sv", "en"),  # q=0 means not this
        (None, "fr, de", "sv", "sv"),  # none we have: the default
        (None, "*", "en", "en"),
        (None, "sv-FI", "en", "sv"),
    ],
)
def test_negotiation(query: str | None, header: str | None, default: str, expected: str) -> None:
    assert negotiate_language(query, header, default) == expected  # type: ignore[arg-type]


def test_accepted_languages_orders_by_quality_then_position() -> None:
    assert accepted_languages("a;q=0.5, b, c;q=0.5, d;q=bad") == ["b", "a", "c"]
