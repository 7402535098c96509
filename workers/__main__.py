"""`python -m workers` is the `newsflow` command (tests call it with the same interpreter)."""

from workers.cli import main

main()
