"""Misalignment alerts: what coordinators act on, above the pure rules.

- `evaluate`: the one entry point that runs the rules on the stored timeline, updates
  alerts and enqueues notifications (the CLI, the API and the scheduler call it);
- `fingerprint`: alert identity; `store`: lifecycle, coordinators' workflow, silences
  and history; `system`: alerts raised by calsync itself (an abandoned scheduled run);
- `notify/`: grouping, the persistent outbox and the receivers (webhook, email).

The `alerts:` config section is `calsync.config.alerts`.
"""
