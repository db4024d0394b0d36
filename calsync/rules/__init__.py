"""Misalignment rules over the unified timeline: pure, a timeline in and findings out.

- `timeline`: compact items, inverted indexes, selectors materialised once;
- `kinds/`: one module per rule kind; `findings`: explained findings with fixes;
- `engine.evaluate`: run rules over a timeline; `rules_touched`: incremental choice.

The rule language itself (the `rules:` section) is `calsync.config.rules`; reading the
store, updating alerts and notifying is `calsync.alerts.evaluate`.
"""
