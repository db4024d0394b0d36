"""events: search_text, what a text search matches (every language, in lower case)

Revision ID: 0018_event_search_text
Revises: 0017_alert_texts_digest
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from calsync.store.search import searchable

revision = '0018_event_search_text'
down_revision = '0017_alert_texts_digest'
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    # Existing events get theirs, batch by batch (a store may hold 100,000 rows).
    conn = op.get_bind()
    events = sa.table('events', sa.column('id', sa.Integer), sa.column('actor', sa.String),
                      sa.column('title', sa.Text), sa.column('description', sa.Text),
                      sa.column('attrs', sa.JSON), sa.column('search_text', sa.Text))
    after = 0
    while True:
        rows = conn.execute(sa.select(events.c.id, events.c.actor, events.c.title,
                                      events.c.description, events.c.attrs)
                            .where(events.c.id > after).order_by(events.c.id)
                            .limit(_BATCH)).all()
        if not rows:
            break
        values = []
        for id_, actor, title, description, attrs in rows:
            attrs = json.loads(attrs) if isinstance(attrs, str) else (attrs or {})
            values.append({"row_id": id_, "text": searchable(actor or "", title or "",
                                                             description or "", attrs)})
        conn.execute(sa.update(events).where(events.c.id == sa.bindparam("row_id"))
                     .values(search_text=sa.bindparam("text")), values)
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_column('search_text')
