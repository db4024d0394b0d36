"""Misalignment rules over the unified timeline (issue 5).

- `config`: the rule language (selectors, six rule kinds) as config models;
- `timeline`: compact items, inverted indexes, selectors materialised once;
- `kinds/`: one module per rule kind; `findings`: explained findings with fixes;
- `engine.evaluate`: run rules over a timeline; `rules_touched`: incremental choice;
- `evaluate_and_update`: the store-facing entry point (evaluate, update alerts,
  enqueue notifications), for the CLI, the API and the scheduler.

This package's `__init__` stays import-light (config loading imports `rules.config`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from calsync.alerts.evaluate import EvaluationSummary

__all__ = ["evaluate_and_update"]


def evaluate_and_update(*args: Any, **kwargs: Any) -> EvaluationSummary:
    """See `calsync.alerts.evaluate.evaluate_and_update`."""
    from calsync.alerts.evaluate import evaluate_and_update as run

    return run(*args, **kwargs)


evaluate_and_update.__doc__ = """Run the misalignment rules, update alerts, enqueue notifications.

    evaluate_and_update(runtime, changed_event_ids=None) -> EvaluationSummary
    evaluate_and_update(engine=..., config=..., clock=..., changed_event_ids=[...])

With `changed_event_ids` (the events a sync added, changed or cancelled) only the rules
that can see one of them run; without, every enabled rule runs. Delivery is separate:
`calsync.alerts.notify.drain_outbox`. Full details: `calsync.alerts.evaluate`.
"""
