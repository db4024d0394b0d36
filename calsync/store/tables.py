"""The database schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Alembic migrations in `migrations/` create exactly these tables; a test checks that the
migrated schema and this metadata agree. Instants are stored in UTC and always come
back timezone-aware, whatever the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

__all__ = ["UTCDateTime", "event_revisions", "events", "feed_tokens", "metadata", "sources",
           "sync_runs"]

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"refusing to store a naive or non-datetime value: {value!r}")
        value = value.astimezone(UTC)
        # SQLite has no time zones: store naive UTC so text ordering is time ordering.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        out: datetime = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return out


events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(120), nullable=False, unique=True),
    Column("source", String(100), nullable=False),
    Column("external_uid", String(500), nullable=False),
    Column("level", String(50), nullable=False),
    Column("actor", String(300), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("url", Text),
    Column("location", Text),
    # ",a,b," so that a tag filter is `tags LIKE '%,a,%'` on every database.
    Column("tags", Text, nullable=False, default=""),
    Column("attrs", JSON, nullable=False),
    Column("all_day", Boolean, nullable=False),
    # Timed: the instant. All-day: midnight UTC of the date (the date itself, losslessly).
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime),
    Column("timezone", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("sequence", Integer, nullable=False, default=0),
    Column("content_hash", String(32), nullable=False),
    Column("record_key", String(32)),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Step identity (calsync.steps): actor|process|step|period and expected/deadline/actual,
    # so feeds and listings leave out expectations an actual event supersedes, in SQL.
    Column("step_key", String(700)),
    Column("step_role", String(20)),
    # What a text search matches (calsync.store.search): every language, casefolded.
    Column("search_text", Text),
    UniqueConstraint("source", "external_uid"),
    Index(None, "step_key"),
    Index(None, "start_at"),
    Index(None, "level", "start_at"),
    Index(None, "updated_at"),
)

sync_runs = Table(
    "sync_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(100), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    # running | ok | not_modified | failed | held
    Column("outcome", String(20), nullable=False),
    Column("added", Integer, nullable=False, default=0),
    Column("changed", Integer, nullable=False, default=0),
    Column("cancelled", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("error_kind", String(20)),  # fatal | retriable | held
    Index(None, "source", "started_at"),
)

event_revisions = Table(
    "event_revisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("sync_id", Integer, ForeignKey("sync_runs.id", ondelete="SET NULL")),
    Column("at", UTCDateTime, nullable=False),
    Column("change", String(20), nullable=False),  # changed | cancelled | restored
    Column("sequence", Integer, nullable=False),
    # {field: [old, new]} for every material field that changed.
    Column("changes", JSON, nullable=False),
    Column("reason", Text),
    Index(None, "event_id", "at"),
    Index(None, "at"),
)

sources = Table(
    "sources", metadata,
    Column("name", String(100), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("bookmark", JSON, nullable=False),
    Column("last_attempt_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("error_kind", String(20)),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("retry_at", UTCDateTime),
    # The upstream's own Retry-After: not fetched before it, by hand or by schedule.
    Column("retry_after", UTCDateTime),
    # A held-back mass removal waiting for `calsync sync --accept-removals`.
    Column("anomaly", JSON),
    # When the last sync that wrote this source's events ran: the events it saw carry it
    # as `last_seen`; a later "not modified" sync (`last_success_at`) saw them again
    # without rewriting every row (`calsync.store.sources.seen_again`).
    Column("applied_at", UTCDateTime),
)

# Secret tokens of private feeds (`/feeds/{name}/{token}.ics`): one per subscriber of a
# feed ("" is the feed's shared address, `calsync feeds rotate-token`).
feed_tokens = Table(
    "feed_tokens", metadata,
    Column("feed", String(100), primary_key=True),
    Column("subscriber", String(100), primary_key=True, server_default=""),
    Column("token", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),  # "cli" or an admin token's name
)


# The scheduler's run ledger (calsync/scheduler): one row per (job, scheduled tick),
# claimed by one instance under a lease. A job is a connector name or a singleton
# (`__evaluate__`, `__outbox__`). `attempt` is the fencing token: it grows on every claim
# and takeover, and a completion must name it. Times that decide leases are database time.
scheduler_runs = Table(
    "scheduler_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("job", String(100), nullable=False),
    Column("tick_at", UTCDateTime, nullable=False),
    # waiting | running | succeeded | missed | skipped | abandoned
    Column("state", String(20), nullable=False),
    Column("owner", String(200)),
    Column("attempt", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
    Column("not_before", UTCDateTime),
    Column("lease_until", UTCDateTime),
    Column("started_at", UTCDateTime),
    Column("heartbeat_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("outcome", String(20)),  # the sync's: ok | not_modified | held | failed
    Column("sync_run_id", Integer),
    Column("error", Text),
    Column("detail", JSON),
    UniqueConstraint("job", "tick_at"),
    # At most one running run per job across every instance.
    Index("uq_scheduler_runs_one_running", "job", unique=True,
          sqlite_where=text("state = 'running'"), postgresql_where=text("state = 'running'")),
    Index(None, "state", "lease_until"),
)

# --- Misalignment alerts (issue 5): alerts, their history, silences, notifications ----------

__all__ += ["alert_transitions", "alerts", "notification_groups", "notification_outbox",
            "silences"]

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True),
    # FNV-1a-64 over the sorted identity labels (never dates), as Alertmanager prints it.
    Column("fingerprint", String(16), nullable=False, unique=True),
    Column("rule_id", String(100), nullable=False),
    Column("rule_kind", String(20), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("annotations", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("status", String(10), nullable=False),  # firing | resolved
    Column("workflow", String(20), nullable=False),  # open | acknowledged | snoozed | wont_fix
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime),
    Column("subject_uid", String(120)),
    Column("object_uid", String(120)),
    Column("ack_by", String(200)),
    Column("ack_at", UTCDateTime),
    Column("ack_comment", Text),
    Column("snooze_until", UTCDateTime),
    # A digest of the finding the stored texts were written from
    # (`calsync.alerts.textsdigest`): an unchanged finding is known without rendering.
    Column("texts_digest", String(64)),
    Index(None, "status", "rule_id"),
    Index(None, "subject_uid"),
    Index(None, "object_uid"),
)

alert_transitions = Table(
    "alert_transitions", metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("field", String(20), nullable=False),  # status | workflow | severity | dates
    Column("from_value", Text),
    Column("to_value", Text),
    Column("actor", String(200), nullable=False),
    Column("reason", Text),
    Index(None, "alert_id", "at"),
)

silences = Table(
    "silences", metadata,
    Column("id", Integer, primary_key=True),
    # Alertmanager API v2: [{name, value, isRegex, isEqual}]
    Column("matchers", JSON, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "ends_at"),
)

notification_groups = Table(
    "notification_groups", metadata,
    Column("receiver", String(100), primary_key=True),
    Column("group_hash", String(16), primary_key=True),
    Column("group_key", Text, nullable=False),
    Column("group_labels", JSON, nullable=False),
    # Fingerprints notified as firing and not yet notified as resolved.
    Column("notified", JSON, nullable=False),
    Column("last_sent_at", UTCDateTime),
    Column("version", Integer, nullable=False, default=0),
)

notification_outbox = Table(
    "notification_outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("receiver", String(100), nullable=False),
    Column("group_key", Text, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("payload", JSON, nullable=False),  # the Alertmanager webhook v4 body
    Column("status", String(10), nullable=False),  # pending | sent | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(200)),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("last_status", Integer),
    Column("sent_at", UTCDateTime),
    Index(None, "status", "next_attempt_at"),
)

# --- Reloading config in every running instance (issue 14) -----------------------------------

__all__ += ["config_instances", "config_reloads"]

# One row per reload that was asked for (`calsync reload`, SIGHUP, the admin endpoint):
# the id is the generation every running instance watches (calsync.reload).
config_reloads = Table(
    "config_reloads", metadata,
    Column("id", Integer, primary_key=True),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),  # the config the requester validated
)

# Each running serve/worker process: the generation it last acted on and what came of it.
config_instances = Table(
    "config_instances", metadata,
    Column("instance", String(200), primary_key=True),
    Column("role", String(20), nullable=False),  # serve | worker
    Column("generation", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),  # the config it runs on
    Column("loaded_at", UTCDateTime, nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("error", Text),  # why the last reload was refused; NULL: it was applied
    Column("seen_at", UTCDateTime, nullable=False),
)

# The rules' timeline as a new process finds it (`calsync.store.snapshots`): every stored
# event's facts, marshalled, and the events table's version they were read at. A process
# reads it and then only the events changed since, instead of all of them.
timeline_snapshots = Table(
    "timeline_snapshots", metadata,
    Column("name", String(40), primary_key=True),
    Column("format", String(400), nullable=False),  # Python, marshal and facts' fields
    Column("rows", Integer, nullable=False),
    Column("sequences", BigInteger, nullable=False),
    Column("top_id", Integer, nullable=False),
    Column("newest", UTCDateTime),  # the newest `updated_at` of the rows it holds
    Column("payload", LargeBinary, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
)
