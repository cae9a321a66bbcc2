"""A real pipeline for integration tests: Tansu broker + extractor + aggregator processes.

Every process is stopped at teardown (SIGTERM, then SIGKILL of its process group), and every
wait is bounded, so a failing test never hangs the suite.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from lagebild.broker import EmbeddedBroker, free_port
from lagebild.demo import service_env
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.processes import ServiceProcess, http_get

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def scrape(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Samples of a /metrics page by metric sample name."""
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(http_get(url).decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return samples


def metric_sum(
    samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str
) -> float:
    return sum(
        value
        for sample_labels, value in samples.get(name, [])
        if all(sample_labels.get(k) == v for k, v in labels.items())
    )


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    status: Callable[[], object] | None = None,
) -> None:
    """Poll ``condition`` until true; on timeout say what was expected and what was seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    seen = ""
    if status is not None:
        try:
            seen = f"; last seen: {status()}"
        except Exception as exc:  # the status itself may be what is broken
            seen = f"; status unavailable: {exc!r}"
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{seen}")


@dataclass
class Pipeline:
    broker: EmbeddedBroker
    kafka: KafkaSettings
    topics: TopicSettings
    workdir: Path
    extractor: ServiceProcess
    aggregator: ServiceProcess
    services: list[ServiceProcess] = field(default_factory=list)

    def cli(
        self, *args: str, stdin: bytes | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "LAGEBILD_KAFKA__BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers}
        return subprocess.run(
            [sys.executable, "-m", "lagebild.cli", *args],
            env=env,
            input=stdin,
            capture_output=True,
            timeout=timeout,
            check=False,
        )

    def extractor_metrics(self) -> dict[str, list[tuple[dict[str, str], float]]]:
        return scrape(self.extractor.base_url + "/metrics")

    def aggregator_metrics(self) -> dict[str, list[tuple[dict[str, str], float]]]:
        return scrape(self.aggregator.base_url + "/metrics")


def start_service(
    module: str, prefix: str, bootstrap: str, workdir: Path, app_id: str
) -> ServiceProcess:
    port = free_port()
    env = service_env(prefix, bootstrap, port, workdir / module)
    env[f"{prefix}APP_ID"] = app_id
    service = ServiceProcess(module, env, port, workdir / f"{module}.log")
    service.start()
    return service


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    workdir = tmp_path_factory.mktemp("pipeline")
    broker = EmbeddedBroker(log_file=workdir / "broker.log")
    bootstrap = broker.start()
    services: list[ServiceProcess] = []
    try:
        kafka = KafkaSettings(bootstrap_servers=bootstrap)
        topics = TopicSettings()
        asyncio.run(ensure_topics(kafka, topics))
        suffix = uuid.uuid4().hex[:6]
        extractor = start_service(
            "extractor", "LAGEBILD_EXTRACTOR_", bootstrap, workdir, f"extractor-{suffix}"
        )
        services.append(extractor)
        aggregator = start_service(
            "aggregator", "LAGEBILD_AGGREGATOR_", bootstrap, workdir, f"aggregator-{suffix}"
        )
        services.append(aggregator)
        for service in services:
            service.wait_ready(timeout=60)
        yield Pipeline(broker, kafka, topics, workdir, extractor, aggregator, services)
    finally:
        for service in services:
            service.stop(grace=10)
        broker.stop()
