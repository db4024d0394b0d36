"""Connector plugins: one module per source or platform, behind calsync.connector's contract."""
