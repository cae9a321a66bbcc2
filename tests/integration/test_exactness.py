"""Exact counters while aggregator workers are killed (-9) and restarted, and on failover."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lagebild.broker import EmbeddedBroker
from lagebild.kafka.clients import start_producer
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.processes import ServiceProcess, http_json
from tests.integration.conftest import metric_sum, scrape, start_service, wait_for
from tests.integration.event_stream import Stream, build_stream

pytestmark = pytest.mark.integration

PREFIX = "LAGEBILD_AGGREGATOR_"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    broker = EmbeddedBroker(log_file=tmp_path / "broker.log")
    bootstrap = broker.start()
    try:
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap), TopicSettings()))
        yield bootstrap, tmp_path
    finally:
        broker.stop()


def publish(bootstrap: str, stream: Stream) -> None:
    async def run() -> None:
        producer = await start_producer(KafkaSettings(bootstrap_servers=bootstrap))
        try:
            futures = [
                await producer.send(
                    TopicSettings().events,
                    e.model_dump_json().encode(),
                    key=e.incident_key.encode(),
                )
                for e in stream.events
            ]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()

    asyncio.run(run())


def totals(workers: list[ServiceProcess]) -> dict[str, int]:
    """Headline counters summed over workers, as Prometheus would sum them."""
    summed: dict[str, int] = {}
    for worker in workers:
        for name, value in http_json(worker.base_url + "/counters")["counters"].items():
            summed[name] = summed.get(name, 0) + value
    return summed


def incident_count(workers: list[ServiceProcess]) -> int:
    return sum(metric_sum(scrape(w.base_url + "/metrics"), "lagebild_incidents") for w in workers)


def lag(workers: list[ServiceProcess]) -> float:
    return sum(
        metric_sum(scrape(w.base_url + "/metrics"), "lagebild_consumer_lag_messages")
        for w in workers
    )


def settled(workers: list[ServiceProcess], stream: Stream) -> bool:
    try:
        current, behind = totals(workers), lag(workers)
    except OSError:
        return False
    return behind == 0 and all(current[k] == v for k, v in stream.expected.items())


def test_kill_and_restart_the_aggregator_ten_times(broker: tuple[str, Path]) -> None:
    bootstrap, workdir = broker
    stream = build_stream()
    app_id = f"aggregator-{uuid.uuid4().hex[:6]}"
    worker = start_service("aggregator", PREFIX, bootstrap, workdir, app_id)
    rng = random.Random(11)
    kills = 0
    try:
        worker.wait_ready(60)
        publish(bootstrap, stream)
        for _ in range(10):
            time.sleep(rng.uniform(0.2, 1.5))  # a random point in the stream
            worker.kill()
            kills += 1
            worker = start_service("aggregator", PREFIX, bootstrap, workdir, app_id)
            worker.wait_ready(60)
        wait_for(
            lambda: settled([worker], stream),
            90,
            f"exact totals {stream.expected}",
            status=lambda: (totals([worker]), lag([worker])),
        )
        current = totals([worker])
        lost_or_double = incident_count([worker]) - stream.incidents
        print(f"kills={kills} totals={current} incident difference={lost_or_double}")
        assert lost_or_double == 0
        assert {k: current[k] for k in stream.expected} == stream.expected
    finally:
        worker.stop()


def test_two_aggregators_fail_over_without_double_counting(broker: tuple[str, Path]) -> None:
    bootstrap, workdir = broker
    stream = build_stream(seed=23)
    app_id = f"aggregator-{uuid.uuid4().hex[:6]}"
    first = start_service("aggregator", PREFIX, bootstrap, workdir / "a", app_id)
    second = start_service("aggregator", PREFIX, bootstrap, workdir / "b", app_id)
    try:
        for worker in (first, second):
            worker.wait_ready(60)
        publish(bootstrap, stream)
        time.sleep(0.5)
        first.stop()  # mid-stream: the survivor takes over its partitions
        wait_for(
            lambda: settled([second], stream),
            90,
            f"survivor totals {stream.expected}",
            status=lambda: (totals([second]), lag([second])),
        )
        assert incident_count([second]) == stream.incidents
        # And with both running again, Prometheus' sum over workers stays exact.
        first = start_service("aggregator", PREFIX, bootstrap, workdir / "a", app_id)
        first.wait_ready(60)
        wait_for(
            lambda: settled([first, second], stream),
            90,
            "exact sum over two workers",
            status=lambda: (totals([first, second]), lag([first, second])),
        )
        assert incident_count([first, second]) == stream.incidents
    finally:
        first.stop()
        second.stop()
