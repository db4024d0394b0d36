"""`deadline`: per partition and year, some event of `a` must happen by a yearly date.

"The council's budget by 30 November" is `by: --11-30` with the year taken from the
budget year (`year: {attr: budget_year, offset: -1}`). `variants` give other dates to
events matching a selector (the deferred December track); `in_years_of` limits the
rule to election years and `not_before` demands the event after an anchor in that year
(the newly elected council). A group passes when any of its events passes, so a June
decision re-adopted in November by the new council is fine.

Built-in expectations and statutory deadlines (`role: expected|deadline`, see
`calsync.steps`) are constraints, never the step itself: a group with only those is no
violation, and near the deadline (`gap_notice`) it is reported once, as `info`, that no
date is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from calsync.config.rulebase import MonthDay
from calsync.config.rules import DeadlineRule
from calsync.rules import kindtexts, texts, wording
from calsync.rules.findings import Context, EventRef, Finding, days_text, length_between
from calsync.rules.keys import key_fn, tuple_key
from calsync.rules.timeline import Item, Shift, in_selection
from calsync.rules.wallclock import wall_date, wall_of_date
from calsync.steps import ACTUAL, DEADLINE, actual_title, step_role
from calsync.workdays import next_working_day

__all__ = ["evaluate"]


_Earliest = tuple[dict[str, Item], Item]  # a year's earliest anchors: per owner, of all


def _day_of(year: int, md: MonthDay) -> date:
    month, day = md
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def evaluate(rule_id: str, rule: DeadlineRule, ctx: Context) -> Iterator[Finding]:
    part = tuple_key([key_fn(k) for k in rule.partition])
    variants = [(ctx.timeline.select(v.when), v) for v in rule.variants]
    years = ({i.year() for i in ctx.select(rule.in_years_of)}
             if rule.in_years_of is not None else None)
    anchors: dict[tuple[int, tuple[str, ...]], list[Item]] = {}
    earliest: dict[tuple[int, tuple[str, ...]], _Earliest] = {}  # see `_anchor`
    anchor_key = tuple_key([key_fn(k) for k in rule.not_before.match]) \
        if rule.not_before is not None else tuple_key([])
    if rule.not_before is not None:
        for found in ctx.select(rule.not_before.selector):
            k = anchor_key(found)
            if k is not None:
                anchors.setdefault((found.year(), k), []).append(found)
    groups: dict[tuple[tuple[str, ...], int], list[tuple[Item, date]]] = {}
    for a in ctx.select(rule.a):
        pk = part(a)
        if pk is None:
            continue
        by, offset = rule.by, rule.year.offset
        for chosen, variant in variants:
            if in_selection(chosen, a):
                by = variant.by
                offset = variant.year_offset if variant.year_offset is not None else offset
                break
        if rule.year.attr is not None:
            raw = a.attrs.get(rule.year.attr)
            if raw is None or not raw.strip().lstrip("-").isdigit():
                continue
            year = int(raw) + rule.year.offset
        else:
            year = a.year() + rule.year.offset
        if years is not None and year not in years:
            continue
        deadline = _day_of(year + (offset - rule.year.offset), by)
        if rule.shift == "next_working_day":
            deadline = next_working_day(deadline, rule.country)
        groups.setdefault((pk, year), []).append((a, deadline))
    count = 0
    notice = Shift.of(rule.gap_notice, -1) if rule.gap_notice is not None else None
    for (pk, year), members in groups.items():
        actual = [(a, d) for a, d in members if step_role(a.attrs) == ACTUAL]
        if not actual:
            # Only expectations and statutory limits: they never satisfy the rule. Once
            # the deadline is near and still no date is known, say so (once, as info).
            gap = _gap(rule_id, rule, ctx, members, year, pk, notice)
            if gap is not None:
                yield gap
                count += 1
            continue
        members = actual
        anchor: Item | None = None
        if rule.not_before is not None:
            anchor = next((_anchor(ctx, earliest, anchors, (year, k), m)
                           for m, _ in members[:1]
                           if (k := anchor_key(m)) is not None and (year, k) in anchors),
                          None)
        floor = anchor.point(rule.not_before.anchor, True) if anchor is not None and \
            rule.not_before is not None else None
        if any((floor is None or a.sd >= floor) and a.sd <= wall_of_date(d)
               for a, d in members):
            continue
        subject, deadline = max(members, key=lambda pair: (pair[0].s, pair[0].id))
        yield _finding(rule_id, rule, ctx, subject, deadline, year, pk, anchor, floor)
        count += 1
        if count >= ctx.cap(rule):
            return


def _anchor(ctx: Context, earliest: dict[tuple[int, tuple[str, ...]], _Earliest],
            anchors: dict[tuple[int, tuple[str, ...]], list[Item]],
            key: tuple[int, tuple[str, ...]], member: Item) -> Item:
    """The anchor a step is measured from: its own organisation's when there is one (the
    municipality's newly elected council, not the region's), else the earliest; the same
    one whatever order the events were stored in (earliest start, then uid).

    Each year's anchors are ranked once per evaluation (`earliest`): looking through
    all of them for every group's step asked for each anchor's owner 430,000 times at
    100,000 events, for a few thousand anchors."""
    found = earliest.get(key)
    if found is None:
        by_owner: dict[str, Item] = {}
        for item in anchors[key]:
            owner = ctx.owner_of(item.actor)
            if owner is None:
                continue
            best = by_owner.get(owner)
            if best is None or (item.s, item.uid) < (best.s, best.uid):
                by_owner[owner] = item
        found = earliest[key] = (by_owner, min(anchors[key], key=lambda i: (i.s, i.uid)))
    owner = ctx.owner_of(member.actor)
    own = found[0].get(owner) if owner is not None else None
    return own if own is not None else found[1]


def _gap(rule_id: str, rule: DeadlineRule, ctx: Context, members: list[tuple[Item, date]],
         year: int, pk: tuple[str, ...], notice: Shift | None) -> Finding | None:
    """The information gap of a group without an actual step, inside `gap_notice`."""
    if notice is None:
        return None
    # The constraint (a statutory deadline) is the finding's subject when there is one.
    subject, deadline = min(members, key=lambda pair: (step_role(pair[0].attrs) != DEADLINE,
                                                       pair[1], pair[0].id))
    due = wall_of_date(deadline)
    if not notice(due) <= ctx.today <= due:
        return None
    ref = EventRef.of(subject)
    # The step as the decision will be called, in the sentence's language: the title
    # without the deadline's own "(senast 30 november)", which the sentence says.
    what = wording.Worded(actual_title(texts.with_owner(ref.title, ref.actor)),
                          tuple((lang, actual_title(texts.with_owner(title, ref.actor)))
                                for lang, title in ref.titles))
    finding = ctx.finish(rule_id, rule, Finding(
        rule_id, rule.kind, {"partition": "|".join(pk), "year": str(year)},
        kindtexts.info_gap(what, deadline), ref, None, due=due,
        need=kindtexts.deadline_required(deadline, None), got=kindtexts.NO_DATE_KNOWN,
        fix=ctx.fix_by(subject.actor, due, verb="set"),
        details={"deadline": deadline.isoformat(), "year": str(year),
                 "information_gap": "true"}))
    finding.severity = "info"  # the lowest, whatever the rule's severity or escalation
    return finding


def _finding(rule_id: str, rule: DeadlineRule, ctx: Context, a: Item, deadline: date,
             year: int, pk: tuple[str, ...], anchor: Item | None, floor: int | None
             ) -> Finding:
    a_ref = EventRef.of(a)
    due = wall_of_date(deadline)
    slack = due - a.sd
    ref = texts.rule_ref(rule_id, rule.title)
    earliest = None
    if floor is not None and a.sd < floor and anchor is not None:
        earliest = wall_date(floor)
        summary = kindtexts.deadline_before_anchor(
            subject=a_ref.label(), anchor=EventRef.of(anchor).label(), year=year,
            first=earliest, last=deadline, rule=ref)
        slack = a.sd - floor
    else:
        summary = kindtexts.deadline_late(subject=a_ref.label(), gap=length_between(due, a.sd),
                                      deadline=deadline, rule=ref)
    fix = ctx.fix_by(a.actor, due, earliest=floor)
    identity = {"partition": "|".join(pk), "year": str(year)}
    return ctx.finish(rule_id, rule, Finding(
        rule_id, rule.kind, identity, summary, a_ref,
        EventRef.of(anchor) if anchor is not None else None, due=due,
        need=kindtexts.deadline_required(deadline, earliest),
        got=wording.msg("{days}", days=wording.Range(a_ref.day, a_ref.last)),
        slack_days=days_text(slack),
        fix=fix, details={"deadline": deadline.isoformat(), "year": str(year)}))
