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

from calsync.alerts.notify.payload import in_language, localised
from calsync.config.notify import DigestReceiver, EmailReceiver, WebhookReceiver
from calsync.errors import one_line
from calsync.i18n.catalogs import N_, translator
from calsync.i18n.languages import Language

__all__ = ["SendError", "prepared_email", "render_email", "send", "send_email",
           "send_webhook"]


class SendError(Exception):
    def __init__(self, message: str, *, retriable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retriable = retriable
        self.status = status


def send_webhook(receiver: WebhookReceiver, payload: dict[str, Any]) -> int:
    import httpx  # delivering's cost: evaluating (which only enqueues) does not import it

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
    # The receiver's answer, on one printable line (it is shown in a terminal).
    answer = one_line(response.text, 200)
    raise SendError(f"HTTP {response.status_code}: {answer}",  # i18n: not text (admin)
                    retriable=retriable, status=response.status_code)


_REASONS = {
    "first notification": N_("First notification."),  # i18n: not text (a reason token)
    "new alerts added": N_("New alerts added."),  # i18n: not text (a reason token)
    "all alerts resolved": N_("All alerts resolved."),  # i18n: not text (a reason token)
    "some alerts resolved": N_("Some alerts resolved."),  # i18n: not text (a reason token)
    "repeat interval elapsed":  # i18n: not text (a reason token)
        N_("Still firing (repeat interval elapsed)."),
}


def render_email(receiver: EmailReceiver, payload: dict[str, Any], message_id: str,
                 language: Language = "en") -> EmailMessage:
    """A plain-text mail in the receiver's language: one paragraph per alert (summary,
    fix, why, link); the alerts carry their texts in every language."""
    t = translator(language, "findings")
    alerts = payload.get("alerts", [])
    firing = [a for a in alerts if a["status"] == "firing"]
    resolved = [a for a in alerts if a["status"] == "resolved"]
    group = ", ".join(f"{k}={v}" for k, v in payload.get("groupLabels", {}).items())
    if firing:
        subject = t.ngettext("[calsync] {count} misalignment firing",
                             "[calsync] {count} misalignments firing",
                             len(firing)).format(count=len(firing))
    else:
        subject = t.ngettext("[calsync] {count} resolved", "[calsync] {count} resolved",
                             len(resolved)).format(count=len(resolved))
    if group:
        subject += f" ({group})"
    reason = payload.get("notification_reason", "")
    lines = [t.gettext(_REASONS[reason]) if reason in _REASONS else reason, ""]
    for title, items in ((t.gettext("Firing:"), firing), (t.gettext("Resolved:"), resolved)):
        if not items:
            continue
        lines.append(title)
        for item in items:
            ann, labels = localised(item["annotations"], language), item["labels"]
            lines.append(f"- [{labels.get('severity', '')}] {labels.get('alertname', '')}: "
                         f"{ann.get('summary', '')}")
            if item["status"] == "firing" and ann.get("fix"):
                lines.append("  " + t.gettext("Fix: {fix}").format(fix=ann["fix"]))
            if ann.get("rationale"):
                lines.append("  " + t.gettext("Why: {rationale}").format(
                    rationale=ann["rationale"]))
            lines.append(f"  {item['generatorURL']}")
        lines.append("")
    if payload.get("truncatedAlerts"):
        more = int(payload["truncatedAlerts"])
        lines.append(t.ngettext("({count} more not shown)", "({count} more not shown)",
                                more).format(count=more))
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


def send_email(receiver: EmailReceiver, payload: dict[str, Any], message_id: str,
               language: Language = "en") -> int:
    try:
        message = render_email(receiver, payload, message_id, language)
    except (ValueError, TypeError) as exc:  # a payload no mail can carry: do not retry
        problem = f"the mail could not be written ({exc})"  # i18n: not text (admin)
        raise SendError(problem, retriable=False) from exc
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
        raise SendError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",  # i18n: not text (admin)
                        retriable=400 <= exc.smtp_code < 500, status=exc.smtp_code) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendError(f"recipients refused: {exc.recipients}",  # i18n: not text (admin)
                        retriable=all(400 <= c < 500 for c in codes)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"{exc.__class__.__name__}: {exc}", retriable=True) from exc
    return 250


def send(receiver: WebhookReceiver | EmailReceiver | DigestReceiver, payload: dict[str, Any],
         outbox_id: int, language: Language = "en") -> int:
    """Deliver `payload` in `language` (the receiver's, else the config's); a digest was
    written in its subscription's language when it was queued."""
    message_id = f"<calsync-outbox-{outbox_id}@calsync>"
    if isinstance(receiver, WebhookReceiver):
        return send_webhook(receiver, in_language(payload, language))
    if isinstance(receiver, DigestReceiver):
        try:
            message = prepared_email(receiver, payload, message_id)
        except (KeyError, ValueError, TypeError) as exc:
            problem = f"the digest could not be written ({exc})"  # i18n: not text (admin)
            raise SendError(problem, retriable=False) from exc
        return _smtp_send(receiver, message)
    return send_email(receiver, payload, message_id, language)


