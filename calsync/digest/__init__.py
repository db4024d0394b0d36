"""The weekly digest (issue 15): per subscription (a `digest` receiver), what is coming in
the next weeks, the open and new misalignments, and what changed since the last digest,
as one multipart e-mail through the outbox. `content` gathers, `render` writes (Jinja2
templates, texts from the `digest` catalog), `send` queues it exactly once per tick."""
