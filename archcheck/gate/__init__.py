"""The CI gate: which findings and verdicts fail a run.

``changes`` narrows a judged report to what is new or worse, against a ``baseline`` file or
the system as of a git revision (``diffbase``). Suppressions are marked earlier, by
``archcheck.engine.suppress``, because every command shows them, not only the gate.
"""
