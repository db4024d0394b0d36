"""calsync: EU, national, regional and municipal decision and budget cycles in one timeline.

The public surface is small: the event model, the errors, and `Runtime` (config loaded,
connectors built, store opened) from which the CLI, the web app and the scheduler start.
"""

from __future__ import annotations

__version__ = "0.1.0"

from calsync.clock import Clock, FixedClock, SystemClock
from calsync.errors import CalsyncError, ConfigError, ConnectorError
from calsync.model import Event, EventData, Status
from calsync.runtime import Runtime

__all__ = [
    "CalsyncError",
    "Clock",
    "ConfigError",
    "ConnectorError",
    "Event",
    "EventData",
    "FixedClock",
    "Runtime",
    "Status",
    "SystemClock",
    "__version__",
]
