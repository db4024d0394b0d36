"""Receivers (where notifications go) and the outbox's retry policy, as config models.

A receiver is a webhook that gets exactly Alertmanager's webhook format version 4, or
an email address list reached over SMTP. Secrets come from `${ENV}` references, never
from the file itself; a bundled receiver is disabled until someone fills it in.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from calsync.configtypes import tagged_union
from calsync.durations import Duration, parse_duration
from calsync.i18n.languages import Language

__all__ = ["EmailReceiver", "OutboxConfig", "Receiver", "RouteConfig", "WebhookReceiver"]


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


class EmailReceiver(_Strict):
    """Sends a plain-text summary of each notification over SMTP."""

    type: Literal["email"]
    enabled: bool = True
    to: list[str] = Field(min_length=1)
    from_: str = Field(alias="from")
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = Field(30.0, gt=0, le=300)
    send_resolved: bool = True
    language: Language | None = Field(
        None, description="sv or en: the texts this receiver gets (default: the top-level "
                          "language).")
    route: RouteConfig | None = None


_RECEIVERS: dict[str, type[WebhookReceiver] | type[EmailReceiver]] = {
    "webhook": WebhookReceiver, "email": EmailReceiver}


Receiver = Annotated[WebhookReceiver | EmailReceiver,
                     PlainValidator(tagged_union(_RECEIVERS, tag="type", what="receiver"))]


class OutboxConfig(_Strict):
    """Delivery: each notification is retried with exponential backoff
    (`backoff` × 2^attempt, at most `max_backoff`) until `max_attempts`; a claim
    holds a lease of `lease` so that N instances never send the same row twice."""

    max_attempts: int = Field(10, ge=1)
    backoff: Duration = Field(default_factory=lambda: parse_duration("PT30S"))
    max_backoff: Duration = Field(default_factory=lambda: parse_duration("PT1H"))
    lease: Duration = Field(default_factory=lambda: parse_duration("PT2M"))
