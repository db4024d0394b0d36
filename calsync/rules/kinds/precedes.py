"""`precedes`: A's point + min_lead <= B's point (<= A + max_lead when given).

Two timed events compare to the second; if either is all-day both compare by day, so
a decision on the day a call closes meets `min_lead: P0D`. Durations are added in
wall-clock time, so `P1D` across a summer-time change is one calendar day.
"""

from __future__ import annotations

from collections.abc import Iterator

from calsync.rules import texts
from calsync.rules.config import PrecedesRule
from calsync.rules.findings import Context, EventRef, Finding, days_text, plural_days
from calsync.rules.kinds.pairing import pairs
from calsync.rules.timeline import Shift

__all__ = ["evaluate"]


def evaluate(rule_id: str, rule: PrecedesRule, ctx: Context) -> Iterator[Finding]:
    lead = Shift.of(rule.min_lead)
    back = Shift.of(rule.min_lead, -1)
    most = Shift.of(rule.max_lead) if rule.max_lead is not None else None
    most_back = Shift.of(rule.max_lead, -1) if rule.max_lead is not None else None
    min_text = texts.duration(rule.min_lead)
    a_word = "ends" if rule.a_point == "end" else "starts"
    b_word = "starts" if rule.b_point == "start" else "ends"
    count = 0
    for a, chosen in pairs(ctx.select(rule.a), ctx.select(rule.b), rule.join,
                           rule.a_point, rule.b_point):
        for b in chosen:
            day = a.all_day or b.all_day
            ap, bp = a.point(rule.a_point, day), b.point(rule.b_point, day)
            actual = bp - ap
            if bp >= lead(ap) and (most is None or bp <= most(ap)):
                continue
            a_ref, b_ref = EventRef.of(a), EventRef.of(b)
            identity = {"subject_uid": a.uid, "object_uid": b.uid}
            if bp < lead(ap):
                if actual < 0:
                    how = f"is {plural_days(days_text(actual))} after"
                elif actual == 0:
                    how = "is on the same day as" if day else "is at the same time as"
                else:
                    how = f"is only {plural_days(days_text(actual))} before"
                need = ("by then" if lead.zero else
                        f"at least {min_text} before ({a_word} → {b_word})")
                summary = (f"{a_ref.label()} {how} {b_ref.label()}; rule {rule_id} requires "
                           f"it {need}")
                latest = back(bp)
                finding = Finding(
                    rule_id, rule.kind, identity, summary, a_ref, b_ref, due=latest,
                    required=f"lead ≥ {min_text}", actual=f"lead {days_text(actual):g} days",
                    slack_days=days_text(bp - lead(ap)),
                    fix=ctx.fix_by(a.actor, latest),
                    object_fix=None if ctx.owner_of(a.actor) is not None
                    else ctx.fix_from(b.actor, lead(ap), verb="move it"))
            elif most is not None and most_back is not None and bp > most(ap):
                max_text = texts.duration(rule.max_lead)
                summary = (f"{a_ref.label()} is {plural_days(days_text(actual))} before "
                           f"{b_ref.label()}, more than the {max_text} rule {rule_id} allows")
                earliest = most_back(bp)
                finding = Finding(
                    rule_id, rule.kind, identity, summary, a_ref, b_ref, due=bp,
                    required=f"lead ≤ {max_text}", actual=f"lead {days_text(actual):g} days",
                    slack_days=days_text(most(ap) - bp),
                    fix=ctx.fix_from(a.actor, earliest, verb="move it"))
            else:
                continue
            yield ctx.finish(rule_id, rule, finding)
            count += 1
            if count >= ctx.cap(rule):
                return
