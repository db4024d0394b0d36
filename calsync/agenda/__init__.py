"""The organisation's agenda: its upcoming deadlines, decisions and meetings in date order,
each with the open misalignments that involve it (issue 15). `build.build_agenda` is the
one entry point (CLI `calsync agenda`, `GET /api/agenda`, the dashboard's organisation
page, the weekly digest); `render` turns an agenda into Markdown or iCalendar."""
