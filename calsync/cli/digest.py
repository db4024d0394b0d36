"""`calsync digest`: the weekly digest's subscriptions (`type: digest` receivers): print
the next one without sending it, or queue and send one now."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from calsync.cli.common import console, pass_runtime, require_schema

if TYPE_CHECKING:
    from calsync.runtime import Runtime

__all__ = ["register"]


@click.group("digest")
def digest_group() -> None:
    """Weekly digests: preview the next one, or send one now."""


@digest_group.command("preview")
@click.option("--subscription", required=True, metavar="NAME",
              help="A receiver of type digest under alerts.receivers.")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]), default="text",
              show_default=True)
@pass_runtime
def preview_command(runtime: Runtime, subscription: str, fmt: str) -> None:
    """Print what the next digest would say; sends and writes nothing."""
    from calsync.digest.send import digest_receiver, preview
    from calsync.errors import NotFoundError

    require_schema(runtime)
    try:
        digest_receiver(runtime.config, subscription)
    except NotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="--subscription") from None
    with runtime.engine.connect() as conn:
        rendered = preview(conn, runtime.config, subscription, runtime.clock.now())
    if fmt == "json":
        click.echo(json.dumps(rendered.as_payload(), ensure_ascii=False, indent=2))
    elif fmt == "html":
        click.echo(rendered.html, nl=False)
    else:
        click.echo(f"Subject: {rendered.subject}\n\n{rendered.text}", nl=False)


@digest_group.command("send")
@click.option("--subscription", required=True, metavar="NAME")
@pass_runtime
def send_command(runtime: Runtime, subscription: str) -> None:
    """Queue this subscription's digest now and deliver the outbox."""
    from calsync.alerts.notify.outbox import send_due
    from calsync.digest.send import digest_receiver, enqueue_digest
    from calsync.errors import NotFoundError

    require_schema(runtime)
    try:
        digest_receiver(runtime.config, subscription)
    except NotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="--subscription") from None
    queued = enqueue_digest(runtime.engine, runtime.config, subscription, runtime.clock.now())
    report = send_due(runtime.engine, runtime.config)
    console.print(f"Queued {queued['enqueued']} digest, sent {len(report.sent)}, retrying "
                  f"{len(report.retrying)}, given up {len(report.dead)}.")


def register(group: click.Group) -> None:
    group.add_command(digest_group)
