"""Alembic environment: runs on the engine calsync hands over (never on a URL in an ini file)."""

from __future__ import annotations

from alembic import context

from calsync.store.tables import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for ALTERs
        compare_type=True,
    )
    context.run_migrations()
