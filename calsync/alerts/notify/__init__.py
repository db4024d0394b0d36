"""Notifications for misalignment alerts: Alertmanager webhook v4 and email, grouped like
Alertmanager, delivered through a persistent outbox.

`deliver.drain_outbox` is the entry point (the scheduler's outbox job, `calsync alerts
send`); `payload` builds the messages, `dispatch` groups alerts into them, `outbox`
queues and claims them, `senders` talks to the receivers.
"""
