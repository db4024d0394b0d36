"""Built-in policy cycles: the schedules/*.yaml format, its catalog and its expansion."""
