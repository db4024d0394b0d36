"""Receivers (where notifications go) and the outbox's retry policy, as config models.

A receiver is a webhook that gets exactly Alertmanager's webhook format version 4, an
email address list reached over SMTP, or a digest subscription (a weekly e-mail of what
is coming and what is out of step, not of alert groups). Secrets come from `${ENV}`
references, never from the file itself; a bundled receiver is disabled until someone
fills it in.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from calsync.configtypes import Schedule, tagged_union
from calsync.durations import Duration, parse_duration
from calsync.i18n.languages import Language
from calsync.selectors import Selector

__all__ = ["DigestReceiver", "EmailReceiver", "OutboxConfig", "Receiver", "RouteConfig",
           "WebhookReceiver"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RouteConfig(_Strict):
    """Grouping and timing as Alertmanager's route has them.

    Defaults differ from Alertmanager's where calendar alerts differ from paging:
    nothing is gained by waiting 30 s (`group_wait: PT0S`), and a misalignment months
    ahead needs a reminder weekly, not every four hours (`repeat_interval: P7D`).
    """

    group_by: list[str] = Field(default_factory=lambda: ["alertname"])
    group_wait: Duration = Field(default_factory=lambda: parse_duration("PT0S"))
    group_interval: Duration = Field(default_factory=lambda: parse_duration("PT5M"))
    repeat_interval: Duration = Field(default_factory=lambda: parse_duration("P7D"))


class WebhookReceiver(_Strict):
    """POSTs Alertmanager webhook v4 JSON to `url` (any v4 receiver or chat bridge)."""

    type: Literal["webhook"]
    enabled: bool = True
    url: str
    headers: dict[str, str] = Field(default_factory=dict,
                                    description="e.g. Authorization: Bearer ${TOKEN}")
    timeout: float = Field(10.0, gt=0, le=300)
    max_alerts: int = Field(0, ge=0, description="0 = all; more are counted in "
                                                 "truncatedAlerts.")
    send_resolved: bool = True
    language: Language | None = Field(
        None, description="sv or en: the texts this receiver gets (default: the top-level "
                          "language).")
    route: RouteConfig | None = None


class _Smtp(_Strict):
    """How to reach an SMTP server (e-mail receivers and digests)."""

    to: list[str] = Field(min_length=1)
    from_: str = Field(alias="from")
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = Field(30.0, gt=0, le=300)


class EmailReceiver(_Smtp):
    """Sends a plain-text summary of each notification over SMTP."""

    type: Literal["email"]
    enabled: bool = True
    send_resolved: bool = True
    language: Language | None = Field(
        None, description="sv or en: the texts this receiver gets (default: the top-level "
                          "language).")
    route: RouteConfig | None = None


def _weekly() -> Schedule:
    return Schedule(cron="0 7 * * 1")


class DigestReceiver(_Smtp):
    """A subscription to the weekly digest (issue 15): on its own schedule, what is coming
    in the next `weeks` weeks for the events `organisation` and `select` pick, the open
    and new misalignments, and what changed since the last digest; one multipart e-mail
    (text and HTML) in `language`, through the outbox (exactly once). Not an alert
    receiver: alert groups never go to it."""

    type: Literal["digest"]
    enabled: bool = True
    organisation: str | None = Field(
        None, description="Only this organisation's events (a name under `organisations:`).")
    select: Selector = Field(default_factory=Selector,
                             description="Which events: level, actor, kind, tags, ...")
    schedule: Schedule = Field(default_factory=_weekly,
                               description="When it is sent (default: Mondays 07:00 in "
                                           "the config's zone).")
    weeks: int = Field(4, ge=1, le=52, description="How many weeks ahead it looks.")
    language: Language | None = Field(
        None, description="sv or en (default: the top-level language).")
    include_private: bool = Field(
        False, description="Also events only private feeds select (for internal readers).")


_RECEIVERS: dict[str, type[WebhookReceiver] | type[EmailReceiver] | type[DigestReceiver]] = {
    "webhook": WebhookReceiver, "email": EmailReceiver, "digest": DigestReceiver}


Receiver = Annotated[WebhookReceiver | EmailReceiver | DigestReceiver,
                     PlainValidator(tagged_union(_RECEIVERS, tag="type", what="receiver"))]


class OutboxConfig(_Strict):
    """Delivery: each notification is retried with exponential backoff
    (`backoff` × 2^attempt, at most `max_backoff`) until `max_attempts`; a claim
    holds a lease of `lease` so that N instances never send the same row twice."""

    max_attempts: int = Field(10, ge=1)
    backoff: Duration = Field(default_factory=lambda: parse_duration("PT30S"))
    max_backoff: Duration = Field(default_factory=lambda: parse_duration("PT1H"))
    lease: Duration = Field(default_factory=lambda: parse_duration("PT2M"))
