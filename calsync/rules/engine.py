"""Evaluating the rules over a timeline: every rule, or only those a change touches.

`evaluate(config, timeline, now)` runs each enabled rule's kind over the shared,
materialised selectors and returns the findings (history older than
`alerts.lookback` dropped), with the time each rule took. `rules_touched(...)` picks
the rules whose selectors contain any of a set of changed events, so a sync that
moved one council meeting re-runs the few rules that can see it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calsync.config.rulebase import RuleBase
from calsync.config.schema import Config
from calsync.model import Event, Status
from calsync.perf import no_gc_pauses
from calsync.rules import texts
from calsync.rules.findings import Context, Finding
from calsync.rules.kinds import blackout, coverage, deadline, no_overlap, precedes, within
from calsync.rules.timeline import Item, Shift, Timeline, in_selection
from calsync.selectors import Selector

__all__ = ["KINDS", "Evaluation", "bounds", "evaluate", "rules_touched", "selectors_of"]

log = logging.getLogger("calsync.rules")

KINDS: dict[str, Callable[[str, Any, Context], Iterator[Finding]]] = {
    "precedes": precedes.evaluate,
    "within": within.evaluate,
    "no_overlap": no_overlap.evaluate,
    "blackout": blackout.evaluate,
    "coverage": coverage.evaluate,
    "deadline": deadline.evaluate,
}


@dataclass
class Evaluation:
    findings: list[Finding]
    rules: list[str]
    seconds: dict[str, float] = field(default_factory=dict)
    events: int = 0
    warnings: list[str] = field(default_factory=list)

    def by_rule(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {rule: [] for rule in self.rules}
        for finding in self.findings:
            out.setdefault(finding.rule_id, []).append(finding)
        return out


def selectors_of(config: Config, rule: RuleBase) -> list[Selector]:
    """Every selector a rule reads, resolved (names looked up, variants included)."""
    out = [config.selectors[ref] if isinstance(ref, str) else ref
           for _, ref in rule.selector_refs()]
    out += [v.when for v in getattr(rule, "variants", [])]
    return out


def bounds(config: Config, rule: RuleBase, ctx: Context, *, lookback: bool = True
           ) -> tuple[int | None, int | None]:
    """The due dates (wall seconds, None: open) between which a rule's findings are kept:
    older than `alerts.lookback` is history, past the rule's `horizon` is not yet news.
    One function, so a what-if probe (`calsync.rules.probe`) keeps what `evaluate` keeps."""
    cutoff = None
    if lookback and config.alerts.lookback is not None:
        cutoff = Shift.of(config.alerts.lookback, -1)(ctx.today)
    ahead = Shift.of(rule.horizon)(ctx.today) if rule.horizon is not None else None
    return cutoff, ahead


def evaluate(config: Config, timeline: Timeline, now: datetime,
             rule_ids: Iterable[str] | None = None, *, lookback: bool = True,
             until: Callable[[Finding], bool] | None = None) -> Evaluation:
    """Run the rules (all enabled ones, or `rule_ids`) and collect their findings.

    `until`: stop at the first collected finding it holds for (that one is the last of
    the findings): a what-if probe asks only whether some finding names its event, and
    the findings before that one are exactly the ones a full evaluation lists first.
    """
    with no_gc_pauses():
        return _evaluate(config, timeline, now, rule_ids, lookback=lookback, until=until)


def _evaluate(config: Config, timeline: Timeline, now: datetime,
              rule_ids: Iterable[str] | None, *, lookback: bool,
              until: Callable[[Finding], bool] | None) -> Evaluation:
    ctx = Context(timeline, config, now)
    wanted = list(config.rules) if rule_ids is None else [r for r in rule_ids
                                                           if r in config.rules]
    findings: list[Finding] = []
    seconds: dict[str, float] = {}
    ran: list[str] = []
    warnings: list[str] = []
    stopped = False
    for rule_id in wanted:
        rule = config.rules[rule_id]
        if not rule.enabled:
            continue
        started = time.perf_counter()
        cutoff, ahead = bounds(config, rule, ctx, lookback=lookback)
        cap = ctx.cap(rule) - 1
        for n, finding in enumerate(KINDS[rule.kind](rule_id, rule, ctx)):
            if n >= cap:
                warnings.append(texts.cap_reached(rule_id, cap))
                break
            if (cutoff is None or finding.due >= cutoff) and (ahead is None
                                                              or finding.due <= ahead):
                findings.append(finding)
                if until is not None and until(finding):
                    stopped = True
                    break
        seconds[rule_id] = time.perf_counter() - started
        ran.append(rule_id)
        if stopped:
            break
    for warning in warnings:
        log.warning("%s", warning)
    return Evaluation(findings, ran, seconds, len(timeline), warnings)


def rules_touched(config: Config, timeline: Timeline, changed: Iterable[Event]) -> list[str]:
    """Rules with a selector that contains any of `changed` (as stored now).

    A cancelled event is off the timeline, so it is tested with `Selector.matches` as if
    it were still confirmed: a rule that saw it before must run again to resolve.
    """
    present: list[Item] = []
    absent: list[Event] = []
    for event in changed:
        if (item := timeline.by_id.get(event.id)) is not None:
            present.append(item)
        else:
            absent.append(event)
    revived = [e.data.with_(status=Status.CONFIRMED) for e in absent]
    out = []
    for rule_id, rule in config.rules.items():
        if not rule.enabled:
            continue
        for selector in selectors_of(config, rule):
            if any(in_selection(timeline.select(selector), item) for item in present):
                out.append(rule_id)
                break
            if any(selector.model_copy(update={"status": None}).matches(data, event.source)
                   for data, event in zip(revived, absent, strict=True)):
                out.append(rule_id)
                break
    return out
