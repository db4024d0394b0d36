"""Where an agenda item, a misalignment and an organisation link to: the dashboard's
pages (`/events/<uid>`, `/alerts/<id>`, `/org/<name>`). The addresses are built in
`calsync.config.links`, the one place every face (alerts, feeds, agenda, digest) uses.
"""

from __future__ import annotations

from calsync.config.links import alert_link, event_link, organisation_link

__all__ = ["alert_link", "event_link", "organisation_link"]
