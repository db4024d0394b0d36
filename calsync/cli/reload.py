"""`calsync reload`: validate the config here, then have every running instance apply it.

The command validates the file as every command does (a YAML typo or an unknown key is
exit 2 with file:line, and nothing is asked of anyone); a valid config becomes a new
generation in the database that every `calsync serve` and `calsync worker` sharing it
watches (see `calsync.reload` for why the database). It then waits for their answers
and prints one line per instance: applied, or refused and why (an instance re-reads its
own file and checks what only it needs, such as the API's token secrets).

Exit codes: 0 every running instance applied it (or none is running), 2 the config is
invalid here or an instance refused it, 1 some instance did not answer in `--wait`.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from calsync.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILURE,
    console,
    pass_runtime,
    plain,
    require_schema,
)
from calsync.cli.listing import format_option, print_json

if TYPE_CHECKING:
    from calsync.runtime import Runtime
    from calsync.store.reloads import InstanceState

WAIT = 30.0  # seconds: several poll intervals of every instance, on a busy machine


@click.command("reload")
@click.option("--wait", type=float, default=WAIT, show_default=True, metavar="SECONDS",
              help="How long to wait for the running instances' answers (0: do not wait).")
@format_option("text")
@pass_runtime
def reload_command(runtime: Runtime, wait: float, fmt: str) -> None:
    """Validate the configuration and make every running serve and worker apply it,
    without a restart."""
    from calsync.reload import STALE, config_digest
    from calsync.scheduler.jobs import plan_jobs
    from calsync.store.reloads import announce, instance_states

    plan_jobs(runtime.config)  # schedule mistakes, as the scheduler would find them
    require_schema(runtime)
    path = Path(click.get_current_context().obj["config_path"])
    sha = config_digest(path)
    with runtime.engine.begin() as conn:
        generation = announce(conn, f"calsync reload at {socket.gethostname()}", sha)
        running = {s.instance for s in instance_states(conn, seen_within=STALE)}
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        with runtime.engine.connect() as conn:
            states = [s for s in instance_states(conn, seen_within=STALE)
                      if s.instance in running]
        pending = [s for s in states if s.generation < generation]
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    answers = {s.instance: _answer(s, generation) for s in states}
    gone = running - answers.keys()  # stopped meanwhile
    if fmt == "json":
        print_json({"file": runtime.config.source_file, "sha256": sha,
                    "generation": generation, "instances": [
                        {"instance": name, **answer} for name, answer in answers.items()]})
    else:
        _print(runtime, generation, answers, gone, wait)
    outcomes = {a["outcome"] for a in answers.values()}
    if "refused" in outcomes:
        raise SystemExit(EXIT_CONFIG)
    if "no answer" in outcomes:
        raise SystemExit(EXIT_FAILURE)


def _answer(state: InstanceState, generation: int) -> dict[str, Any]:
    if state.generation < generation:
        return {"role": state.role, "outcome": "no answer", "error": None}
    if state.error is not None:
        return {"role": state.role, "outcome": "refused", "error": state.error}
    return {"role": state.role, "outcome": "applied", "error": None,
            "sha256": state.sha256, "loaded_at": state.loaded_at.isoformat()}


def _print(runtime: Runtime, generation: int, answers: dict[str, dict[str, Any]],
           gone: set[str], wait: float) -> None:
    file = plain(runtime.config.source_file)
    console.print(f"[green]✓[/] {file} is valid; asked every running instance to reload it "
                  f"(generation {generation}).")
    if not answers and not gone:
        console.print("No serve or worker is running on this database: the next one to "
                      "start reads this config.")
    for name, answer in answers.items():
        who = f"{plain(name)} ({answer['role']})"
        if answer["outcome"] == "applied":
            console.print(f"  [green]applied[/]   {who}")
        elif answer["outcome"] == "refused":
            console.print(f"  [red]refused[/]   {who}; it keeps running its config:")
            for line in str(answer["error"]).splitlines():
                console.print(f"      {plain(line)}", soft_wrap=True)
        else:
            console.print(f"  [yellow]no answer[/] {who} within {wait:g}s (busy, or "
                          "stopped without saying so); `calsync reload` again or check it")
    for name in sorted(gone):
        console.print(f"  stopped   {plain(name)}")


def register(group: click.Group) -> None:
    group.add_command(reload_command)
