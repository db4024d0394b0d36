"""The dashboard: server-rendered pages (Jinja2, an SVG timeline drawn here) for people
who would rather look than read JSON. Swedish by default, English by `?lang=en`."""
