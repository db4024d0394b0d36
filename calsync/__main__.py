"""`python -m calsync` is the `calsync` command."""

from calsync.cli import main

main()
