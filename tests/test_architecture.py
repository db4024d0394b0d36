"""The layout holds: a light package root and a README map that names every package.

The layer contracts themselves are import-linter's (`[tool.importlinter]` in
pyproject.toml, run by `scripts/test`); these are the checks it cannot express.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("sqlalchemy", "httpx", "alembic", "fastapi", "pydantic")


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    return list(json.loads(out))


def test_importing_the_model_loads_no_runtime() -> None:
    loaded = _loaded_after("import calsync.model")
    heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
    assert heavy == [], f"import calsync.model loads {heavy}"
    ours = [m for m in loaded if m == "calsync" or m.startswith("calsync.")]
    assert ours == ["calsync", "calsync.model"], ours


def test_the_root_names_only_the_version() -> None:
    loaded = _loaded_after("import calsync")
    assert [m for m in loaded if m.startswith("calsync")] == ["calsync"]


def _packages() -> list[str]:
    """Every package of calsync and connectors, as a README path (`calsync/sdk/`)."""
    found = []
    for top in ("calsync", "connectors"):
        for init in sorted((REPO / top).rglob("__init__.py")):
            rel = init.parent.relative_to(REPO).as_posix()
            if "/migrations" not in rel:
                found.append(rel + "/")
    return found


def test_readme_layout_names_every_package() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z0-9_/]+/)`", section))
    missing = [p for p in _packages() if p not in named]
    assert missing == [], f"README ## Layout does not name {missing}"


# One owner per table (issue 10): each table object of calsync/store/tables.py is named
# by its owner module only; every other module asks the owner. The events table has
# several store modules (one would pass 400 lines): all are the store's.
OWNERS = {
    "events": {"calsync/store/events.py", "calsync/store/feedrows.py", "calsync/store/facts.py",
               "calsync/store/search.py"},
    "event_revisions": {"calsync/store/events.py"},
    "timeline_snapshots": {"calsync/store/snapshots.py"},
    "sources": {"calsync/store/sources.py"},
    "sync_runs": {"calsync/store/sources.py"},
    "feed_tokens": {"calsync/feeds/tokens.py"},
    "scheduler_runs": {"calsync/scheduler/ledger.py"},
    "alerts": {"calsync/alerts/store.py"},
    "alert_transitions": {"calsync/alerts/store.py"},
    "silences": {"calsync/alerts/silences.py"},
    "notification_groups": {"calsync/alerts/notify/dispatch.py"},
    "notification_outbox": {"calsync/alerts/notify/outbox.py"},
    "config_reloads": {"calsync/store/reloads.py"},
    "config_instances": {"calsync/store/reloads.py"},
}
# SQL keywords in capitals: "from events" in prose is not a query.
_RAW_SQL = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+\"?(" + "|".join(OWNERS) + r")\b")


def _table_references(path: Path) -> set[str]:
    """The tables a module names: imported from calsync.store.tables (under any alias),
    reached as an attribute of that module, or written in raw SQL text."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    module_aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "calsync.store.tables":
            found |= {a.name for a in node.names if a.name in OWNERS}
        elif isinstance(node, ast.ImportFrom) and node.module == "calsync.store":
            module_aliases |= {a.asname or a.name for a in node.names if a.name == "tables"}
        elif isinstance(node, ast.Import):
            module_aliases |= {a.asname or a.name for a in node.names
                               if a.name == "calsync.store.tables"}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= {m.group(1) for m in _RAW_SQL.finditer(node.value)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in OWNERS \
                and ast.unparse(node.value) in module_aliases | {"calsync.store.tables"}:
            found.add(node.attr)
    return found


def test_every_table_has_one_owner() -> None:
    from calsync.store.tables import metadata

    assert sorted(metadata.tables) == sorted(OWNERS), "give a new table its owner module"
    trespass = []
    for top in ("calsync", "connectors"):
        for path in sorted((REPO / top).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if "/migrations/" in rel or rel == "calsync/store/tables.py":
                continue
            for table in sorted(_table_references(path)):
                if rel not in OWNERS[table]:
                    trespass.append(f"{rel} names table {table} (owner: "
                                    f"{', '.join(sorted(OWNERS[table]))})")
    assert trespass == [], "\n".join(trespass)


def test_the_ownership_check_sees_every_way_to_name_a_table(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from calsync.store.tables import events as e, alerts\n"
        "from calsync.store import tables as t\n"
        "x = t.silences\n"
        "q = 'SELECT 1 FROM scheduler_runs WHERE id = 1'\n", encoding="utf-8")
    assert _table_references(module) == {"events", "alerts", "silences", "scheduler_runs"}


def test_no_module_is_over_400_lines() -> None:
    long = [f"{p.relative_to(REPO).as_posix()}: {n}"
            for top in ("calsync", "connectors") for p in sorted((REPO / top).rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert long == [], long
