"""``archcheck fix``: the mechanical fixes of the hygiene rules, applied to the compose files.

``edits`` holds one fix per rule (ruamel.yaml round trip); ``run`` finds what to fix, checks the
result through the compose loader and writes it, or prints a diff.
"""
