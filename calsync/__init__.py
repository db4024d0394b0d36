"""calsync: EU, national, regional and municipal decision and budget cycles in one timeline.

The package root is light on purpose: it names the version and imports nothing, so
`import calsync.model` (or any small module) costs only that module. Import what you use
from where it lives: the event model from `calsync.model`, errors from `calsync.errors`,
the clock from `calsync.clock`, and `Runtime` (config loaded, connectors built, store
opened, from which the CLI, the web app and the scheduler start) from `calsync.runtime`.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
