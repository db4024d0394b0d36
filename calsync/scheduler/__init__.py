"""The scheduler: connector syncs, rule evaluation and the outbox, on their own, exactly
once across any number of instances.

APScheduler 3.11 is each process's clock and parses the schedules (`calsync.triggers`);
the database is the source of truth (`ledger`): one row per (job, tick), claimed
atomically, leased, heartbeated and completed in the same transaction as the synced data.
`jobs` says what runs (and `request_sync` asks for a sync now), `hooks` what the singleton
jobs call, `worker` runs the dispatch loop (`calsync worker` and `calsync serve` start it),
`status` is each connector's schedule health, `now` runs a requested sync in the
foreground (`calsync sync`).
"""
