"""Misalignment alerts (issue 5): identity (`fingerprint`), lifecycle, coordinators'
workflow, silences and history (`store`), system alerts (`system`), and the `alerts:`
config section (`config`). Import-light on purpose: config loading imports `alerts.config`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["raise_system_alert"]


def raise_system_alert(**kwargs: Any) -> str:
    """See `calsync.alerts.system.raise_system_alert` (the scheduler calls it when a run is
    abandoned after its retries)."""
    from calsync.alerts.system import raise_system_alert as run

    return run(**kwargs)
