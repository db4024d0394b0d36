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
