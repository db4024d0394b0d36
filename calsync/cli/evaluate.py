"""`calsync evaluate`: run the misalignment rules now and show what they found."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from rich.text import Text

from calsync.cli.common import console, pass_runtime, require_schema
from calsync.cli.listing import Column, format_option, print_json, print_listing
from calsync.cli.teardown import skip_teardown

if TYPE_CHECKING:
    from calsync.i18n.languages import Language
    from calsync.rules.findings import Finding
    from calsync.runtime import Runtime

__all__ = ["print_findings", "register"]

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


FINDING_COLUMNS = (Column("rule"), Column("severity"), Column("due"),
                   Column("finding", wrap=True), Column("owner", wrap=True),
                   Column("fix", wrap=True))


def print_findings(findings: list[Finding], title: str, tz: str = "UTC",
                   history_before: date | None = None, language: Language = "en") -> None:
    """Findings as a table (records when narrow), soonest due first."""
    from calsync.i18n.formats import format_day  # Babel: printing's cost, not start-up's

    rows: list[list[str | Text]] = []
    for f in sorted(findings, key=lambda f: (f.due_at, f.rule_id)):
        due = f.due_at.astimezone(ZoneInfo(tz)).date()
        past = history_before is not None and due < history_before
        rows.append([f.rule_id, Text("history" if past else f.severity,
                                     style="dim" if past else SEVERITY_STYLE.get(f.severity, "")),
                     format_day(due, language), Text(f.summary), Text(f.owner or "-"),
                     Text(f.fix.text if f.fix else "")])
    print_listing(title, FINDING_COLUMNS, rows, heading=3, show_lines=True)


@click.command("evaluate")
@click.option("--rule", "rules", multiple=True, metavar="ID",
              help="Show only these rules' findings (all rules still update alerts).")
@click.option("--dry-run", is_flag=True, help="Evaluate only: leave alerts and the outbox "
                                              "as they are.")
@format_option("table")
@pass_runtime
def evaluate_command(runtime: Runtime, rules: tuple[str, ...], dry_run: bool, fmt: str) -> None:
    """Run the misalignment rules now, update alerts, and print the findings."""
    # The command's work, not start-up: `calsync evaluate --help` and `calsync alerts
    # --help` (which shares this module's styles) import none of it.
    from calsync.alerts.evaluate import evaluate_and_update, evaluate_stored

    require_schema(runtime)
    unknown = [r for r in rules if r not in runtime.config.rules]
    if unknown:
        raise click.BadParameter(f"unknown rule {', '.join(unknown)}; configured: "
                                 f"{', '.join(runtime.config.rules) or '(none)'}",
                                 param_hint="--rule")
    if dry_run:
        evaluation = evaluate_stored(runtime.engine, runtime.config, runtime.clock.now())
        findings, summary = evaluation.findings, None
        events, ran, warnings = evaluation.events, evaluation.rules, evaluation.warnings
    else:
        result = evaluate_and_update(engine=runtime.engine, config=runtime.config,
                                     clock=runtime.clock)
        assert result.evaluation is not None
        findings, summary = result.evaluation.findings, result
        events, ran, warnings = result.events, result.rules, result.evaluation.warnings
    # Everything is committed; what remains is output, which `main` flushes before it
    # ends the process without freeing the timeline object by object (`teardown`).
    skip_teardown()
    shown = [f for f in findings if not rules or f.rule_id in rules]
    if fmt == "json":
        print_json({
            "summary": summary.as_dict() if summary else None,
            "findings": [{"rule": f.rule_id, "kind": f.kind, "severity": f.severity,
                          "summary": f.summary, "labels": f.labels(),
                          "evidence": f.evidence()} for f in shown]})
        return
    if not runtime.config.rules:
        console.print("No rules configured: add a 'rules:' section to the config "
                      "(see README, \"Rules and alerts\").")
        return
    config = runtime.config
    today = runtime.clock.now().astimezone(ZoneInfo(config.timezone)).date()
    print_findings(shown, f"Findings ({len(shown)}) from {len(ran)} rules over {events} events",
                   config.timezone, today if config.alerts.past_due == "history" else None,
                   config.language)
    for warning in warnings:
        console.print(f"[yellow]![/] {warning}", soft_wrap=True)
    if summary is not None:
        a = summary.alerts
        console.print(f"Alerts: {len(a.opened)} new, {len(a.refired)} firing again, "
                      f"{len(a.updated)} updated, {len(a.resolved)} resolved; "
                      f"{len(a.history)} already past (history, not raised); "
                      f"{summary.enqueued} notification(s) queued. "
                      f"Took {summary.seconds:.2f}s. See `calsync alerts`.")
    elif not shown:
        console.print("Nothing out of step.")


def register(group: click.Group) -> None:
    group.add_command(evaluate_command)
