"""Saved ``/metrics`` scrapes (Prometheus exposition text) -> measurements.

Parsed with ``prometheus_client.parser``. Series: the review's ``worker_jobs_total{worker,status}``,
``worker_job_duration_seconds`` (histogram: percentiles from the buckets, as
``histogram_quantile`` does), ``worker_queue_size``, and cAdvisor's
``container_cpu_usage_seconds_total`` / ``container_memory_working_set_bytes``.

Rates (events per minute, retry rate, dead letters) need time:
- two scrapes of the same target (``--metrics before.prom --metrics after.prom``): the counter
  increase divided by the time between them. This is preferred: it measures the window.
- one scrape: the counter divided by the time since ``process_start_time_seconds`` (the whole
  process lifetime, so a recent restart makes it noisy).
A scrape's time is the samples' own timestamps when present, else the file's modification time.
The service is the ``service`` (or ``container_label_com_docker_compose_service``) label, else
the file name up to its first dot (``pricing-service.after.prom``); the workload is ``worker``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from archcheck.errors import SourceError
from archcheck.files.read import read_text
from archcheck.metrics import METRICS
from archcheck.model import Location, Measurement
from archcheck.structs import dataclass, field

SERVICE_LABELS = ("service", "container_label_com_docker_compose_service", "compose_service")
FAILED_STATUSES = frozenset({"retry", "failed", "failure", "error"})
DEAD_LETTER_STATUSES = frozenset({"dead_letter", "dead-letter", "dlq"})
QUANTILES = {"processing_ms_p50": 0.5, "processing_ms_p95": 0.95, "processing_ms_p99": 0.99}

SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


@dataclass
class Scrape:
    """One parsed exposition file."""

    path: Path
    time: float
    """Seconds since the epoch when it was taken: its newest sample timestamp, else its mtime."""
    values: dict[SeriesKey, float] = field(default_factory=dict)
    lines: dict[SeriesKey, int] = field(default_factory=dict)
    default_service: str = ""

    def location(self, key: SeriesKey) -> Location:
        """Where the series is written."""
        return Location(file=str(self.path), line=self.lines.get(key, 1))


def _sample_lines(text: str) -> list[int]:
    """1-based line numbers of the sample lines, in order (comments and blanks skipped)."""
    return [
        i for i, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def parse_scrape(path: Path) -> Scrape:
    """Parse one file; errors name the file and the offending line."""
    from prometheus_client.parser import text_string_to_metric_families

    text = read_text(path, f"metrics file {path}", error=SourceError,
                     missing="check the --metrics path")  # fmt: skip
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}; check the --metrics path") from exc
    lines = _sample_lines(text)
    try:
        samples = [s for family in text_string_to_metric_families(text) for s in family.samples]
    except (ValueError, TypeError, IndexError) as exc:
        # NOTE: not the parser's message: it quotes the line, and a mistaken --metrics path
        # may name a file holding a secret.
        raise SourceError(
            "not valid Prometheus exposition text: this line is not a sample, a comment or "
            "blank; save a /metrics scrape as is",
            _bad_line(path, text),
        ) from exc
    scrape = Scrape(path=path, time=mtime, default_service=path.name.split(".")[0])
    stamps: list[float] = []
    for index, sample in enumerate(samples):
        key: SeriesKey = (sample.name, tuple(sorted(sample.labels.items())))
        line = lines[index] if index < len(lines) else 1
        if key in scrape.values:
            raise SourceError(
                f"duplicate series {sample.name}{dict(key[1])} (first on line "
                f"{scrape.lines[key]}); keep one sample per series",
                Location(file=str(path), line=line),
            )
        scrape.values[key] = float(sample.value)
        scrape.lines[key] = line
        if sample.timestamp is not None:
            stamps.append(float(sample.timestamp))
    if stamps:
        scrape.time = max(stamps)
    return scrape


def _bad_line(path: Path, text: str) -> Location | None:
    """The first line the parser rejects on its own (the parser reports no positions)."""
    from prometheus_client.parser import text_string_to_metric_families

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            list(text_string_to_metric_families(line + "\n"))
        except (ValueError, TypeError, IndexError):
            return Location(file=str(path), line=number)
    return Location(file=str(path), line=1)


@dataclass(frozen=True)
class Exposition:
    """Measurements from one or more scrapes, and how rates were obtained."""

    measurements: list[Measurement]
    notes: list[str]


def load_exposition(path: Path) -> list[Measurement]:
    """Measurements from a single scrape (rates from ``process_start_time_seconds``)."""
    return load_scrapes([path]).measurements


def load_scrapes(
    paths: list[Path], kinds: Mapping[tuple[str, str], str] | None = None
) -> Exposition:
    """Measurements from scrapes of one or more targets; two scrapes of a series give rates.

    ``kinds`` maps (service, worker) to ``cron`` for scheduled jobs, whose durations become
    ``cron_duration_s_p95`` instead of ``processing_ms_*``.
    """
    scrapes = sorted((parse_scrape(p) for p in paths), key=lambda s: s.time)
    first: dict[SeriesKey, tuple[Scrape, float]] = {}
    last: dict[SeriesKey, tuple[Scrape, float]] = {}
    for scrape in scrapes:
        for key, value in scrape.values.items():
            first.setdefault(key, (scrape, value))
            last[key] = (scrape, value)
    builder = _Builder(first, last, kinds or {})
    return builder.build()


def _service_of(labels: Mapping[str, str], scrape: Scrape) -> str:
    for name in SERVICE_LABELS:
        if labels.get(name):
            return labels[name]
    return scrape.default_service


class _Builder:
    def __init__(
        self,
        first: dict[SeriesKey, tuple[Scrape, float]],
        last: dict[SeriesKey, tuple[Scrape, float]],
        kinds: Mapping[tuple[str, str], str],
    ) -> None:
        self.first, self.last, self.kinds = first, last, kinds
        self.out: list[Measurement] = []
        self.notes: list[str] = []
        self.starts: dict[str, float] = {}
        for key, (scrape, value) in last.items():
            if key[0] == "process_start_time_seconds":
                self.starts[_service_of(dict(key[1]), scrape)] = value

    def build(self) -> Exposition:
        jobs: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        jobs_at: dict[tuple[str, str], tuple[Scrape, SeriesKey]] = {}
        spans: dict[tuple[str, str], float] = {}
        buckets: dict[tuple[str, str], dict[float, float]] = defaultdict(lambda: defaultdict(float))
        buckets_at: dict[tuple[str, str], tuple[Scrape, SeriesKey]] = {}
        for key, (scrape, value) in self.last.items():
            name, labels = key[0], dict(key[1])
            self._check(value, scrape, key)
            service, worker = _service_of(labels, scrape), labels.get("worker")
            if name == "worker_jobs_total" and worker:
                increase, span = self._increase(key, service)
                if span is None:
                    continue
                status = labels.get("status", "success")
                jobs[(service, worker)][status] += increase
                spans[(service, worker)] = span
                jobs_at.setdefault((service, worker), (scrape, key))
            elif name == "worker_job_duration_seconds_bucket" and worker:
                bound = float(labels.get("le", "+Inf"))
                increase, _ = self._increase(key, service, need_time=False)
                buckets[(service, worker)][bound] += increase
                buckets_at.setdefault((service, worker), (scrape, key))
            elif name == "worker_queue_size" and worker:
                self._emit(service, worker, "queue_size", value, scrape, key)
            elif name == "container_memory_working_set_bytes":
                self._emit(service, None, "memory_bytes", value, scrape, key)
                limit = self._value("container_spec_memory_limit_bytes", key)
                if limit:
                    self._emit(service, None, "memory_usage_ratio", value / limit, scrape, key)
            elif name == "container_cpu_usage_seconds_total":
                increase, span = self._increase(key, service)
                if span:
                    cores = increase / span
                    self._emit(service, None, "cpu_cores", cores, scrape, key)
                    quota = self._value("container_spec_cpu_quota", key)
                    period = self._value("container_spec_cpu_period", key)
                    if quota and period:
                        ratio = cores / (quota / period)
                        self._emit(service, None, "cpu_usage_ratio", ratio, scrape, key)
        for target, statuses in jobs.items():
            scrape, key = jobs_at[target]
            total = sum(statuses.values())
            service, worker = target
            if self.kinds.get(target) != "cron":
                per_minute = total / spans[target] * 60 if spans[target] else 0.0
                self._emit(service, worker, "events_per_minute", per_minute, scrape, key)
                failed = sum(v for s, v in statuses.items() if s in FAILED_STATUSES)
                if total:
                    self._emit(service, worker, "retry_rate", failed / total, scrape, key)
                dead = sum(v for s, v in statuses.items() if s in DEAD_LETTER_STATUSES)
                self._emit(service, worker, "dead_letter_count", dead, scrape, key)
        for target, counts in buckets.items():
            scrape, key = buckets_at[target]
            service, worker = target
            if self.kinds.get(target) == "cron":
                seconds = histogram_quantile(0.95, counts)
                if seconds is not None:
                    self._emit(service, worker, "cron_duration_s_p95", seconds, scrape, key)
                continue
            for metric, q in QUANTILES.items():
                seconds = histogram_quantile(q, counts)
                if seconds is not None:
                    self._emit(service, worker, metric, seconds * 1000, scrape, key)
        return Exposition(self.out, self.notes)

    def _check(self, value: float, scrape: Scrape, key: SeriesKey) -> None:
        if (not math.isfinite(value) or value < 0) and key[0].startswith(("worker_", "container_")):
            raise SourceError(
                f"{key[0]} has the value {value}; counters, gauges and buckets used by "
                "archcheck must be finite and not negative",
                scrape.location(key),
            )

    def _value(self, name: str, like: SeriesKey) -> float | None:
        labels = dict(like[1])
        for key, (_, value) in self.last.items():
            if key[0] == name and all(dict(key[1]).get(k) == v for k, v in labels.items()
                                      if k in ("id", *SERVICE_LABELS)):
                return value
        return None

    def _increase(
        self, key: SeriesKey, service: str, need_time: bool = True
    ) -> tuple[float, float | None]:
        """Counter increase and the seconds it spans (two scrapes, or since process start)."""
        start_scrape, start_value = self.first[key]
        end_scrape, end_value = self.last[key]
        if end_scrape is not start_scrape:
            increase = end_value - start_value if end_value >= start_value else end_value
            span = end_scrape.time - start_scrape.time
            if span <= 0:
                raise SourceError(
                    f"{start_scrape.path} and {end_scrape.path} were taken at the same time; "
                    "give scrapes taken some time apart (sample timestamps or file times)",
                    end_scrape.location(key),
                )
            return increase, span
        started = self.starts.get(service)
        if started is None:
            if need_time:
                note = (
                    f"{end_scrape.path}: {service} has a single scrape and no "
                    "process_start_time_seconds: no rates; pass a second scrape taken later"
                )
                if note not in self.notes:
                    self.notes.append(note)
            return end_value, None
        if end_scrape.time - started < 1:
            raise SourceError(
                f"process_start_time_seconds of {service} is not before the scrape's time; "
                "check the scrape's timestamps (or file time) and the process start",
                end_scrape.location(key),
            )
        return end_value, end_scrape.time - started

    def _emit(
        self,
        service: str,
        worker: str | None,
        metric: str,
        value: float,
        scrape: Scrape,
        key: SeriesKey,
    ) -> None:
        self.out.append(
            Measurement(
                service=service, workload=worker, metric=metric, value=round(value, 6),
                unit=METRICS[metric].unit, source=str(scrape.path), location=scrape.location(key),
            )
        )


def histogram_quantile(q: float, counts: Mapping[float, float]) -> float | None:
    """The ``q`` quantile from cumulative bucket counts, interpolated as Prometheus does."""
    bounds = sorted(counts)
    if not bounds or not math.isinf(bounds[-1]):
        return None
    total = counts[bounds[-1]]
    if total <= 0:
        return None
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = counts[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return lower_bound
