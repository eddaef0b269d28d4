"""Where archcheck lives: its PyPI distribution, its repository and its rule pages.

The PyPI name ``archcheck`` belongs to an unrelated tool, so archcheck is distributed as
``archcheck-compose`` (the command stays ``archcheck``). Every URL archcheck prints or writes
(SARIF ``informationUri`` and ``helpUri``, the rule links of the text and markdown reports) is
built here, and ``tests/test_packaging.py`` checks them against ``pyproject.toml``.
"""

from __future__ import annotations

DISTRIBUTION = "archcheck-compose"
"""The name to ``pip install``."""

REPOSITORY_URL = "https://github.com/archcheck-compose/archcheck"
PYPI_URL = f"https://pypi.org/project/{DISTRIBUTION}/"
BLOB_URL = f"{REPOSITORY_URL}/blob/main"
"""Files of the repository as GitHub shows them (docs are read there; PyPI shows the README)."""
DECISION_MATRIX_URL = f"{BLOB_URL}/docs/rules.md"
"""Where the verdicts' pseudo-rules (``verdict.events``, ``verdict.cron``) are explained."""


def rule_doc_path(rule_id: str, name: str) -> str:
    """The rule page's path in the repository, generated from ``rules/<ID>-<name>.yaml``:
    ``docs/rules/AC103-container-name-with-replicas.md``."""
    return f"docs/rules/{rule_id}-{name}.md"


def rule_doc_url(rule_id: str, name: str) -> str:
    """The rule page's URL (SARIF ``helpUri``, the reports' rule links)."""
    return f"{BLOB_URL}/{rule_doc_path(rule_id, name)}"


RAW_URL = "https://raw.githubusercontent.com/archcheck-compose/archcheck/main"


def schema_url(file: str) -> str:
    """A JSON Schema's URL (``schemas/<file>`` in the repository; editors fetch it)."""
    return f"{RAW_URL}/schemas/{file}"
