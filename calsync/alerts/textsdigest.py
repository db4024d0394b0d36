"""A digest of everything an alert's stored texts are written from.

Bringing alerts in line with findings used to render every finding's annotations in
every language, only to find them equal to the stored ones: at 100,000 events that was
a fifth of `calsync evaluate`. A finding is a tree of frozen values (dates, numbers,
strings, `wording.Msg` with its parameters), so its `repr` names every input of its
texts; the digest of that `repr`, together with a digest of the code and the message
catalogs that turn those inputs into words (`_code_digest`), is stored with the alert.
An equal digest means the texts, labels and evidence would be written exactly as they
are; only a new or changed finding is rendered (`calsync.alerts.store.apply_findings`).

A value whose `repr` is not deterministic would only make the digests differ, which
renders and compares as before: never a stale text.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import babel

from calsync.rules.findings import Finding

__all__ = ["texts_digest"]

_PACKAGE = Path(__file__).resolve().parent.parent


@functools.cache
def _code_digest() -> bytes:
    """The sources and catalogs that write findings' texts, labels and evidence: a new
    wording or translation (an upgrade, a catalog update) changes every digest."""
    files = sorted([*(_PACKAGE / "rules").glob("*.py"), *(_PACKAGE / "i18n").glob("*.py"),
                    *(_PACKAGE / "i18n" / "locale").glob("*/LC_MESSAGES/findings.mo"),
                    _PACKAGE / "config" / "links.py", _PACKAGE / "alerts" / "store.py",
                    Path(__file__).resolve()])
    h = hashlib.sha256(babel.__version__.encode())
    for path in files:
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.digest()


def texts_digest(finding: Finding) -> str:
    """64 hex digits over the finding's inputs and the code that words them."""
    h = hashlib.sha256(_code_digest())
    h.update(repr(finding).encode())
    return h.hexdigest()
