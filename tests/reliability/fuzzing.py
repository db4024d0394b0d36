"""How many cases the fuzz tests run: a small count in CI, the large one from `scripts/fuzz`
(CALSYNC_FUZZ_EXAMPLES), so the suite stays well under its 30-minute budget."""

from __future__ import annotations

import os

__all__ = ["fuzz_examples"]


def fuzz_examples(default: int) -> int:
    value = os.environ.get("CALSYNC_FUZZ_EXAMPLES", "")
    return int(value) if value.isdigit() and int(value) > 0 else default
