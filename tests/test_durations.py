"""The one duration helper: ISO-8601 in config, seconds where a length is needed, backoff."""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta

from calsync.durations import backoff, parse_duration, seconds_of, to_seconds


def test_seconds_of_and_to_seconds_agree() -> None:
    assert seconds_of(parse_duration("PT1H30M")) == 5400.0
    assert to_seconds("P1DT1S") == 86401.0
    assert to_seconds(2.5) == 2.5
    with pytest.raises(ValueError, match="not years or months"):
        to_seconds("P1M")
    assert seconds_of(relativedelta(months=1)) == 31 * 86400.0  # measured from January


def test_backoff_doubles_up_to_the_ceiling() -> None:
    assert [backoff(n, base=60, ceiling=600) for n in (1, 2, 3, 4, 5)] == [
        60, 120, 240, 480, 600]
    assert backoff(1, base=5, ceiling=3600, factor=4) == 5
    assert backoff(3, base=5, ceiling=3600, factor=4) == 80
    assert backoff(10_000, base=1, ceiling=7) == 7  # no overflow, however many failures
