"""Misalignment alerts (issue 5): identity (`fingerprint`), lifecycle, coordinators'
workflow, silences and history (`store`), and the `alerts:` config section (`config`).
Import-light on purpose: config loading imports `alerts.config`."""
