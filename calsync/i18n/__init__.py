"""Languages: message catalogs (gettext, one domain per area) and locale formatting."""
