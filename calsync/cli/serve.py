"""`calsync serve`: the feeds and the API over HTTP."""

from __future__ import annotations

import click
import uvicorn

from calsync.cli.common import console, pass_runtime, require_schema
from calsync.runtime import Runtime
from calsync.web.app import create_app


@click.command("serve")
@click.option("--host", default=None, help="Interface to bind (default: server.host).")
@click.option("--port", type=int, default=None, help="Port (default: server.port).")
@pass_runtime
def serve_command(runtime: Runtime, host: str | None, port: int | None) -> None:
    """Serve the iCal feeds and the JSON API."""
    require_schema(runtime)
    server = runtime.config.server
    host, port = host or server.host, port or server.port
    base = server.public_url.rstrip("/") if server.public_url else f"http://{host}:{port}"
    webcal = base.replace("https://", "webcal://").replace("http://", "webcal://")
    console.print(f"[bold]calsync[/] serving on {base}")
    console.print("Feeds (subscribe with the webcal:// link in Outlook, Google, Apple, "
                  "Thunderbird):")
    console.print(f"  all levels      {base}/feeds/all.ics   ({webcal}/feeds/all.ics)")
    for name, feed in runtime.config.feeds.items():
        console.print(f"  {name:<15} {base}/feeds/{name}.ics   ({feed.title})")
    console.print(f"API docs: {base}/docs    health: {base}/healthz")
    uvicorn.run(create_app(runtime), host=host, port=port, log_level="info")


def register(group: click.Group) -> None:
    group.add_command(serve_command)
