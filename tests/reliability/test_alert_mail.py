"""A CR or LF in an alert label (they come from upstream data) gives a one-line subject
instead of an exception that made the outbox retry the notification for ever (item 11)."""

from __future__ import annotations

from calsync.alerts.notify.senders import render_email
from calsync.config.notify import EmailReceiver


def test_crlf_in_labels_gives_one_line_headers() -> None:
    receiver = EmailReceiver.model_validate({"type": "email", "to": ["a@example.org"],
                                             "from": "calsync@example.org"})
    payload = {"groupLabels": {"actor": "Umeå kommun\r\nBcc: evil@example.org"},
               "groupKey": "k\r\nX-Evil: 1", "notification_reason": "new alert",
               "alerts": [{"status": "firing", "labels": {"alertname": "R1\r\nx"},
                           "annotations": {"summary": "s"}, "generatorURL": "http://x"}]}
    message = render_email(receiver, payload, "<m@calsync>")
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert "Umeå kommun Bcc: evil@example.org" in message["Subject"]
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["X-Calsync-Group-Key"] == "k X-Evil: 1"
