"""`python -m archcheck`."""

from archcheck.launch import main

main()
