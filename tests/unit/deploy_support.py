"""Shared by the deployment tests: paths, and the metric names the services really export."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry

from aggregator.metrics import AggregatorMetrics
from extractor.metrics import ExtractorMetrics
from lagebild.aggregation import summarize
from lagebild.kafka.lag import ConsumerLagCollector

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
METRIC_NAME = re.compile(r"\b(lagebild_[a-z_]+|up)\b")
SUFFIXES = ("_total", "_bucket", "_sum", "_count", "_created")


def exported_families() -> set[str]:
    """Family names on the extractor's and aggregator's /metrics, plus Prometheus' ``up``."""
    lag = CollectorRegistry()
    lag.register(ConsumerLagCollector(app=None))
    aggregator = AggregatorMetrics(lambda: summarize([])).registry
    registries = [ExtractorMetrics().registry, aggregator, lag]
    return {family.name for registry in registries for family in registry.collect()} | {"up"}


def unknown_metrics(promql: str, known: set[str]) -> set[str]:
    """Metric names in an expression that no service exports (recording rules excluded)."""
    unknown = set()
    for name in METRIC_NAME.findall(promql):
        base = next((name[: -len(s)] for s in SUFFIXES if name.endswith(s)), name)
        if name not in known and base not in known:
            unknown.add(name)
    return unknown
