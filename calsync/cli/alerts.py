"""`calsync alerts`: list, inspect and work with misalignment alerts; silences; delivery."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from rich.text import Text

from calsync.alerts.states import STATES
from calsync.cli.common import (
    check_org_and_levels,
    console,
    pass_runtime,
    require_schema,
    split_values,
)
from calsync.cli.evaluate import SEVERITY_STYLE
from calsync.cli.listing import Column, format_option, print_json, print_listing

# The store, the silences (SQLAlchemy) and Babel are each command's work, imported in the
# command that uses them: `calsync alerts --help` and the group's start-up pay for none.
if TYPE_CHECKING:
    from calsync.alerts.silences import Matcher
    from calsync.alerts.store import Alert
    from calsync.runtime import Runtime

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


def _state_text(alert: Alert, now: datetime) -> Text:
    workflow = alert.effective_workflow(now)
    if alert.status == "resolved":
        return Text("resolved", style="green")
    text = Text("firing", style="bold red")
    if workflow != "open":
        text.append(f" · {workflow}", style="dim")
    if alert.silenced_by:
        text.append(" · silenced", style="dim")
    return text


ALERT_COLUMNS = (Column("id"), Column("state"), Column("severity"), Column("rule"),
                 Column("due"), Column("summary", wrap=True, min_width=30),
                 Column("fix", wrap=True, min_width=20))


def _rows(alerts: list[Alert], now: datetime, tz: str) -> list[list[str | Text]]:
    return [[str(a.id), _state_text(a, now),
             Text(a.severity, style=SEVERITY_STYLE.get(a.severity, "")), a.rule_id,
             a.due_at.astimezone(ZoneInfo(tz)).date().isoformat() if a.due_at else "",
             Text(a.summary), Text(a.annotations.get("fix", ""))] for a in alerts]


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
@format_option("table")
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
@format_option("table")
@pass_runtime
def list_command(runtime: Runtime, state: str, rule: str | None, actor: tuple[str, ...],
                 organisation: tuple[str, ...], level: tuple[str, ...], fmt: str) -> None:
    """List alerts (the default of `calsync alerts`)."""
    from calsync.alerts.filters import AlertFilter
    from calsync.alerts.store import list_alerts
    from calsync.config.organisations import Organisations

    require_schema(runtime)
    orgs, levels = split_values(organisation), split_values(level)
    check_org_and_levels(runtime, orgs, levels)
    wanted = AlertFilter(actors=tuple(actor), organisations=tuple(orgs or ()),
                         levels=tuple(levels or ()))
    now = runtime.clock.now()
    with runtime.engine.connect() as conn:
        found = list_alerts(conn, state=state, now=now, rule=rule)
    if wanted:
        found = list(wanted.apply(found, Organisations.of(runtime.config.organisations)))
    if fmt == "json":
        print_json([a.as_dict(now) for a in found])
        return
    print_listing(f"Alerts: {state} ({len(found)})", ALERT_COLUMNS,
                  _rows(found, now, runtime.config.timezone), show_lines=True, heading=3,
                  empty="None. `calsync evaluate` runs the rules; `--state all` shows every "
                        "alert.")


@click.command("show")
@click.argument("ref")
@format_option("text")
@pass_runtime
def show_command(runtime: Runtime, ref: str, fmt: str) -> None:
    """One alert (by id or fingerprint) with its evidence and full history."""
    from calsync.alerts.store import get_alert, history
    from calsync.i18n.formats import format_day

    require_schema(runtime)
    now = runtime.clock.now()
    with runtime.engine.connect() as conn:
        alert = get_alert(conn, ref, now)
        transitions = history(conn, alert.id)
    if fmt == "json":
        print_json({**alert.as_dict(now), "history": [t.as_dict() for t in transitions]})
        return
    console.print(Text.assemble((f"Alert {alert.id} ", "bold"), _state_text(alert, now),
                                f"  {alert.rule_id} ({alert.rule_kind}) ",
                                (alert.severity, SEVERITY_STYLE.get(alert.severity, ""))))
    console.print(alert.annotations.get("description", alert.summary), soft_wrap=True)
    due = alert.due_at.astimezone(ZoneInfo(runtime.config.timezone)).date() \
        if alert.due_at else None
    details = [("due", format_day(due, runtime.config.language) if due else None),
               ("owner", alert.labels.get("owner"))]
    details += [(k, alert.annotations.get(k)) for k in (
        "required", "actual", "subject_url", "object_url")]
    for key, value in details:
        if value:
            console.print(f"  {key}: {value}", soft_wrap=True)
    console.print(f"  fingerprint: {alert.fingerprint}; labels: "
                  + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())),
                  soft_wrap=True)
    columns = (Column("at"), Column("what"), Column("from"), Column("to"), Column("by"),
               Column("why", wrap=True))
    print_listing("History", columns, [
        [t.at.strftime("%Y-%m-%d %H:%M"), t.field, Text(t.from_value or ""),
         Text(t.to_value or ""), Text(t.actor), Text(t.reason or "")] for t in transitions],
        heading=2)


def _workflow(name: str, helptext: str) -> click.Command:
    @click.command(name, help=helptext)
    @click.argument("ref")
    @click.option("--comment", "-m", default="", help="Why (kept in the history).")
    @click.option("--by", default=None, help="Who (default: your user name).")
    @pass_runtime
    def command(runtime: Runtime, ref: str, comment: str, by: str | None) -> None:
        from calsync.alerts.store import acknowledge, reopen, wont_fix

        require_schema(runtime)
        now = runtime.clock.now()
        action: Any = {"ack": acknowledge, "wontfix": wont_fix, "reopen": reopen}[name]
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
    from calsync.alerts.store import snooze

    require_schema(runtime)
    now = runtime.clock.now()
    with runtime.engine.begin() as conn:
        alert = snooze(conn, ref, until=_moment(until, runtime.config.timezone, now),
                             by=_who(by), comment=comment, now=now)
    assert alert.snooze_until is not None
    console.print(f"Alert {alert.id} is snoozed until {alert.snooze_until.isoformat()}.")


@click.group("silence", invoke_without_command=True)
@format_option("table")
@click.pass_context
def silence_group(ctx: click.Context, fmt: str) -> None:
    """Silences: mute alerts whose labels match, for a time range (Alertmanager style)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(silence_list, fmt=fmt)


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
    from calsync.alerts.muting import mute_report
    from calsync.alerts.silences import Matcher, create_silence

    require_schema(runtime)
    now = runtime.clock.now()
    try:
        parsed = [Matcher.parse(m) for m in matchers]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--match") from None
    starts = _moment(from_, runtime.config.timezone, now) if from_ else now
    try:
        with runtime.engine.begin() as conn:
            silence = create_silence(conn, parsed, starts_at=starts,
                                     ends_at=_moment(until, runtime.config.timezone, now),
                                     created_by=_who(by), comment=comment, now=now)
            report = mute_report(conn, silence, now)
    except ValueError as exc:  # ends before it starts
        raise click.UsageError(str(exc)) from None
    console.print(f"Silence {silence.id} until {silence.ends_at.isoformat()}: "
                  + ", ".join(_matcher_text(m) for m in silence.matchers)
                  + f"; mutes {report['mutes']} firing alert(s).", soft_wrap=True)
    if report["warning"]:
        console.print(Text.assemble(("warning: ", "yellow"), report["warning"]), soft_wrap=True)


def _matcher_text(m: Matcher) -> str:
    op = {(False, True): "=", (False, False): "!=", (True, True): "=~",
          (True, False): "!~"}[(m.is_regex, m.is_equal)]
    return f"{m.name}{op}{m.value}"


@silence_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include expired silences.")
@format_option("table")
@pass_runtime
def silence_list(runtime: Runtime, show_all: bool = False, fmt: str = "table") -> None:
    """List silences (active and pending; --all adds expired ones)."""
    from calsync.alerts.silences import list_silences

    require_schema(runtime)
    now = runtime.clock.now()
    with runtime.engine.connect() as conn:
        found = list_silences(conn)
    found = [s for s in found if show_all or s.state(now) != "expired"]
    if fmt == "json":
        print_json([s.as_dict(now) for s in found])
        return
    columns = (Column("id"), Column("state"), Column("matchers", wrap=True), Column("from"),
               Column("until"), Column("by"), Column("comment", wrap=True))
    print_listing(f"Silences ({len(found)})", columns, [
        [str(s.id), s.state(now), Text(", ".join(_matcher_text(m) for m in s.matchers)),
         s.starts_at.strftime("%Y-%m-%d %H:%M"), s.ends_at.strftime("%Y-%m-%d %H:%M"),
         Text(s.created_by), Text(s.comment)] for s in found], heading=2,
        empty="No silences. `calsync alerts silence add --match rule=R7 -m why` adds one.")


@silence_group.command("expire")
@click.argument("silence_id", type=int)
@pass_runtime
def silence_expire(runtime: Runtime, silence_id: int) -> None:
    """End a silence now."""
    from calsync.alerts.silences import expire_silence

    require_schema(runtime)
    with runtime.engine.begin() as conn:
        expire_silence(conn, silence_id, runtime.clock.now())
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
@format_option("table")
@pass_runtime
def outbox_command(runtime: Runtime, status: str | None, fmt: str) -> None:
    """Recent notifications and their delivery state."""
    require_schema(runtime)
    from calsync.alerts.notify.outbox import list_outbox

    with runtime.engine.connect() as conn:
        rows = list_outbox(conn, status=status)
    if fmt == "json":
        print_json(rows)
        return
    columns = (Column("id"), Column("receiver"), Column("status"), Column("reason", wrap=True),
               Column("alerts", justify="right"), Column("attempts", justify="right"),
               Column("created"), Column("last error", wrap=True))
    print_listing(f"Outbox ({len(rows)})", columns, [
        [str(r["id"]), Text(r["receiver"]), r["status"], Text(r["reason"]),
         str(len(r["payload"].get("alerts", []))), str(r["attempts"]),
         r["created_at"].strftime("%Y-%m-%d %H:%M"), Text(r["last_error"] or "")]
        for r in rows], heading=3, empty="Nothing in the outbox.")


for _command in (list_command, show_command, snooze_command, send_command, outbox_command,
                 _workflow("ack", "Acknowledge: you own it; no repeat notifications."),
                 _workflow("wontfix", "Mark as won't fix (kept, not notified)."),
                 _workflow("reopen", "Back to open after ack, snooze or won't fix.")):
    alerts_group.add_command(_command)
alerts_group.add_command(silence_group)


def register(group: click.Group) -> None:
    group.add_command(alerts_group)
