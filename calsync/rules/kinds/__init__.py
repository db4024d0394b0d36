"""One module per rule kind; each has `evaluate(rule_id, rule, ctx) -> Iterator[Finding]`."""
