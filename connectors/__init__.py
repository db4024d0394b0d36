"""Connector plugins: one module per source or platform, each behind calsync.connector's contract."""
