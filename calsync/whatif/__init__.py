"""What-if: "if we decide on 15 December, what breaks?", answered on the in-memory
timeline without writing anything (issue 15)."""

from calsync.whatif.changes import (
    Add,
    Cancel,
    Change,
    Move,
    WhatIfInputError,
    parse_changes,
)
from calsync.whatif.run import run_whatif

__all__ = ["Add", "Cancel", "Change", "Move", "WhatIfInputError", "parse_changes", "run_whatif"]
