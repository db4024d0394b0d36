"""`precedes`: A's point + min_lead <= B's point (<= A + max_lead when given).

Two timed events compare to the second; if either is all-day both compare by day, so
a decision on the day a call closes meets `min_lead: P0D`. Durations are added in
wall-clock time, so `P1D` across a summer-time change is one calendar day.
"""

from __future__ import annotations

from collections.abc import Iterator

from calsync.config.rules import PrecedesRule
from calsync.rules import kindtexts, texts, wording
from calsync.rules.findings import Context, EventRef, Finding, days_text, length_between
from calsync.rules.kinds.pairing import pairs
from calsync.rules.timeline import Shift
from calsync.rules.wallclock import DAY, wall_date
from calsync.steps import EXPECTED, step_role

__all__ = ["evaluate"]


def evaluate(rule_id: str, rule: PrecedesRule, ctx: Context) -> Iterator[Finding]:
    lead = Shift.of(rule.min_lead)
    back = Shift.of(rule.min_lead, -1)
    most = Shift.of(rule.max_lead) if rule.max_lead is not None else None
    most_back = Shift.of(rule.max_lead, -1) if rule.max_lead is not None else None
    lead_text = None if lead.zero else wording.Dur(rule.min_lead)
    ref = texts.rule_ref(rule_id, rule.title)
    count = 0
    subjects = ctx.subjects(ctx.select(rule.a))  # all, or a what-if probe's one
    for a, chosen in pairs(subjects, ctx.select(rule.b), rule.join, rule.a_point,
                           rule.b_point):
        for b in chosen:
            day = a.all_day or b.all_day
            ap, bp = a.point(rule.a_point, day), b.point(rule.b_point, day)
            actual = bp - ap
            if bp >= lead(ap) and (most is None or bp <= most(ap)):
                continue
            a_ref, b_ref = EventRef.of(a), EventRef.of(b)
            identity = {"subject_uid": a.uid, "object_uid": b.uid}
            gap = None if wall_date(ap) == wall_date(bp) and abs(actual) < DAY \
                else length_between(ap, bp)
            sides = kindtexts.Pair(a_ref.label(), rule.a_point, a_ref.multi_day, b_ref.label(),
                               rule.b_point, b_ref.multi_day)
            if bp < lead(ap):
                # Only the later event's owner can move: the sentence starts with it.
                turned = ctx.owner_of(a.actor) is None and ctx.owner_of(b.actor) is not None
                expected = wall_date(ap) if step_role(a.attrs) == EXPECTED else None
                if expected is not None:
                    sides = sides._replace(first=wording.msg("{name}", name=a_ref.name()))
                summary = kindtexts.precedes_late(sides, gap=gap, after=actual < 0,
                                              lead=lead_text, turned=turned,
                                              expected_by=expected, rule=ref)
                latest = back(bp)
                finding = Finding(
                    rule_id, rule.kind, identity, summary, a_ref, b_ref, due=latest,
                    need=kindtexts.precedes_required(lead_text),
                    got=kindtexts.precedes_actual(gap, actual < 0),
                    slack_days=days_text(bp - lead(ap)),
                    fix=ctx.fix_by(a.actor, latest),
                    object_fix=None if ctx.owner_of(a.actor) is not None
                    else ctx.fix_from(b.actor, lead(ap)))
            elif most is not None and most_back is not None and bp > most(ap):
                max_text = wording.Dur(rule.max_lead)
                summary = kindtexts.precedes_early(sides, gap=gap or wording.Days(0),
                                               most=max_text, rule=ref)
                earliest = most_back(bp)
                finding = Finding(
                    rule_id, rule.kind, identity, summary, a_ref, b_ref, due=bp,
                    need=kindtexts.precedes_required(lead_text, max_text),
                    got=kindtexts.precedes_actual(gap, False),
                    slack_days=days_text(most(ap) - bp),
                    fix=ctx.fix_from(a.actor, earliest))
            else:
                continue
            yield ctx.finish(rule_id, rule, finding)
            count += 1
            if count >= ctx.cap(rule):
                return
