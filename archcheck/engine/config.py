"""A project's ``.archcheck.yaml``: threshold, severity and on/off overrides, validated strictly.

```yaml
version: 1
fail_on: medium
rules:
  AC001: {params: {inline_max: 200}}
  AC104: {severity: medium}
  AC110: {enabled: false}
```
Unknown keys and unknown rule ids are errors naming the file and line (see ``ruleset.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from archcheck.engine.suppress import SuppressEntry
from archcheck.errors import ConfigError
from archcheck.files.yamlpos import Positions, load_yaml, locate, validation_error
from archcheck.model import FailOn, Location, Severity
from archcheck.records import Invalid, Record, spec
from archcheck.structs import dataclass

CONFIG_NAMES = (".archcheck.yaml", ".archcheck.yml")


class RuleOverride(Record):
    """Overrides for one rule."""

    enabled: bool | None = None
    severity: Severity | None = None
    params: dict[str, Any] = spec(default_factory=dict)


class ProjectConfig(Record):
    """The whole ``.archcheck.yaml``."""

    version: Literal[1] = 1
    fail_on: FailOn | None = spec(
        default=None, description="Default for --fail-on (the flag wins)."
    )
    rules: dict[str, RuleOverride] = spec(default_factory=dict)
    suppress: tuple[SuppressEntry, ...] = spec(
        default=(), description="Accepted findings and verdicts, each with a reason (docs/ci.md)."
    )


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config and where each of its keys was written."""

    path: Path | None
    config: ProjectConfig
    positions: Positions

    def locate(self, *path: str | int) -> Location | None:
        """Where ``path`` was written in the config file."""
        return locate(self.positions, path) if self.path else None


def _error(message: str, location: Location | None) -> ConfigError:
    return ConfigError(message, location)


def load_config(path: Path | None) -> LoadedConfig:
    """Read ``path``; None gives the empty config (all shipped defaults)."""
    if path is None:
        return LoadedConfig(None, ProjectConfig(), Positions({}))
    data, positions = load_yaml(path, _error, what="config")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            "config must be a mapping (version, fail_on, rules); see docs/rules.md",
            locate(positions, ()),
        )
    try:
        config = ProjectConfig.model_validate(data)
    except Invalid as exc:
        raise validation_error(
            exc.error, lambda p: locate(positions, p), _error, what="config",
            hint="allowed keys: version, fail_on, rules.<ID>.{enabled,severity,params}, "
            "suppress[].{rule,service,reason}; "
            "see docs/rules.md",
        ) from exc
    return LoadedConfig(path, config, positions)


def find_config(explicit: Path | None, *folders: Path) -> Path | None:
    """``explicit`` if given (it must exist), else the first ``.archcheck.yaml`` in ``folders``."""
    if explicit is not None:
        if not explicit.exists():
            raise ConfigError(
                "config file not found: check the --config path", Location(str(explicit), 1, 1)
            )
        return explicit
    for folder in folders:
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None
