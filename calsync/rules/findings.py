"""Findings: what is out of step, where, by how much, and what would fix it.

A finding names its rule, the event it is about (`subject`) and the event it is measured
against (`object`), the required and the actual lead, the slack in days (negative: by how
much the rule is missed), the due date (when the misalignment bites; escalation counts
down to it) and a fix where the timeline allows one: the latest (or earliest) date that
satisfies the rule and the actor's nearest scheduled meeting before it.

Identity labels (`alertname`, `rule_kind` and the uids involved) never contain dates,
so a moved decision keeps its alert; everything else is annotation and evidence."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from calsync.config.links import event_link
from calsync.config.organisations import Organisations
from calsync.config.rulebase import RuleBase, SelectorRef, severity_rank
from calsync.config.schema import Config
from calsync.configtypes import Text, text_in
from calsync.i18n.catalogs import translator
from calsync.i18n.languages import LANGUAGES, Language
from calsync.rules import texts, wording
from calsync.rules.timeline import Item, Shift, Timeline
from calsync.rules.wallclock import DAY, wall_date, wall_of_date, wall_to_utc
from calsync.selectors import Selector

__all__ = ["Context", "EventRef", "Finding", "Fix", "days_text", "length_between"]


def _titles(attrs: dict[str, str]) -> tuple[tuple[Language, str], ...]:
    """The `title.<lang>` attributes (`calsync.i18n.events`) of the known languages."""
    return tuple((lang, text) for lang in LANGUAGES if (text := attrs.get(f"title.{lang}")))


@dataclass(frozen=True, slots=True)
class EventRef:
    """An event as a finding cites it: enough to read and to follow the link."""

    uid: str
    title: str
    actor: str
    level: str
    kind: str
    when: str
    url: str | None
    day: date
    last: date
    titles: tuple[tuple[Language, str], ...] = ()
    """The title in other languages, where the source has it (`title.<lang>` attributes)."""

    @classmethod
    def of(cls, item: Item) -> EventRef:
        return cls(uid=item.uid, title=item.title, actor=item.actor, level=item.level,
                   kind=item.kind, when=item.when(), url=item.url, day=item.day(),
                   last=wall_date(item.ed), titles=_titles(item.attrs))

    @property
    def multi_day(self) -> bool:
        return self.last != self.day

    def as_dict(self) -> dict[str, Any]:
        return {"uid": self.uid, "title": self.title, "actor": self.actor,
                "level": self.level, "kind": self.kind, "when": self.when, "url": self.url}

    def name(self) -> wording.Value:
        """`Vindelns kommun: Co-financing decision`: the label without its days, the title
        in the sentence's language where the event has it (`Beslut om medfinansiering`)."""
        own = texts.with_owner(self.title, self.actor)
        if not self.titles:
            return own
        return wording.Worded(own, tuple((lang, texts.with_owner(title, self.actor))
                                         for lang, title in self.titles))

    def label(self) -> wording.Msg:
        """`Vindelns kommun: Co-financing decision (9 June 2026)`, the owner never twice;
        the days only (`21 June – 13 August 2027`): a clock time is no matter of alignment."""
        return texts.label(self.name(), self.day, self.last)


@dataclass(frozen=True, slots=True)
class Fix:
    """A date that would satisfy the rule (`by`: at the latest, `from`: at the earliest)
    and, if the actor meets in time, that meeting."""

    direction: str  # by | from | note (nobody calsync works for can move it)
    date: date
    meeting: EventRef | None
    words: wording.Msg
    owner: str = ""
    working_day: bool = False  # `date` is the working day before a non-working one
    language: Language = "en"

    @property
    def text(self) -> str:
        return self.words.render(self.language)

    def as_dict(self) -> dict[str, Any]:
        return {"direction": self.direction, "date": self.date.isoformat(),
                "meeting": self.meeting.as_dict() if self.meeting else None,
                "text": self.text, "owner": self.owner or None}


@dataclass(slots=True)
class Finding:
    rule_id: str
    kind: str
    identity: dict[str, str]
    message: wording.Msg
    subject: EventRef
    object: EventRef | None
    due: int  # wall seconds
    severity: str = "warning"
    need: wording.Msg | None = None
    got: wording.Msg | None = None
    slack_days: float | None = None
    fix: Fix | None = None
    object_fix: Fix | None = None  # what the object's owner could do instead
    owner: str = ""                # the organisation addressed (empty: nobody can move)
    details: dict[str, str] = field(default_factory=dict)
    rule_title: Text = ""  # as the rule gives it: one string, or {sv, en}
    rationale: Text = ""
    due_at: datetime = field(default_factory=lambda: datetime(1970, 1, 1, tzinfo=UTC))
    due_day: date = date(1970, 1, 1)
    base_url: str = ""
    extra_labels: dict[str, str] = field(default_factory=dict)
    language: Language = "en"  # of `summary`, `fix.text`, annotations (config.language)

    @property
    def summary(self) -> str:
        return self.message.render(self.language)

    @property
    def required(self) -> str | None:
        return self.need.render(self.language) if self.need is not None else None

    @property
    def actual(self) -> str | None:
        return self.got.render(self.language) if self.got is not None else None

    def words(self, language: Language) -> dict[str, str]:
        """What people read, in `language`: summary, fix, description, the rule's title and
        rationale (a rule's plain-string title is the same in both languages)."""
        t = translator(language, "findings")
        out = {"summary": self.message.render(language)}
        parts = [out["summary"]]
        if self.fix is not None:
            out["fix"] = self.fix.words.render(language)
            parts.append(t.gettext(texts.FIX_LINE).format(fix=out["fix"]))
        rationale = text_in(self.rationale, language)
        if rationale:
            parts.append(t.gettext(texts.WHY_LINE).format(rationale=rationale))
        out["description"] = "\n".join(parts)
        out["rule_title"] = text_in(self.rule_title, language)
        out["rationale"] = rationale
        return out

    def identity_labels(self) -> dict[str, str]:
        """The labels the alert's fingerprint is computed over (no dates, no severity)."""
        return {"alertname": self.rule_id, "rule_kind": self.kind, **self.identity}

    def labels(self) -> dict[str, str]:
        """Alertmanager labels: identity plus severity, level and the rule's own."""
        out = {**self.extra_labels, **self.identity_labels(), "severity": self.severity}
        if self.subject.level:
            out.setdefault("level", self.subject.level)
        if self.subject.actor:
            out.setdefault("actor", self.subject.actor)
        if self.owner:
            out.setdefault("owner", self.owner)
        return out

    def description(self) -> str:
        return self.words(self.language)["description"]

    def annotations(self) -> dict[str, str]:
        """Alertmanager annotations: every value a string, the texts in the config's
        language; `summary_sv`, `description_en`, `rule_title_sv`, `rationale_en`, ... carry
        every language, so a receiver, feed or page in the other language reads the same
        alert in its own (`calsync.alerts.notify.payload.localised`)."""
        out = {"summary": self.summary, "description": self.description(),
               "rule_title": text_in(self.rule_title, self.language),
               "rationale": text_in(self.rationale, self.language),
               "due_at": self.due_at.isoformat(), "subject_uid": self.subject.uid,
               "subject_when": self.subject.when}
        if self.subject.url:
            out["subject_url"] = self.subject.url
        if self.base_url and self.subject.uid:
            out["subject_link"] = event_link(self.base_url, self.subject.uid)
        if self.object is not None:
            out["object_uid"] = self.object.uid
            out["object_when"] = self.object.when
            if self.object.url:
                out["object_url"] = self.object.url
            if self.base_url and self.object.uid:
                out["object_link"] = event_link(self.base_url, self.object.uid)
        if self.required is not None:
            out["required"] = self.required
        if self.actual is not None:
            out["actual"] = self.actual
        if self.slack_days is not None:
            out["slack_days"] = _num(self.slack_days)
        if self.fix is not None:
            out["fix"] = self.fix.text
        for language in LANGUAGES:
            for key, text in self.words(language).items():
                out[f"{key}_{language}"] = text
        out.update(self.details)
        return {k: v for k, v in out.items() if v != ""}

    def evidence(self) -> dict[str, Any]:
        def ref(event: EventRef | None) -> dict[str, Any] | None:
            if event is None:
                return None
            out = event.as_dict()
            if self.base_url and event.uid:
                out["link"] = event_link(self.base_url, event.uid)
            return out

        return {"subject": ref(self.subject), "object": ref(self.object),
                "required": self.required, "actual": self.actual,
                "slack_days": self.slack_days, "due_at": self.due_at.isoformat(),
                "fix": self.fix.as_dict() if self.fix else None, "details": self.details}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def length_between(first: int, second: int) -> wording.Length:
    """How far apart two wall instants are, in words (`25 days`, `3 years and 2 months`)."""
    return wording.Length(days_text(second - first), wall_date(min(first, second)),
                        wall_date(max(first, second)))


def days_text(seconds: int) -> float:
    days = seconds / DAY
    return float(round(days)) if abs(days - round(days)) < 1e-9 else round(days, 2)


class _Meetings:
    """Meetings per organisation (or per actor for actors of no configured organisation),
    for "your last meeting before then is Kommunfullmäktige on 26 April 2027"."""

    def __init__(self, items: list[Item], owners: Organisations) -> None:
        self.by_actor: dict[str, list[Item]] = {}
        for item in items:
            key = owners.owner(item.actor, item.attrs.get("body")) or item.actor
            self.by_actor.setdefault(key, []).append(item)
        self.starts = {actor: [i.sd for i in found] for actor, found in self.by_actor.items()}

    def last_between(self, actor: str, earliest: int, latest: int) -> Item | None:
        starts = self.starts.get(actor)
        if not starts:
            return None
        pos = bisect.bisect_right(starts, latest) - 1
        if pos >= 0 and starts[pos] >= earliest:
            return self.by_actor[actor][pos]
        return None

    def first_between(self, actor: str, earliest: int, latest: int | None) -> Item | None:
        starts = self.starts.get(actor)
        if not starts:
            return None
        pos = bisect.bisect_left(starts, earliest)
        if pos < len(starts) and (latest is None or starts[pos] <= latest):
            return self.by_actor[actor][pos]
        return None


class Context:
    """What a rule kind needs while it evaluates: the timeline, named selectors, now."""

    def __init__(self, timeline: Timeline, config: Config, now: datetime) -> None:
        self.timeline = timeline
        self.config = config
        self.tz: ZoneInfo = timeline.tz
        local = now.astimezone(self.tz)
        offset = local.utcoffset()
        self.now = int(now.timestamp()) + (int(offset.total_seconds()) if offset else 0)
        self.today = self.now - self.now % DAY
        self.base_url = (config.alerts.external_url or config.server.base_url).rstrip("/")
        self.owners = config.owners
        self._meetings: _Meetings | None = None
        # Set by a what-if probe (`calsync.rules.probe`): kinds that yield findings A by A
        # then yield only this one's, all else built as in full.
        self.focus: Item | None = None

    def cap(self, rule: RuleBase) -> int:
        """How many findings a rule may yield: its cap plus one, so the engine can tell the
        cap was hit (and say so) without computing the rest."""
        return (rule.max_findings or self.config.alerts.max_findings) + 1

    def subjects(self, a_items: list[Item]) -> list[Item]:
        """The A events a kind yields findings for, in time order: all, or the focus."""
        if self.focus is None:
            return a_items
        return [a for a in a_items if a is self.focus]

    def resolve(self, ref: SelectorRef) -> Selector:
        return self.config.selectors[ref] if isinstance(ref, str) else ref

    def select(self, ref: SelectorRef) -> list[Item]:
        return self.timeline.select(self.resolve(ref))

    @property
    def meetings(self) -> _Meetings:
        if self._meetings is None:
            found = self.timeline.select(self.config.alerts.meetings)
            owners = self.owners
            # Kept with the timeline: every evaluation of a kept timeline, and every
            # what-if probe that leaves the meetings alone, finds them built.
            built = self.timeline.memo("meetings", (found, self.config.organisations),
                                       lambda: _Meetings(found, owners))
            assert isinstance(built, _Meetings)
            self._meetings = built
        return self._meetings

    def owner_of(self, actor: str) -> str | None:
        """The organisation that can move `actor`'s dates; with no `organisations:`
        configured, every actor is its own owner (nothing is known to be external)."""
        if not self.owners:
            return actor or None
        return self.owners.owner(actor)

    def fix_by(self, actor: str, latest: int, *, verb: str = "decide",
               earliest: int | None = None) -> Fix:
        """At the latest on `latest`, and the owner's last meeting in time for it; `verb`
        is a key of the fix sentences in `texts` (decide, move, end, set, successor)."""
        day = wall_date(latest)
        owner = self.owner_of(actor) or ""
        if latest < self.today:
            return Fix("by", day, None, texts.fix_passed(day), owner)
        lower = max(self.today, earliest if earliest is not None else self.today)
        meeting = self.meetings.last_between(owner, lower, latest) if owner else None
        start = wall_date(earliest) if earliest is not None and earliest > self.today \
            else None
        text = texts.fix_by(verb, day, start, meeting.title if meeting else None,
                            meeting.day() if meeting else None)
        return Fix("by", day, EventRef.of(meeting) if meeting else None, text, owner)

    def fix_from(self, actor: str, earliest: int, *, latest: int | None = None) -> Fix:
        """At the earliest on `earliest`: and the owner's first meeting from then."""
        day = wall_date(earliest)
        owner = self.owner_of(actor) or ""
        meeting = self.meetings.first_between(owner, max(earliest, self.today), latest) \
            if owner else None
        text = texts.fix_from(day, meeting.title if meeting else None,
                              meeting.day() if meeting else None)
        return Fix("from", day, EventRef.of(meeting) if meeting else None, text, owner)

    def finish(self, rule_id: str, rule: RuleBase, finding: Finding) -> Finding:
        """Fill in what every finding shares: severity (escalated), rule text, due_at."""
        severity = rule.severity
        for step in rule.escalate:
            if self.now >= Shift.of(step.before_due, -1)(finding.due) and \
                    severity_rank(step.severity) > severity_rank(severity):
                severity = step.severity
        finding.severity = severity
        finding.rule_title = rule.title
        finding.rationale = rule.rationale
        finding.due_at = wall_to_utc(finding.due, self.tz)
        finding.due_day = wall_date(finding.due)
        finding.extra_labels = dict(rule.labels)
        finding.base_url = self.base_url
        finding.language = self.config.language
        address(finding, self.owners)
        return finding


def address(finding: Finding, owners: Organisations) -> None:
    """Address the fix to whoever can move: the subject's owner, else the object's (with
    the object's own fix), else nobody, and the fix becomes a planning note."""
    if finding.fix is None:
        return
    fix = finding.fix
    if not fix.owner and finding.object_fix is not None and finding.object_fix.owner:
        fix = finding.object_fix
    if fix.owner:
        finding.owner = fix.owner
        finding.fix = Fix(fix.direction, fix.date, fix.meeting,
                          texts.addressed(fix.owner, fix.words), fix.owner,
                          language=finding.language)
        return
    if not owners:  # nothing is known to be external: leave the fix as the rule wrote it
        finding.fix = Fix(fix.direction, fix.date, fix.meeting, fix.words, fix.owner,
                          fix.working_day, finding.language)
        return
    actor = finding.subject.actor or (finding.object.actor if finding.object else "")
    finding.fix = Fix("note", fix.date, None,
                      texts.planning_note(actor, fix.direction, fix.date, fix.working_day),
                      language=finding.language)


def date_wall(d: date) -> int:
    return wall_of_date(d)
