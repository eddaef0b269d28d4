"""Load ``rules/*.yaml`` (the shipped decision matrix and hygiene rules) and apply a project's
``.archcheck.yaml`` on top: thresholds, severities, rules turned off.

A rule is data: id, name, check, params, message template and docs. Its params are validated
against the check's model when loading, so a bad threshold fails before anything runs.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

from archcheck.engine.config import LoadedConfig, load_config
from archcheck.engine.criteria import Params
from archcheck.engine.registry import CHECKS, Check
from archcheck.engine.suppress import located_suppressions
from archcheck.errors import ConfigError, RuleDefinitionError
from archcheck.files.yamlpos import load_yaml, locate, validation_error
from archcheck.model import FailOn, Location, Severity, Suppression
from archcheck.records import Invalid, Record, fields_of, spec
from archcheck.structs import dataclass, field

Platform = Literal["docker-compose", "kubernetes"]
PLATFORMS: tuple[Platform, ...] = ("docker-compose", "kubernetes")


class RuleDocs(Record):
    """What ``archcheck rules explain ID`` prints."""

    what: str = spec(min_length=1)
    why: str = spec(min_length=1)
    example: str = spec(min_length=1)
    fix: str = spec(min_length=1)


class RuleFile(Record):
    """One ``rules/*.yaml`` file."""

    id: str = spec(pattern=r"^AC\d{3}$")
    name: str = spec(pattern=r"^[a-z][a-z0-9-]+$")
    check: str
    criterion: str | None = spec(
        default=None, description="Decision-matrix row name (criterion rules only)."
    )
    applies_to: list[Literal["events", "cron"]] = spec(default_factory=list)
    platforms: list[Platform] = spec(
        default_factory=lambda: list(PLATFORMS),
        min_length=1,
        description="What the rule reads: compose files, Kubernetes manifests or both (SARIF tags).",
    )
    severity: Severity | None = None
    params: dict[str, Any] = spec(default_factory=dict)
    message: str = spec(min_length=1)
    docs: RuleDocs


@dataclass(frozen=True)
class RuleSpec:
    """A loaded rule with validated params (after config overrides)."""

    id: str
    name: str
    check: str
    kind: Literal["criterion", "hygiene"]
    criterion: str | None
    applies_to: tuple[str, ...]
    severity: Severity | None
    params: Params
    message: str
    docs: RuleDocs
    file: str
    platforms: tuple[str, ...] = PLATFORMS
    enabled: bool = True
    overridden: tuple[str, ...] = ()
    """What the project's config changed (``params.inline_max``, ``severity``...)."""

    def format(self, **values: Any) -> str:
        """The message template filled with params and ``values``."""
        return self.message.format_map({**self.params.model_dump(), **values})


@dataclass(frozen=True)
class Ruleset:
    """Every rule, in id order, plus the project config that shaped them."""

    rules: tuple[RuleSpec, ...]
    config_path: Path | None = None
    fail_on: FailOn | None = None
    by_id: dict[str, RuleSpec] = field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()
    """The config's ``suppress:`` entries, located (applied by ``archcheck.engine.suppress``)."""

    def enabled(self, kind: str) -> list[RuleSpec]:
        """Enabled rules of ``kind`` (``criterion`` or ``hygiene``)."""
        return [r for r in self.rules if r.enabled and r.kind == kind]

    def get(self, rule_id: str) -> RuleSpec:
        """The rule ``rule_id`` (case-insensitive), or a UsageError-style ConfigError."""
        rule = self.by_id.get(rule_id.upper())
        if rule is None:
            known = ", ".join(r.id for r in self.rules)
            raise ConfigError(f"no rule {rule_id!r}; known rules: {known}")
        return rule


def _rule_error(message: str, location: Location | None) -> RuleDefinitionError:
    return RuleDefinitionError(message, location)


def _config_error(message: str, location: Location | None) -> ConfigError:
    return ConfigError(message, location)


def load_rule(path: Path) -> RuleSpec:
    """Parse and validate one rule file."""
    data, positions = load_yaml(path, _rule_error, what="rule")
    try:
        rule = RuleFile.model_validate(data)
    except Invalid as exc:
        raise validation_error(
            exc.error, lambda p: locate(positions, p), _rule_error, what="rule",
            hint="see docs/rules.md for the rule file format",
        ) from exc
    check = CHECKS.get(rule.check)
    if check is None:
        raise RuleDefinitionError(
            f"rule {rule.id}: unknown check {rule.check!r}; use one of {', '.join(CHECKS)}",
            locate(positions, ("check",)),
        )
    if check.kind == "hygiene" and rule.severity is None:
        raise RuleDefinitionError(
            f"rule {rule.id}: hygiene rules need a severity (high, medium or low)",
            locate(positions, ()),
        )
    if check.kind == "criterion" and (not rule.applies_to or not rule.criterion):
        raise RuleDefinitionError(
            f"rule {rule.id}: criterion rules need 'criterion' and 'applies_to'",
            locate(positions, ()),
        )
    try:
        params = check.params.model_validate(rule.params)
    except Invalid as exc:
        raise validation_error(
            exc.error, lambda p: locate(positions, ("params", *p)), _rule_error,
            what=f"rule {rule.id} params", hint="fix the value in the rule file",
        ) from exc
    _check_template(rule.message, check, params, locate(positions, ("message",)), rule.id)
    return RuleSpec(
        id=rule.id, name=rule.name, check=rule.check, kind=check.kind,
        criterion=rule.criterion, applies_to=tuple(rule.applies_to), severity=rule.severity,
        params=params, message=rule.message, docs=rule.docs, file=str(path),
        platforms=tuple(dict.fromkeys(rule.platforms)),
    )


def _check_template(
    message: str, check: Check, params: Params, location: Location | None, rule_id: str
) -> None:
    allowed = check.fields | set(fields_of(type(params)))
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(message) if name}
    except ValueError as exc:
        raise RuleDefinitionError(f"rule {rule_id}: bad message template: {exc}", location) from exc
    unknown = {n.split(".")[0].split("[")[0] for n in names} - allowed
    if unknown:
        raise RuleDefinitionError(
            f"rule {rule_id}: message uses unknown field(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}",
            location,
        )


def load_ruleset(config_path: Path | None = None, rules_dir: Path | None = None) -> Ruleset:
    """The shipped rules (or ``rules_dir``) with the project config at ``config_path`` applied."""
    from archcheck.files.bundled import rules_dir as shipped

    folder = rules_dir or shipped()
    rules: dict[str, RuleSpec] = {}
    for path in sorted(folder.glob("*.yaml")):
        rule = load_rule(path)
        if rule.id in rules:
            raise RuleDefinitionError(
                f"rule id {rule.id} is used by {rules[rule.id].file} and {path}; ids must be unique"
            )
        rules[rule.id] = rule
    loaded = load_config(config_path)
    for rule_id, override in loaded.config.rules.items():
        if rule_id not in rules:
            raise ConfigError(
                f"config: unknown rule id {rule_id!r}; run `archcheck rules list` for the ids",
                loaded.locate("rules", rule_id),
            )
        rules[rule_id] = _apply(rules[rule_id], override.model_dump(), loaded)
    ordered = tuple(rules[k] for k in sorted(rules))
    return Ruleset(
        rules=ordered, config_path=config_path, fail_on=loaded.config.fail_on,
        by_id={r.id: r for r in ordered},
        suppressions=located_suppressions(
            loaded.config.suppress, rules, lambda i: loaded.locate("suppress", i)
        ),
    )


def _apply(rule: RuleSpec, override: dict[str, Any], loaded: LoadedConfig) -> RuleSpec:
    changed: list[str] = []
    params = rule.params
    if override["params"]:
        merged = {**rule.params.model_dump(), **override["params"]}
        try:
            params = type(rule.params).model_validate(merged)
        except Invalid as exc:
            raise validation_error(
                exc.error, lambda p: loaded.locate("rules", rule.id, "params", *p), _config_error,
                what=f"config: rules.{rule.id}.params",
                hint=f"see `archcheck rules explain {rule.id}` for its params",
            ) from exc
        changed += [f"params.{k}" for k in override["params"]]
    severity = rule.severity
    if override["severity"] is not None:
        if rule.kind != "hygiene":
            raise ConfigError(
                f"config: rules.{rule.id}.severity: {rule.id} is a decision-matrix criterion; "
                "its priority comes from its params, change those instead",
                loaded.locate("rules", rule.id, "severity"),
            )
        severity = override["severity"]
        changed.append("severity")
    enabled = rule.enabled if override["enabled"] is None else bool(override["enabled"])
    if override["enabled"] is not None:
        changed.append("enabled")
    return RuleSpec(
        **{
            **rule.__dict__,
            "params": params, "severity": severity, "enabled": enabled,
            "overridden": tuple(changed),
        }
    )
