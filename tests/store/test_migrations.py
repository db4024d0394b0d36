"""The migrated schema is exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from calsync.store.engine import (
    _MIGRATIONS,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
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


def test_the_head_read_from_the_version_files_is_alembics() -> None:
    """`head_revision` reads the files' revision lines instead of importing Alembic."""
    assert head_revision() == ScriptDirectory(str(_MIGRATIONS)).get_current_head()
    assert head_revision() is not None


def test_the_current_revision_is_the_one_alembic_reads(db_url: str) -> None:
    """`current_revision` reads Alembic's version table itself: None before the first
    migration, then each revision Alembic says the database is at."""
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        for revision in ("0001", "head"):
            upgrade(engine, revision)
            with engine.connect() as conn:
                expected = MigrationContext.configure(conn).get_current_revision()
            assert current_revision(engine) == expected
        assert expected == head_revision()
    finally:
        engine.dispose()
