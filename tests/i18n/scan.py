"""A scan for text that bypasses the catalogs: prose literals outside gettext calls.

A string constant (or an f-string) with two words or more, in a module of a catalog
domain, is a text a person may read; it must be an argument of a translation call
(`gettext`, `ngettext`, `pgettext`, `npgettext`, `N_`). Not text:

- docstrings, `__all__`, log messages (`log.info(...)`, `logger.warning(...)`);
- schema documentation for admins and developers: the `description=`, `summary=`,
  `title=` and `help=` keywords of a call (pydantic fields, FastAPI routes);
- a line that says why with a `# i18n: not text (REASON)` comment (admin-facing config
  errors, protocol tokens).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from babel.util import pathmatch

from calsync.i18n.catalogs import DOMAINS, LOCALE_DIR, Domain

REPO = Path(__file__).resolve().parents[2]
TRANSLATE = frozenset({"gettext", "ngettext", "pgettext", "npgettext", "N_"})
LOGGING = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
LOGGERS = frozenset({"log", "logger", "_log", "_logger", "LOG", "LOGGER"})
DOC_KEYWORDS = frozenset({"description", "summary", "title", "help"})
PRAGMA = "# i18n: not text"
PROSE = re.compile(r"[^\W\d_]{2,}[,.:;!?)]?\s+\S")
"""A word and more after a space: "Starts: {title}" is prose, "END:VEVENT" is not."""


@dataclass(frozen=True, slots=True)
class Bypass:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text!r} bypasses the message catalogs"


def domain_files(domain: Domain, root: Path = REPO) -> list[Path]:
    """The Python files the Babel mapping of `domain` names (what extraction reads)."""
    patterns = []
    for line in (LOCALE_DIR / f"{domain}.cfg").read_text(encoding="utf-8").splitlines():
        if m := re.fullmatch(r"\[python:\s*(.+?)\s*\]", line.strip()):
            patterns.append(m.group(1))
    found = []
    for top in ("calsync", "connectors"):
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if any(pathmatch(p, rel) for p in patterns):
                found.append(path)
    return found


def all_domain_files() -> list[tuple[Domain, Path]]:
    return [(d, p) for d in DOMAINS for p in domain_files(d)]


def bypasses(path: Path, root: Path = REPO) -> list[Bypass]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    skip: set[int] = set()  # ids of nodes that are not text

    def skip_all(node: ast.AST) -> None:
        skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip_all(node)  # docstrings, of modules, classes, functions and attributes
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in DOC_KEYWORDS:
                    skip_all(value)  # responses={404: {"description": ...}}
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip_all(node)
        if isinstance(node, ast.Call):
            name = _called(node.func)
            if name in TRANSLATE or (name in LOGGING and _logger(node.func)):
                skip_all(node)
            for keyword in node.keywords:
                if keyword.arg in DOC_KEYWORDS:
                    skip_all(keyword.value)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        text = _text(node)
        if text is None or not PROSE.search(text):
            continue
        end = getattr(node, "end_lineno", node.lineno)  # type: ignore[attr-defined]
        span = lines[node.lineno - 1 : end]  # type: ignore[attr-defined]
        if any(PRAGMA in line for line in span):
            continue
        found.append(
            Bypass(
                path.relative_to(root).as_posix(),
                node.lineno,  # type: ignore[attr-defined]
                text,
            )
        )
        skip_all(node)
    return found


def _called(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _logger(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in LOGGERS
    )


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else " {} " for v in node.values)
    return None
