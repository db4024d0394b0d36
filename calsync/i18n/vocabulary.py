"""The names of the built-in event kinds and statuses, as people read them.

Kinds are keys in the store, the config and the feeds (`meeting`, `budget`); people
read them as words in their language ("sammanträde", "budget"). The dashboard's filter,
legend and list, the CLI's agenda and timeline tables say them through here, so a kind
has one Swedish name everywhere. A kind that config.yaml adds (`kinds:`) has no entry
and shows as written.
"""

from __future__ import annotations

from functools import cache

from calsync.i18n.catalogs import N_, translator
from calsync.i18n.languages import Language

__all__ = ["KIND_NAMES", "STATUS_NAMES", "kind_name", "status_name"]

KIND_NAMES = {
    "decision": N_("decision"),
    "budget": N_("budget"),
    "deadline": N_("deadline"),
    "consultation": N_("consultation"),
    "meeting": N_("meeting"),
    "period": N_("period"),
    "election": N_("election"),
    "report": N_("report"),
    "holiday": N_("holiday"),
    "blackout": N_("blackout"),
}
"""The built-in kinds (calsync.model.DEFAULT_KINDS) -> their English name (the msgid)."""

STATUS_NAMES = {"confirmed": N_("confirmed"), "tentative": N_("tentative")}
"""The statuses an event shows by name (a cancelled one is struck through or marked
cancelled where it is shown)."""


@cache
def _names(language: Language) -> tuple[dict[str, str], dict[str, str]]:
    t = translator(language, "calsync")
    return ({k: t.gettext(v) for k, v in KIND_NAMES.items()},
            {k: t.gettext(v) for k, v in STATUS_NAMES.items()})


def kind_name(kind: str, language: Language) -> str:
    """`kind` as a word in `language`; a kind of the config's own as written."""
    return _names(language)[0].get(kind, kind)


def status_name(status: str, language: Language) -> str:
    return _names(language)[1].get(status, status)
