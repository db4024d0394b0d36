"""The words of `calsync whatif`'s table in the config's language (issue 12): its title,
headings, effects and the change lines. The `findings` catalog (sv, en) has them beside
the what-if's range sentences (`calsync.rules.texts`)."""

from __future__ import annotations

from calsync.i18n.catalogs import N_, translator
from calsync.i18n.languages import Language

__all__ = ["TABLE", "table_words"]

TABLE = {
    "title": N_("What would change ({rules} rules ran over {events} events, {seconds}s)"),
    "rule": N_("rule"), "effect": N_("effect"), "finding": N_("finding"), "fix": N_("fix"),
    "appear": N_("appears"), "disappear": N_("disappears"), "change": N_("changes"),
    "empty": N_("No finding would appear, disappear or change."),
    "add": N_("add"), "move": N_("move"), "cancel": N_("cancel"),
    "given": N_("given, {op}"),
    "as_actual": N_("tried as the actual step on that day; the statutory deadline ({uid}) "
                    "stays where it is"),
}


def table_words(language: Language) -> dict[str, str]:
    """`TABLE` in `language`."""
    t = translator(language, "findings")
    return {key: t.gettext(text) for key, text in TABLE.items()}
