"""The SQL store of the unified timeline (SQLite by default, PostgreSQL by URL)."""
