"""The scheduler on a thread of its own, beside the API in `calsync serve`."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from calsync.runtime import Runtime
from calsync.scheduler.worker import Scheduler

__all__ = ["SchedulerThread"]


class SchedulerThread:
    """The scheduler on a thread of its own (`calsync serve` runs the API beside it)."""

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        self.scheduler = Scheduler(runtime, **kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="calsync-scheduler",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=30)

    def stop(self, timeout: float | None = None) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        grace = self.scheduler.settings.shutdown_grace + 15
        self._thread.join(timeout if timeout is not None else grace)

    def _main(self) -> None:
        asyncio.run(self._amain())

    async def _amain(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        await self.scheduler.run(self._stop)
