"""The engine: ``rules/`` + a ``System`` -> a ``Report``. It reads no files besides the rules.

``evaluate(system, ruleset)`` applies the decision matrix and the hygiene checks;
``load_ruleset(config_path)`` loads the shipped rules and a project's ``.archcheck.yaml``.
"""

from __future__ import annotations

from archcheck.engine.evaluate import evaluate
from archcheck.engine.ruleset import Ruleset, RuleSpec, load_ruleset

__all__ = ["RuleSpec", "Ruleset", "evaluate", "load_ruleset"]
