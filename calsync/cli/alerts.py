"""`calsync alerts`: list, inspect and work with misalignment alerts; silences; delivery."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from rich.table import Table
from rich.text import Text

from calsync.alerts.states import STATES
from calsync.cli.common import (
    check_org_and_levels,
    console,
    lazy_import,
    pass_runtime,
    require_schema,
    split_values,
)
from calsync.cli.evaluate import SEVERITY_STYLE
from calsync.rules import texts

if TYPE_CHECKING:
    from calsync.alerts import silences, store
    from calsync.runtime import Runtime
else:
    silences = lazy_import("calsync.alerts.silences")
    store = lazy_import("calsync.alerts.store")

__all__ = ["register"]


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "cli"


def _moment(value: str, tz: str, now: datetime) -> datetime:
    """A date (end of that day, local; `today` too), an ISO datetime, or a duration from
    now (`P7D`, `+P7D`, `-P1D`)."""
    from calsync.clock import local_today
    from calsync.durations import parse_duration

    text = value.strip()
    try:
        if text.upper().startswith(("P", "+P", "-P")):
            return now + parse_duration(text.lstrip("+"))
        if text.lower() == "today":
            day = local_today(now, tz)
        elif "T" in text:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))
        else:
            day = datetime.fromisoformat(text).date()
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, today, an ISO datetime or a duration "
                                 f"from now such as P7D, got {value!r}") from None
    return datetime.combine(day, time.max, ZoneInfo(tz)).astimezone(UTC)


def _state_text(alert: store.Alert, now: datetime) -> Text:
    workflow = alert.effective_workflow(now)
    if alert.status == "resolved":
        return Text("resolved", style="green")
    text = Text("firing", style="bold red")
    if workflow != "open":
        text.append(f" · {workflow}", style="dim")
    if alert.silenced_by:
        text.append(" · silenced", style="dim")
    return text


def _table(alerts: list[store.Alert], now: datetime, title: str, tz: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=True)
    for column in ("id", "state", "severity", "rule", "due"):
        table.add_column(column, no_wrap=True)
    table.add_column("summary", overflow="fold", ratio=3)
    table.add_column("fix", overflow="fold", ratio=2)
    for a in alerts:
        table.add_row(str(a.id), _state_text(a, now),
                      Text(a.severity, style=SEVERITY_STYLE.get(a.severity, "")), a.rule_id,
                      a.due_at.astimezone(ZoneInfo(tz)).date().isoformat() if a.due_at else "",
                      a.summary,
                      a.annotations.get("fix", ""))
    return table


def _filter_options(func: Any) -> Any:
    """--actor, --org and --level (`calsync.alerts.filters`): the alerts of which the
    subject or the object event matches."""
    for option in reversed((
            click.option("--actor", multiple=True, metavar="GLOB",
                         help="Only alerts involving these actors ('Skellefteå*')."),
            click.option("--org", "organisation", multiple=True, metavar="NAME",
                         help="Only alerts involving this organisation (`organisations:`)."),
            click.option("--level", multiple=True,
                         help="Only alerts involving these levels (repeatable or a,b)."))):
        func = option(func)
    return func


@click.group("alerts", invoke_without_command=True)
@click.option("--state", type=click.Choice(STATES), default="firing", show_default=True,
              help="firing/resolved (lifecycle), open/acknowledged/snoozed/wont_fix "
                   "(workflow), silenced, or all.")
@click.option("--rule", default=None, metavar="ID", help="Only this rule's alerts.")
@_filter_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_context
def alerts_group(ctx: click.Context, state: str, rule: str | None, actor: tuple[str, ...],
                 organisation: tuple[str, ...], level: tuple[str, ...], fmt: str) -> None:
    """Misalignment alerts: list them, or work with one (ack, snooze, wontfix, ...)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_command, state=state, rule=rule, actor=actor,
                   organisation=organisation, level=level, fmt=fmt)


@click.command("list")
@click.option("--state", type=click.Choice(STATES), default="firing", show_default=True)
@click.option("--rule", default=None, metavar="ID")
@_filter_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@pass_runtime
def list_command(runtime: Runtime, state: str, rule: str | None, actor: tuple[str, ...],
                 organisation: tuple[str, ...], level: tuple[str, ...], fmt: str) -> None:
    """List alerts (the default of `calsync alerts`)."""
    from calsync.alerts.filters import AlertFilter
    from calsync.config.organisations import Organisations

    require_schema(runtime)
    orgs, levels = split_values(organisation), split_values(level)
    check_org_and_levels(runtime, orgs, levels)
    wanted = AlertFilter(actors=tuple(actor), organisations=tuple(orgs or ()),
                         levels=tuple(levels or ()))
    now = runtime.clock.now()
    with runtime.engine.connect() as conn:
        found = store.list_alerts(conn, state=state, now=now, rule=rule)
    if wanted:
        found = list(wanted.apply(found, Organisations.of(runtime.config.organisations)))
    if fmt == "json":
        click.echo(json.dumps([a.as_dict(now) for a in found], ensure_ascii=False, indent=2))
        return
    console.print(_table(found, now, f"Alerts: {state} ({len(found)})",
                         runtime.config.timezone))
    if not found:
        console.print("None. `calsync evaluate` runs the rules; `--state all` shows every "
                      "alert.")


@click.command("show")
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_runtime
def show_command(runtime: Runtime, ref: str, fmt: str) -> None:
    """One alert (by id or fingerprint) with its evidence and full history."""
    require_schema(runtime)
    now = runtime.clock.now()
    with runtime.engine.connect() as conn:
        alert = store.get_alert(conn, ref, now)
        transitions = store.history(conn, alert.id)
    if fmt == "json":
        click.echo(json.dumps({**alert.as_dict(now),
                               "history": [t.as_dict() for t in transitions]},
                              ensure_ascii=False, indent=2))
        return
    console.print(Text.assemble((f"Alert {alert.id} ", "bold"), _state_text(alert, now),
                                f"  {alert.rule_id} ({alert.rule_kind}) ",
                                (alert.severity, SEVERITY_STYLE.get(alert.severity, ""))))
    console.print(alert.annotations.get("description", alert.summary), soft_wrap=True)
    due = alert.due_at.astimezone(ZoneInfo(runtime.config.timezone)).date() \
        if alert.due_at else None
    details = [("due", texts.day(due) if due else None),
               ("owner", alert.labels.get("owner"))]
    details += [(k, alert.annotations.get(k)) for k in (
        "required", "actual", "subject_url", "object_url")]
    for key, value in details:
        if value:
            console.print(f"  {key}: {value}", soft_wrap=True)
    console.print(f"  fingerprint: {alert.fingerprint}; labels: "
                  + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())),
                  soft_wrap=True)
    table = Table(title="History", title_justify="left")
    for column in ("at", "what", "from", "to", "by", "why"):
        table.add_column(column, overflow="fold")
    for t in transitions:
        table.add_row(t.at.strftime("%Y-%m-%d %H:%M"), t.field, t.from_value or "",
                      t.to_value or "", t.actor, t.reason or "")
    console.print(table)


def _workflow(name: str, helptext: str) -> click.Command:
    @click.command(name, help=helptext)
    @click.argument("ref")
    @click.option("--comment", "-m", default="", help="Why (kept in the history).")
    @click.option("--by", default=None, help="Who (default: your user name).")
    @pass_runtime
    def command(runtime: Runtime, ref: str, comment: str, by: str | None) -> None:
        require_schema(runtime)
        now = runtime.clock.now()
        action: Any = {"ack": store.acknowledge, "wontfix": store.wont_fix,
                       "reopen": store.reopen}[name]
        with runtime.engine.begin() as conn:
            alert = action(conn, ref, by=_who(by), comment=comment, now=now)
        console.print(f"Alert {alert.id} is now {alert.workflow}.")

    return command


@click.command("snooze")
@click.argument("ref")
@click.option("--until", "until", required=True, metavar="WHEN",
              help="A date (YYYY-MM-DD), an ISO datetime, or a duration such as P14D.")
@click.option("--comment", "-m", default="")
@click.option("--by", default=None)
@pass_runtime
def snooze_command(runtime: Runtime, ref: str, until: str, comment: str, by: str | None
                   ) -> None:
    """Hide an alert from notifications until a date; it reopens by itself then."""
    require_schema(runtime)
    now = runtime.clock.now()
    with runtime.engine.begin() as conn:
        alert = store.snooze(conn, ref, until=_moment(until, runtime.config.timezone, now),
                             by=_who(by), comment=comment, now=now)
    assert alert.snooze_until is not None
    console.print(f"Alert {alert.id} is snoozed until {alert.snooze_until.isoformat()}.")


@click.group("silence", invoke_without_command=True)
@click.pass_context
def silence_group(ctx: click.Context) -> None:
    """Silences: mute alerts whose labels match, for a time range (Alertmanager style)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(silence_list)


@silence_group.command("add")
@click.option("--match", "-l", "matchers", multiple=True, required=True, metavar="MATCHER",
              help="name=value, name!=value, name=~regex or name!~regex (repeatable).")
@click.option("--until", "until", default="P7D", show_default=True, metavar="WHEN",
              help="End: a date, an ISO datetime or a duration from now.")
@click.option("--from", "from_", default=None, metavar="WHEN", help="Start (default: now).")
@click.option("--comment", "-m", required=True, help="Why (required, as in Alertmanager).")
@click.option("--by", default=None)
@pass_runtime
def silence_add(runtime: Runtime, matchers: tuple[str, ...], until: str, from_: str | None,
                comment: str, by: str | None) -> None:
    """Create a silence."""
    require_schema(runtime)
    now = runtime.clock.now()
    try:
        parsed = [silences.Matcher.parse(m) for m in matchers]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--match") from None
    starts = _moment(from_, runtime.config.timezone, now) if from_ else now
    with runtime.engine.begin() as conn:
        silence = silences.create_silence(conn, parsed, starts_at=starts,
                                       ends_at=_moment(until, runtime.config.timezone, now),
                                       created_by=_who(by), comment=comment, now=now)
    console.print(f"Silence {silence.id} until {silence.ends_at.isoformat()}: "
                  + ", ".join(_matcher_text(m) for m in silence.matchers))


def _matcher_text(m: silences.Matcher) -> str:
    op = {(False, True): "=", (False, False): "!=", (True, True): "=~",
          (True, False): "!~"}[(m.is_regex, m.is_equal)]
    return f"{m.name}{op}{m.value}"


@silence_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include expired silences.")
@pass_runtime
def silence_list(runtime: Runtime, show_all: bool = False) -> None:
    """List silences (active and pending; --all adds expired ones)."""
    require_schema(runtime)
    now = runtime.clock.now()
    with runtime.engine.connect() as conn:
        found = silences.list_silences(conn)
    found = [s for s in found if show_all or s.state(now) != "expired"]
    table = Table(title=f"Silences ({len(found)})", title_justify="left")
    for column in ("id", "state", "matchers", "from", "until", "by", "comment"):
        table.add_column(column, overflow="fold")
    for s in found:
        table.add_row(str(s.id), s.state(now), ", ".join(_matcher_text(m) for m in s.matchers),
                      s.starts_at.strftime("%Y-%m-%d %H:%M"), s.ends_at.strftime("%Y-%m-%d %H:%M"),
                      s.created_by, s.comment)
    console.print(table)


@silence_group.command("expire")
@click.argument("silence_id", type=int)
@pass_runtime
def silence_expire(runtime: Runtime, silence_id: int) -> None:
    """End a silence now."""
    require_schema(runtime)
    with runtime.engine.begin() as conn:
        silences.expire_silence(conn, silence_id, runtime.clock.now())
    console.print(f"Silence {silence_id} expired.")


@click.command("send")
@pass_runtime
def send_command(runtime: Runtime) -> None:
    """Deliver due notifications now (what the scheduler does every half minute)."""
    from calsync.alerts.notify.deliver import drain_outbox

    require_schema(runtime)
    report = drain_outbox(engine=runtime.engine, config=runtime.config, clock=runtime.clock)
    console.print(f"Queued {report.enqueued}, sent {len(report.sent)}, retrying "
                  f"{len(report.retrying)}, given up {len(report.dead)}.")


@click.command("outbox")
@click.option("--status", type=click.Choice(["pending", "sent", "dead"]), default=None)
@pass_runtime
def outbox_command(runtime: Runtime, status: str | None) -> None:
    """Recent notifications and their delivery state."""
    require_schema(runtime)
    from calsync.alerts.notify.outbox import list_outbox

    with runtime.engine.connect() as conn:
        rows = list_outbox(conn, status=status)
    table = Table(title=f"Outbox ({len(rows)})", title_justify="left")
    for column in ("id", "receiver", "status", "reason", "alerts", "attempts", "created",
                   "last error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["receiver"], r["status"], r["reason"],
                      str(len(r["payload"].get("alerts", []))), str(r["attempts"]),
                      r["created_at"].strftime("%Y-%m-%d %H:%M"), r["last_error"] or "")
    console.print(table)


for _command in (list_command, show_command, snooze_command, send_command, outbox_command,
                 _workflow("ack", "Acknowledge: you own it; no repeat notifications."),
                 _workflow("wontfix", "Mark as won't fix (kept, not notified)."),
                 _workflow("reopen", "Back to open after ack, snooze or won't fix.")):
    alerts_group.add_command(_command)
alerts_group.add_command(silence_group)


def register(group: click.Group) -> None:
    group.add_command(alerts_group)
