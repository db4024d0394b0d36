"""`calsync serve`: the feeds and the API over HTTP."""

from __future__ import annotations

import logging
import signal
from typing import TYPE_CHECKING

import click

from calsync.cli.common import console, pass_runtime, require_schema

if TYPE_CHECKING:
    from calsync.runtime import Runtime
    from calsync.scheduler.thread import SchedulerThread

SHUTDOWN_GRACE = 10  # seconds


@click.command("serve")
@click.option("--host", default=None, help="Interface to bind (default: server.host).")
@click.option("--port", type=int, default=None, help="Port (default: server.port).")
@click.option("--no-scheduler", is_flag=True,
              help="Serve only; run the scheduler with `calsync worker` elsewhere.")
@pass_runtime
def serve_command(runtime: Runtime, host: str | None, port: int | None,
                  no_scheduler: bool) -> None:
    """Serve the iCal feeds and the JSON API."""
    import uvicorn

    from calsync.cli.logs import uvicorn_log_config
    from calsync.feeds.service import feed_names, feed_urls
    from calsync.web import accesslog
    from calsync.web.app import create_app

    require_schema(runtime)
    server = runtime.config.server
    host, port = host or server.host, port or server.port
    if not server.public_url:  # the addresses printed and written into feeds
        runtime.config = runtime.config.model_copy(update={"server": server.model_copy(
            update={"host": host, "port": port})})
    base = runtime.config.server.base_url
    console.print(f"[bold]calsync[/] serving on {base}")
    console.print("Feeds: add the webcal:// address as a subscription in Outlook, Google, "
                  f"Apple or Thunderbird (all of them with links: {base}/feeds/):")
    for name in feed_names(runtime.config):
        spec = runtime.config.feeds.get(name)
        if spec is not None and spec.private:
            console.print(f"  {name:<16} private: `calsync feeds` shows its secret address")
        else:
            console.print(f"  {name:<16} {feed_urls(runtime.config, name)['webcal']}")
    console.print(f"JSON API: {base}/api/events   docs: {base}/docs   health: {base}/healthz")
    scheduler = None if no_scheduler else _start_scheduler(runtime)
    # uvicorn re-raises SIGTERM once it has stopped gracefully: catch it, so that
    # the scheduler stops gracefully too (syncs finish or release their lease).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    accesslog.install()  # private-feed tokens never reach the access log
    try:
        # Shutdown waits at most this long for open responses (a slow feed download),
        # so SIGTERM always ends the process.
        log_format = click.get_current_context().obj.get("log_format", "text")
        uvicorn.run(create_app(runtime), host=host, port=port, log_level="info",
                    log_config=uvicorn_log_config(log_format),
                    timeout_graceful_shutdown=SHUTDOWN_GRACE)
    finally:
        if scheduler is not None:
            scheduler.stop()


def _start_scheduler(runtime: Runtime) -> SchedulerThread:
    from calsync.scheduler.thread import SchedulerThread

    logging.getLogger("calsync.scheduler").setLevel(logging.INFO)
    scheduler = SchedulerThread(runtime)
    console.print(f"Scheduler: on, instance {scheduler.scheduler.owner} (`--no-scheduler` "
                  "to serve only and run `calsync worker` elsewhere)")
    scheduler.start()
    return scheduler


def register(group: click.Group) -> None:
    group.add_command(serve_command)
