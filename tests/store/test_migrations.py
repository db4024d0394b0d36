"""The migrated schema is exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from calsync.store.engine import _MIGRATIONS
from calsync.store.tables import metadata


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"tables.py and the migrations disagree: {diff}"


def test_migration_history_is_linear() -> None:
    script = ScriptDirectory(str(_MIGRATIONS))
    assert len(script.get_heads()) == 1, "several migration heads: set down_revision to the head"
    revisions = list(script.walk_revisions())
    assert all(len(r._all_down_revisions) <= 1 for r in revisions)
