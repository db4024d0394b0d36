"""Publishing the timeline as iCalendar feeds."""
