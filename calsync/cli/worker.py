"""`calsync worker`: the scheduler alone (connector syncs, rule evaluation, notifications),
to scale separately from the API (`calsync serve --no-scheduler`)."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from calsync.cli.common import console, pass_runtime, require_schema

if TYPE_CHECKING:
    from calsync.reload import Reloader
    from calsync.runtime import Runtime
    from calsync.scheduler.worker import Scheduler


@click.command("worker")
@click.option("--instance-id", default=None, metavar="ID",
              help="A stable name for this instance (default: scheduler.instance_id, or "
                   "host:pid). Never give two running instances the same name.")
@pass_runtime
def worker_command(runtime: Runtime, instance_id: str | None) -> None:
    """Run connectors on their schedules, exactly once across all instances, until SIGTERM."""
    import asyncio  # the command's work, not `worker --help`'s

    from calsync.scheduler.worker import Scheduler

    require_schema(runtime)
    logging.getLogger("calsync.scheduler").setLevel(logging.INFO)
    scheduler = Scheduler(runtime, instance_id=instance_id)
    settings = scheduler.settings
    connectors = [j for j in scheduler.jobs.values()
                  if j.kind == "connector" and j.trigger is not None]
    where = scheduler.engine.url.render_as_string(hide_password=True)
    console.print(f"[bold]calsync worker[/] {scheduler.owner}: {len(connectors)} scheduled "
                  f"connector(s) on {where}; dispatch every {settings.dispatch_interval:g}s, "
                  f"lease {settings.lease:g}s. Stop with SIGTERM or Ctrl-C.")
    for job in sorted(connectors, key=lambda j: j.name):
        console.print(f"  {job.name:<24} {job.trigger.text if job.trigger else '—'}")
    reloader = _reloader(runtime, scheduler)
    try:
        asyncio.run(_run(scheduler, reloader))
    finally:
        reloader.stop()
    console.print(f"calsync worker {scheduler.owner}: stopped.")


def _reloader(runtime: Runtime, scheduler: Scheduler) -> Reloader:
    """SIGHUP and `calsync reload` (through the database): new jobs without a restart."""
    from calsync.config import default_config_path
    from calsync.reload import Reloader
    from calsync.scheduler.reconfig import SchedulerApplier

    logging.getLogger("calsync.reload").setLevel(logging.INFO)
    path = Path(click.get_current_context().obj.get("config_path") or default_config_path())
    reloader = Reloader(runtime, path, role="worker", appliers=[SchedulerApplier(scheduler)])
    reloader.start()
    return reloader


async def _run(scheduler: Scheduler, reloader: Reloader) -> None:
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reloader.request, "SIGHUP")
    await scheduler.run(stop)


def register(group: click.Group) -> None:
    group.add_command(worker_command)
