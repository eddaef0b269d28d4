"""System + Ruleset -> Report: the decision matrix per service and workload kind, then hygiene.

Reads no files; linear in services, workloads and measurements.
"""

from __future__ import annotations

from archcheck import __version__
from archcheck.engine.capacity import CapacityParams, event_capacity
from archcheck.engine.chart import charts
from archcheck.engine.criteria import (
    ENVIRONMENT_DEFAULT,
    RetryParams,
    declared_disagreements,
)
from archcheck.engine.facts import Facts, KindContext
from archcheck.engine.hygiene import Value
from archcheck.engine.migration import migration_path
from archcheck.engine.registry import CHECKS
from archcheck.engine.ruleset import Ruleset, RuleSpec
from archcheck.metrics import format_quantity
from archcheck.model import (
    PRIORITY_RANK,
    Capacity,
    Evidence,
    Finding,
    Note,
    Ownership,
    Priority,
    Report,
    RuleDoc,
    Service,
    System,
    Verdict,
    WorkloadKind,
)

_BY_RANK: dict[int, Priority] = {1: "low", 2: "medium", 3: "high"}
_WORKER_ROLE = {"events": ("event-worker", "worker"), "cron": ("cron-worker", "worker")}
_KIND_ORDER = {"events": 0, "cron": 1}
_KIND_WORDS = {"events": "event worker", "cron": "cron worker"}


def evaluate(system: System, ruleset: Ruleset) -> Report:
    """Verdicts for every service's event and cron workloads, and every hygiene finding."""
    facts = Facts(system)
    criteria = ruleset.enabled("criterion")
    env_rule = next((r for r in criteria if r.check == "environment"), None)
    verdicts: list[Verdict] = []
    defaults: set[str] = set()
    for (service_name, kind), workloads in facts.workloads.items():
        service = facts.services.get(service_name)
        if service is None or kind not in ("events", "cron"):
            continue
        ctx = KindContext(service, kind, tuple(workloads), facts)
        evidence: list[Evidence] = []
        for r in criteria:
            if kind not in r.applies_to:
                continue
            found = CHECKS[r.check].fn(r.params, ctx, r.criterion or r.name)
            if r.check == "environment" and found.value is None:
                defaults.add(ENVIRONMENT_DEFAULT)  # NOTE: said once, in the report's header
                continue
            evidence.append(found.model_copy(update={"rule_id": r.id}))
        verdicts.append(_verdict(ctx, _decision_order(evidence), env_rule))
    findings = [
        Finding(
            rule_id=rule.id,
            rule_name=rule.name,
            severity=rule.severity or "medium",
            message=rule.format(service=hit.service, **hit.values),
            service=hit.service,
            location=hit.location,
            evidence=_with_document(hit.values, facts.services.get(hit.service)),
        )
        for rule in ruleset.enabled("hygiene")
        for hit in CHECKS[rule.check].fn(rule.params, facts)
    ]
    findings.sort(
        key=lambda f: (
            -PRIORITY_RANK[f.severity],
            f.location.file if f.location else "",
            f.location.line if f.location else 0,
            f.rule_id,
            f.service or "",
        )
    )
    verdicts.sort(key=lambda v: (v.service, _KIND_ORDER.get(v.kind, 9)))
    notes = list(system.notes)
    retry = next((r for r in criteria if r.check == "retry_dead_letter"), None)
    if retry is not None and isinstance(retry.params, RetryParams):
        notes += declared_disagreements(retry.params, facts)
    notes += [
        Note(text=f"{ruleset.config_path}: {rule.id} ({rule.name}) overrides {', '.join(rule.overridden)}")
        for rule in ruleset.rules
        if rule.overridden
    ]
    return Report(
        tool_version=__version__,
        project=system.project,
        compose_files=system.compose_files,
        verdicts=tuple(verdicts),
        findings=tuple(findings),
        workloads=system.workloads,
        notes=tuple(notes),
        defaults=tuple(sorted(defaults)),
        ownership=_ownership(system.services),
        rules=tuple(map(_doc, ruleset.rules)),
        capacity=_capacity(facts, ruleset),
        charts=charts(facts, ruleset, verdicts),
        services=system.services,
        migration=migration_path(verdicts, system.services),
    )


_OUTCOME_ORDER = {"separate": 0, "insufficient-data": 1, "inline": 2, "neutral": 3}


def _decision_order(evidence: list[Evidence]) -> list[Evidence]:
    """What decided first: separate (high before medium before low), then what is missing,
    then what is within the inline limits, then context (rule order within each)."""
    return sorted(
        evidence,
        key=lambda e: (_OUTCOME_ORDER[e.outcome], -PRIORITY_RANK.get(e.priority or "", 0)),
    )


_OWNED_ROLES = ("event-worker", "cron-worker", "worker", "migration", "sidecar")


def _ownership(services: tuple[Service, ...]) -> tuple[Ownership, ...]:
    """How each worker, migration and sidecar was matched to its application service."""
    out: list[Ownership] = []
    for s in services:
        if s.role not in _OWNED_ROLES and s.owner is None:
            continue
        location = s.key_locations.get("x-archcheck.owner", s.location)
        out.append(
            Ownership(service=s.name, role=s.role, owner=s.owner, match=s.owner_match,
                      detail=_match_detail(s), location=location)
        )  # fmt: skip
    return tuple(out)


def _match_detail(s: Service) -> str:
    if s.owner is None:
        return "no owner found: add x-archcheck: {owner: SERVICE}"
    match s.owner_match:
        case "x-archcheck":
            return "declared with x-archcheck: owner"
        case "image":
            return f"the same image ({s.image})"
        case "build":
            dockerfile = f", {s.dockerfile}" if s.dockerfile else ""
            return f"the same build ({s.build_context}{dockerfile})"
        case "app-id":
            return "its --app-id"
        case "network_mode":
            return f"network_mode: service:{s.owner}"
        case "annotation":
            return "its archcheck.dev/owner annotation"
        case "part-of":
            return "its app.kubernetes.io/part-of label"
        case _:
            return f"its name ({s.name} -> {s.owner})"


def _capacity(facts: Facts, ruleset: Ruleset) -> tuple[Capacity, ...]:
    """Little's law for every service with event workloads, with AC108's parameters."""
    params = next((r.params for r in ruleset.rules if r.check == "event_worker_under_capacity"),
                  None)  # fmt: skip
    p = params if isinstance(params, CapacityParams) else CapacityParams()
    services = sorted({service for service, kind in facts.workloads if kind == "events"})
    return tuple(event_capacity(facts, service, p) for service in services)


def _doc(rule: RuleSpec) -> RuleDoc:
    return RuleDoc(
        id=rule.id,
        name=rule.name,
        level=PRIORITY_RANK[rule.severity] if rule.severity else 2,
        what=rule.docs.what.strip(),
        why=rule.docs.why.strip(),
        example=rule.docs.example,
        fix=rule.docs.fix.strip(),
        platforms=rule.platforms,
    )


def _verdict(ctx: KindContext, evidence: list[Evidence], env_rule: RuleSpec | None) -> Verdict:
    names = tuple(w.name for w in ctx.workloads)
    separate = [e for e in evidence if e.outcome == "separate"]
    missing = [e for e in evidence if e.outcome == "insufficient-data"]
    existing = [
        s.name
        for s in ctx.facts.by_owner.get(ctx.service.name, [])
        if s.role in _WORKER_ROLE[ctx.kind]
    ]
    location = ctx.workloads[0].location or ctx.service.location
    if separate:
        rank = max(PRIORITY_RANK[e.priority or "low"] for e in separate)
        reasons = "; ".join(_reason(e) for e in separate)
        steps = _downgrade(ctx, env_rule)
        env = ctx.facts.environment(ctx.service)
        if rank - steps < 1:
            return _make(
                ctx, "inline", "low", names, evidence, location,
                f"keep inline in {env}: in production this would be a separate "
                f"{_KIND_WORDS[ctx.kind]} ({reasons})",
            )
        priority = _BY_RANK[rank - steps]
        where = (
            f"already separated in {', '.join(existing)}: the recommendation is met"
            if existing
            else f"move {', '.join(names)} to a separate {_KIND_WORDS[ctx.kind]}"
        )
        lowered = f"; priority lowered for {env}" if steps else ""
        return _make(
            ctx, "separate", priority, names, evidence, location,
            f"{where} ({reasons}){lowered}", separated_in=tuple(existing),
        )
    if missing:
        what = "; ".join(
            f"{e.criterion}: {e.source} is missing" for e in missing
        )
        return _make(
            ctx, "insufficient-data", "low", names, evidence, location,
            f"cannot decide {', '.join(names)}: {what}; see the evidence for how to provide it",
        )
    return _make(
        ctx, "inline", "low", names, evidence, location,
        f"keep {', '.join(names)} inline: every criterion is within the inline limits",
    )


def _reason(e: Evidence) -> str:
    if isinstance(e.value, str):
        return f"{e.criterion}: {e.value} ({e.threshold})"
    return f"{e.criterion} {format_quantity(e.value, e.unit)} {e.threshold}"


def _downgrade(ctx: KindContext, env_rule: RuleSpec | None) -> int:
    env = ctx.facts.environment(ctx.service)
    if env_rule is None or env is None:
        return 0
    steps: dict[str, int] = getattr(env_rule.params, "downgrade_steps", {})
    return steps.get(env, 0)


def _make(
    ctx: KindContext,
    decision: str,
    priority: Priority,
    names: tuple[str, ...],
    evidence: list[Evidence],
    location: object,
    summary: str,
    separated_in: tuple[str, ...] = (),
) -> Verdict:
    kind: WorkloadKind = ctx.kind
    return Verdict.model_validate(
        {
            "service": ctx.service.name,
            "kind": kind,
            "decision": decision,
            "priority": priority,
            "workloads": names,
            "summary": summary,
            "evidence": evidence,
            "location": location,
            "separated_in": separated_in,
        }
    )


def _with_document(values: dict[str, Value], service: Service | None) -> dict[str, Value]:
    """A finding on a Kubernetes object also names the object's document in its file (1-based):
    ``<stdin>`` holds every object of ``kubectl kustomize`` in one stream."""
    if service is None or service.kubernetes is None:
        return values
    return {**values, "document": service.kubernetes.document + 1}
