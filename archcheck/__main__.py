"""`python -m archcheck`."""

from archcheck.cli import main

main()
