"""store notify: PostgreSQL tells listeners when events or sync runs change

Revision ID: 0005_store_notify
Revises: 0013

Statement triggers `pg_notify('calsync_store', current_schema())` after any write to
`events` or `sync_runs`; PostgreSQL delivers the notification at commit (once per
transaction). `calsync.store.watch` listens, so feeds answer 304s and kept bodies
without asking the database on each request. Nothing on SQLite (it has
`PRAGMA data_version`).
"""

from __future__ import annotations

from alembic import op

revision = '0005_store_notify'
down_revision = '0013'
branch_labels = None
depends_on = None

_TABLES = ("events", "sync_runs")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION calsync_notify_store() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('calsync_store', current_schema());
            RETURN NULL;
        END $$
    """)
    for table in _TABLES:
        op.execute(f"CREATE TRIGGER {table}_notify_store AFTER INSERT OR UPDATE OR DELETE "
                   f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION calsync_notify_store()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TRIGGER {table}_notify_store ON {table}")
    op.execute("DROP FUNCTION calsync_notify_store()")
