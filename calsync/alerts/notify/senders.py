"""Delivering one notification: a webhook POST or an email over SMTP.

Each sender returns normally on success and raises `SendError` otherwise, saying
whether a retry may help (timeouts, 5xx, 429, refused connections, SMTP 4xx) or not
(other 4xx, SMTP 5xx: the receiver's config is wrong and retrying only spams).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

import httpx

from calsync.config.notify import DigestReceiver, EmailReceiver, WebhookReceiver

__all__ = ["SendError", "prepared_email", "render_email", "send", "send_email",
           "send_webhook"]


class SendError(Exception):
    def __init__(self, message: str, *, retriable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retriable = retriable
        self.status = status


def send_webhook(receiver: WebhookReceiver, payload: dict[str, Any]) -> int:
    headers = {"Content-Type": "application/json", "User-Agent": "calsync",
               **receiver.headers}
    try:
        with httpx.Client(timeout=receiver.timeout, follow_redirects=False) as client:
            response = client.post(receiver.url, json=payload, headers=headers)
    except httpx.HTTPError as exc:
        raise SendError(f"{exc.__class__.__name__}: {exc}", retriable=True) from exc
    if 200 <= response.status_code < 300:
        return response.status_code
    retriable = response.status_code in (408, 425, 429) or response.status_code >= 500
    raise SendError(f"HTTP {response.status_code}: {response.text[:200]}",
                    retriable=retriable, status=response.status_code)


def render_email(receiver: EmailReceiver, payload: dict[str, Any], message_id: str
                 ) -> EmailMessage:
    """A plain-text mail: one paragraph per alert (summary, fix, why, link)."""
    alerts = payload.get("alerts", [])
    firing = [a for a in alerts if a["status"] == "firing"]
    resolved = [a for a in alerts if a["status"] == "resolved"]
    group = ", ".join(f"{k}={v}" for k, v in payload.get("groupLabels", {}).items())
    subject = (f"[calsync] {len(firing)} misalignment{'s' if len(firing) != 1 else ''} "
               f"firing" if firing else f"[calsync] {len(resolved)} resolved")
    if group:
        subject += f" ({group})"
    lines = [f"{payload.get('notification_reason', '').capitalize()}.", ""]
    for title, items in (("Firing", firing), ("Resolved", resolved)):
        if not items:
            continue
        lines.append(f"{title}:")
        for item in items:
            ann, labels = item["annotations"], item["labels"]
            lines.append(f"- [{labels.get('severity', '')}] {labels.get('alertname', '')}: "
                         f"{ann.get('summary', '')}")
            if item["status"] == "firing" and ann.get("fix"):
                lines.append(f"  Fix: {ann['fix']}")
            if ann.get("rationale"):
                lines.append(f"  Why: {ann['rationale']}")
            lines.append(f"  {item['generatorURL']}")
        lines.append("")
    if payload.get("truncatedAlerts"):
        lines.append(f"({payload['truncatedAlerts']} more not shown)")
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = receiver.from_
    message["To"] = ", ".join(receiver.to)
    message["Message-ID"] = message_id
    message["X-Calsync-Group-Key"] = _one_line(payload.get("groupKey", ""))
    message.set_content("\n".join(lines).rstrip() + "\n")
    return message


def _one_line(value: str) -> str:
    """A header value from labels: a CR or LF in a label made EmailMessage raise, and the
    notification was retried for ever."""
    return " ".join(str(value).split())


def send_email(receiver: EmailReceiver, payload: dict[str, Any], message_id: str) -> int:
    try:
        message = render_email(receiver, payload, message_id)
    except (ValueError, TypeError) as exc:  # a payload no mail can carry: do not retry
        raise SendError(f"the mail could not be written ({exc})", retriable=False) from exc
    return _smtp_send(receiver, message)


def prepared_email(receiver: DigestReceiver, payload: dict[str, Any], message_id: str
                   ) -> EmailMessage:
    """A mail written when it was queued (the digest: `subject`, `text`, `html` in the
    payload), as multipart/alternative: plain text first, HTML second."""
    message = EmailMessage()
    message["Subject"] = _one_line(payload["subject"])
    message["From"] = receiver.from_
    message["To"] = ", ".join(receiver.to)
    message["Message-ID"] = message_id
    if payload.get("language"):
        message["Content-Language"] = _one_line(payload["language"])
    message["X-Calsync-Group-Key"] = _one_line(payload.get("groupKey", ""))
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    return message


def _smtp_send(receiver: EmailReceiver | DigestReceiver, message: EmailMessage) -> int:
    try:
        smtp: smtplib.SMTP
        if receiver.ssl:
            smtp = smtplib.SMTP_SSL(receiver.host, receiver.port, timeout=receiver.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(receiver.host, receiver.port, timeout=receiver.timeout)
        with smtp:
            if receiver.starttls and not receiver.ssl:
                smtp.starttls(context=ssl.create_default_context())
            if receiver.username:
                smtp.login(receiver.username, receiver.password or "")
            smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                        retriable=400 <= exc.smtp_code < 500, status=exc.smtp_code) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendError(f"recipients refused: {exc.recipients}",
                        retriable=all(400 <= c < 500 for c in codes)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"{exc.__class__.__name__}: {exc}", retriable=True) from exc
    return 250


def send(receiver: WebhookReceiver | EmailReceiver | DigestReceiver, payload: dict[str, Any],
         outbox_id: int) -> int:
    message_id = f"<calsync-outbox-{outbox_id}@calsync>"
    if isinstance(receiver, WebhookReceiver):
        return send_webhook(receiver, payload)
    if isinstance(receiver, DigestReceiver):
        try:
            message = prepared_email(receiver, payload, message_id)
        except (KeyError, ValueError, TypeError) as exc:
            raise SendError(f"the digest could not be written ({exc})",
                            retriable=False) from exc
        return _smtp_send(receiver, message)
    return send_email(receiver, payload, message_id)
