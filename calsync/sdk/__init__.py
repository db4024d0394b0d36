"""The connector SDK: everything a connector (built-in in `connectors/` or a plugin) builds on.

- `contract`: what a connector is (`Connector`, `BaseConnector`, `Options`) and what it
  exchanges with the sync (`FetchContext`, `Snapshot`, `Record`, `Bookmark`, `Horizon`);
- `httpbase`: `HttpConnector`, the base for connectors that read an HTTP API or feed;
- `http`: the one shared HTTP client and the one place HTTP outcomes become errors;
- `registry`: from a `type` in config.yaml to a connector class (built-ins, entry points,
  `package.module:Class`);
- `ingest/`: pure helpers that turn payloads into events (iCalendar splitting and
  mapping, time zone repair, producer fixes, declarative field maps).

Import-light: this `__init__` imports nothing, so `calsync.sdk.contract` costs only itself.
"""
