"""`calsync serve`: the feeds and the API over HTTP."""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from calsync.cli.common import EXIT_ADDRESS, console, err_console, pass_runtime, require_schema

if TYPE_CHECKING:
    from fastapi import FastAPI

    from calsync.config.schema import Config
    from calsync.reload import Reloader
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
    from calsync.web.server import HttpProtocol

    require_schema(runtime)
    runtime.config.require_secrets("`calsync serve` (the HTTP API's tokens)")
    server = runtime.config.server
    host, port = host or server.host, server.port if port is None else port
    sock = _bind(host, port)  # first: a busy port is one line, before any banner
    port = sock.getsockname()[1]  # the port really bound (--port 0 picks a free one)
    config_base = server.base_url
    bound = _bound_to(host, port)
    runtime.config = bound(runtime.config)
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
    if base != config_base and runtime.config.rules:
        _refresh_links(runtime, base)
    app = create_app(runtime)
    scheduler = None if no_scheduler else _start_scheduler(runtime)
    reloader = _reloader(runtime, app, scheduler, bound)
    console.print(f"Config: reload without a restart with `calsync reload`, `kill -HUP "
                  f"{os.getpid()}` or POST {base}/api/config/reload")
    # uvicorn re-raises SIGTERM once it has stopped gracefully: catch it, so that
    # the scheduler stops gracefully too (syncs finish or release their lease).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    signal.signal(signal.SIGHUP, lambda _signum, _frame: reloader.request("SIGHUP"))
    accesslog.install()  # private-feed tokens never reach the access log
    try:
        # Shutdown waits at most this long for open responses (a slow feed download),
        # so SIGTERM always ends the process.
        log_format = click.get_current_context().obj.get("log_format", "text")
        uvicorn.Server(uvicorn.Config(app, log_level="info", http=HttpProtocol,
                                      log_config=uvicorn_log_config(log_format),
                                      timeout_graceful_shutdown=SHUTDOWN_GRACE)
                       ).run(sockets=[sock])
    finally:
        reloader.stop()
        if scheduler is not None:
            scheduler.stop()


def _bound_to(host: str, port: int) -> Callable[[Config], Config]:
    """The config as this server uses it: without `server.public_url`, the addresses
    printed and written into feeds and alerts are the ones really bound (also after a
    reload, which never moves the socket)."""

    def bound(config: Config) -> Config:
        server = config.server
        if server.public_url:
            return config
        return config.model_copy(update={"server": server.model_copy(
            update={"host": host, "port": port})})

    return bound


def _reloader(runtime: Runtime, app: FastAPI, scheduler: SchedulerThread | None,
              bound: Callable[[Config], Config]) -> Reloader:
    """SIGHUP, `POST /api/config/reload` and `calsync reload` (through the database)."""
    from calsync.reload import Applier, Reloader
    from calsync.scheduler.reconfig import SchedulerApplier
    from calsync.web.reload import WebApplier, attach

    logging.getLogger("calsync.reload").setLevel(logging.INFO)
    appliers: list[Applier] = [WebApplier(app)]
    if scheduler is not None:
        appliers.append(SchedulerApplier(scheduler.scheduler))
    from calsync.config import default_config_path

    path = Path(click.get_current_context().obj.get("config_path") or default_config_path())
    reloader = Reloader(runtime, path, role="serve", appliers=appliers, prepare=bound)
    attach(app, reloader)
    reloader.start()
    return reloader


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or exit EXIT_ADDRESS with one line saying why."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _name, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        why = ("the address is already in use (another calsync, or another program, listens "
               "there): stop it or choose another port with --port"
               if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc))
        err_console.print(f"error: cannot listen on {host}:{port}: {why}", soft_wrap=True,
                          markup=False)
        raise SystemExit(EXIT_ADDRESS) from None
    return sock


def _refresh_links(runtime: Runtime, base: str) -> None:
    """Alerts evaluated before (a `calsync sync` with the config's port) link to that
    address; evaluate once now so their links point where this server really listens."""
    from calsync.alerts.evaluate import evaluate_and_update

    result = evaluate_and_update(engine=runtime.engine, config=runtime.config,
                                 clock=runtime.clock, notify=False)
    console.print(f"Alert links now point to {base} ({len(result.alerts.updated)} alert(s) "
                  "updated).")


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
