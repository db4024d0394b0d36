"""Connector plugins: one module per source or platform, behind calsync.sdk.contract's contract."""
