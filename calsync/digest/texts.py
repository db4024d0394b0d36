"""Every text of the digest e-mail, through the `digest` message catalog (sv and en).

The templates (`templates/*.j2`) hold structure only; the words come from here, already
translated and formatted, so the catalogs are the one place a reader's text lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from calsync.i18n.catalogs import translator
from calsync.i18n.formats import format_day
from calsync.i18n.languages import Language

__all__ = ["DigestTexts"]


@dataclass(frozen=True, slots=True)
class DigestTexts:
    """The digest's words in one language."""

    language: Language

    def gettext(self, message: str) -> str:
        return translator(self.language, "digest").gettext(message)

    def day(self, value: date) -> str:
        return format_day(value, self.language)

    def subject(self, who: str, week: int) -> str:
        return self.gettext("calsync digest for {who}, week {week}").format(who=who, week=week)

    def everyone(self) -> str:
        return self.gettext("every organisation")

    def intro(self, start: date, end: date) -> str:
        text = self.gettext("What is coming from {start} to {end}, and what is out of step.")
        return text.format(start=self.day(start), end=self.day(end))

    def coming(self, weeks: int) -> str:
        t = translator(self.language, "digest")
        return t.ngettext("Coming in the next week", "Coming in the next {weeks} weeks",
                          weeks).format(weeks=weeks)

    def open_heading(self) -> str:
        return self.gettext("Open misalignments")

    def new_heading(self) -> str:
        return self.gettext("New misalignments since the last digest")

    def changed_heading(self) -> str:
        return self.gettext("Changed since the last digest")

    def nothing(self) -> str:
        return self.gettext("Nothing.")

    def fix(self, text: str) -> str:
        return self.gettext("Fix: {fix}").format(fix=text)

    def out_of_step(self, summary: str) -> str:
        return self.gettext("Out of step: {summary}").format(summary=summary)

    def moved(self, title: str, before: str, after: str) -> str:
        return self.gettext("Moved: {title}, from {before} to {after}").format(
            title=title, before=before, after=after)

    def cancelled(self, title: str, when: str) -> str:
        return self.gettext("Cancelled: {title} ({when})").format(title=title, when=when)

    def added(self, title: str, when: str) -> str:
        return self.gettext("New: {title} ({when})").format(title=title, when=when)

    def restored(self, title: str, when: str) -> str:
        return self.gettext("Back on the calendar: {title} ({when})").format(title=title, when=when)

    def due(self, when: str) -> str:
        return self.gettext("due {when}").format(when=when)

    def open_link(self) -> str:
        return self.gettext("Open")

    def footer(self, name: str, since: date) -> str:
        return self.gettext("Subscription {name}; changes counted since {since}.").format(
            name=name, since=self.day(since))
