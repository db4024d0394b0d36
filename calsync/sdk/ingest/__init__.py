"""Turning upstream payloads into calsync events: iCalendar splitting and mapping, time zone
repair, producer-specific fixes, and the declarative field mapping of list APIs.

Small modules with one job each, shared by the connectors in `connectors/`; none of them
does I/O, so all of them are testable on fixture text.
"""
