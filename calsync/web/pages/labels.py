"""Every text the dashboard shows, marked for the `dashboard` message catalog
(`calsync/i18n/locale/<lang>/LC_MESSAGES/dashboard.po`; `scripts/catalogs update` after
a change). The templates read them by key (`t.subscribe`), so a page never carries a
text of its own; the kinds' and statuses' names (`t.kind_meeting`) come from
`calsync.i18n.vocabulary`, which the CLI's tables share.

The language is `?lang=` if it names one, else the browser's Accept-Language, else the
config's `language:` (Swedish for the pilot), as `calsync.i18n.negotiate` decides for
every web page.
"""

from __future__ import annotations

from functools import cache

from calsync.i18n.catalogs import N_, translator
from calsync.i18n.languages import Language, parse_language
from calsync.i18n.negotiate import negotiate_language
from calsync.i18n.vocabulary import KIND_NAMES, STATUS_NAMES, kind_name, status_name

__all__ = ["TEXTS", "Labels", "choose_lang", "labels_for"]

Labels = dict[str, str]

TEXTS: dict[str, str] = {
    "title": N_("calsync – timeline"),
    "skip": N_("Skip to the timeline"),
    "timeline": N_("Timeline"),
    "lanes": N_("Levels side by side"),
    "timeline_help": N_("A title that does not fit beside its mark shows when you point at "
                        "the mark or reach it with the Tab key; every event is also in the "
                        "list:"),
    "filters": N_("Filters"),
    "level": N_("Level"),
    "organisation": N_("Organisation"),
    "kind": N_("Kind"),
    "tag": N_("Tag"),
    "from": N_("From"),
    "to": N_("To"),
    "any": N_("any"),
    "apply": N_("Show"),
    "reset": N_("Clear filters"),
    "zoom": N_("Zoom"),
    "zoom_period": N_("Programme period"),
    "zoom_year": N_("Year"),
    "zoom_quarter": N_("Quarter"),
    "zoom_month": N_("Month"),
    "zoom_week": N_("Week"),
    "earlier": N_("← Earlier"),
    "later": N_("Later →"),
    "today": N_("Today"),
    "expand": N_("Show each municipality"),
    "collapse": N_("Merge the municipalities"),
    "periods": N_("Periods"),
    "actual": N_("actual"),
    "builtin": N_("expected"),
    "cancelled": N_("cancelled"),
    "subscribe": N_("Subscribe to this view"),
    "subscribe_help": N_("The same events as on the page, as a calendar feed:"),
    "events": N_("Events in view"),
    "count": N_("events"),
    "none": N_("No events in view."),
    "date": N_("Date"),
    "what": N_("What"),
    "who": N_("Who"),
    "status": N_("Status"),
    "alerts": N_("Misalignments"),
    "alerts_for": N_("Show for"),
    "no_alerts": N_("No firing alerts."),
    "fix": N_("Fix"),
    "owner": N_("Can move"),
    "why": N_("Why"),
    "severity": N_("Severity"),
    "critical": N_("critical"),
    "warning": N_("warning"),
    "info": N_("info"),
    "workflow": N_("Handling"),
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "snoozed": N_("snoozed"),
    "wont_fix": N_("won't fix"),
    "history": N_("History"),
    "resolved": N_("resolved"),
    "resolved_at": N_("Resolved {at}"),
    # calsync.alerts.store records this reason in English; the page shows it translated
    "reason_gone": N_("the misalignment is gone"),
    "ack": N_("Acknowledge"),
    "snooze": N_("Snooze until"),
    "wontfix": N_("Won't fix"),
    "reopen": N_("Reopen"),
    "silence": N_("Silence until"),
    "comment": N_("Comment"),
    "signin_to_act": N_("Sign in to acknowledge, snooze or silence alerts."),
    "signin": N_("Sign in"),
    "signout": N_("Sign out"),
    "signed_in_as": N_("Signed in as"),
    "token": N_("Access token"),
    "signin_help": N_("Give one of the access tokens config.yaml defines (api.tokens)."),
    "signin_failed": N_("The token is not valid."),
    "signin_scope": N_("The token may not handle alerts (it needs the alerts or admin scope)."),
    "sources": N_("Sources"),
    "source": N_("Source"),
    "last_sync": N_("Last synced"),
    "next_run": N_("Next run"),
    "health": N_("Health"),
    "ok": N_("ok"),
    "stale": N_("stale"),
    "failing": N_("failing"),
    "disabled": N_("disabled"),
    "never": N_("never"),
    "by_hand": N_("by hand"),
    "whatif": N_("What if"),
    "whatif_help": N_("Try another date and see every rule's verdict before deciding."),
    "move_to": N_("Move to"),
    "try": N_("Try"),
    "add_step": N_("Add a hypothetical step"),
    "add_step_help": N_("A step like this one (same level, organisation, kind and tags) on "
                        "another date."),
    "step_title": N_("Title"),
    "discard": N_("Discard the what-if"),
    "hypothetical": N_("What if"),
    "whatif_new": N_("What if: new misalignment"),
    "whatif_gone": N_("What if: this misalignment goes away"),
    "whatif_changed": N_("What if: this misalignment changes"),
    "close": N_("Close"),
    "verdicts": N_("Rules"),
    "valid_range": N_("Dates that keep every rule"),
    "appear": N_("new finding"),
    "disappear": N_("goes away"),
    "changed": N_("changes"),
    "unchanged": N_("unchanged"),
    "agenda": N_("Agenda"),
    "upcoming": N_("Upcoming"),
    "deadlines": N_("Deadlines"),
    "decisions": N_("Decisions"),
    "budgets": N_("Budgets"),
    "meetings": N_("Meetings"),
    "out_of_step": N_("out of step"),
    "open_alerts": N_("Open misalignments"),
    "language": N_("Svenska"),
    "back": N_("To the timeline"),
    "action_done": N_("Saved."),
    "expected": N_("expected step"),
    "list_capped": N_("The list shows the first {n}; zoom in or filter to see the rest."),
    "need_signin": N_("Sign in to act on alerts (/signin)."),
    "csrf_refused": N_("Cross-site request refused: reload the page and try again."),
    "action_failed": N_("Could not change alert {id}: {reason}"),
    "no_org": N_("No organisation named {name!r} in config.yaml (organisations:)."),
    "no_action": N_("No alert action {action!r}; known: {known}"),
    "no_file": N_("No dashboard file named {name!r}."),
    "no_event": N_("No event with uid {uid!r} in the timeline."),
    "no_alert": N_("No alert number {id}."),
    "not_found": N_("Not found"),
    "kinds": N_("Kinds"),
}
"""key -> English source text (the msgid)."""


@cache
def labels_for(lang: Language) -> Labels:
    """Every text in `lang` (translated once per process)."""
    t = translator(lang, "dashboard")
    return {**{key: t.gettext(text) for key, text in TEXTS.items()},
            **{f"kind_{kind}": kind_name(kind, lang) for kind in KIND_NAMES},
            **{f"status_{status}": status_name(status, lang) for status in STATUS_NAMES}}


def choose_lang(query: str | None, accept_language: str | None, default: Language
                ) -> Language:
    """`?lang=` when it names a language (anything else is ignored), else the
    browser's preference, else `default`."""
    return negotiate_language(query if parse_language(query) else None, accept_language,
                              default)
