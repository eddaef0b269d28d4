"""``archcheck rules list`` and ``rules explain ID`` without typer: the text they print."""

from __future__ import annotations

from pathlib import Path


def list_rules(config_file: Path | None) -> str:
    """Every rule: id, name, severity or matrix row, and whether it is enabled."""
    from archcheck.engine.ruleset import load_ruleset

    lines = []
    for rule in load_ruleset(config_file).rules:
        kind = (
            f"criterion ({rule.criterion}; {', '.join(rule.applies_to)})"
            if rule.kind == "criterion"
            else f"{rule.severity}"
        )
        state = "" if rule.enabled else "  [disabled]"
        lines.append(f"{rule.id}  {rule.name:42} {kind}{state}\n")
    return "".join(lines)


def explain_rule(rule_id: str, config_file: Path | None) -> str:
    """A rule's documentation: what, why, example, fix, its parameters and its page."""
    from archcheck import links
    from archcheck.engine.ruleset import load_ruleset

    rule = load_ruleset(config_file).get(rule_id)
    lines = [f"{rule.id} {rule.name}"]
    if rule.kind == "criterion":
        lines.append(f"decision-matrix criterion: {rule.criterion} ({', '.join(rule.applies_to)})")
    else:
        lines.append(f"severity: {rule.severity}")
    if not rule.enabled:
        lines.append("disabled by the project config")
    for title in ("what", "why", "example", "fix"):
        lines += [
            "",
            f"{title.capitalize()}:",
            *("  " + line for line in getattr(rule.docs, title).rstrip().splitlines()),
        ]
    params = rule.params.model_dump()
    if params:
        lines += ["", f"Parameters (override in .archcheck.yaml under rules.{rule.id}.params):"]
        from archcheck.records import fields_of

        fields = fields_of(type(rule.params))
        for key, value in params.items():
            help_text = fields[key].description or ""
            lines.append(f"  {key}: {value}" + (f"  # {help_text}" if help_text else ""))
    lines += ["", f"Documentation: {links.rule_doc_url(rule.id, rule.name)}"]
    return "\n".join(lines) + "\n"
