"""`python -m archcheck`."""

from archcheck.cli.launch import main

main()
