"""``lagebild replay``: rebuild every incident and counter from the articles topic.

A fresh extractor + aggregator pair (new application ids, so no committed offsets and an
empty incidents table) reads the articles topic from the beginning with the current
extractor and writes to replay-only topics (events, incident updates, dead letters), so live
consumers are not disturbed. The totals must equal the live run's.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
import urllib.error
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from tqdm import tqdm

from lagebild.broker import free_port
from lagebild.cli_settings import CliSettings
from lagebild.demo import service_env, topic_env
from lagebild.kafka.clients import consumer_started
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.processes import ServiceProcess, http_get, http_json

POLL_S = 0.2
PRODUCED, CONSUMED = "lagebild_events_produced_total", "lagebild_events_consumed_total"


async def count_messages(kafka: KafkaSettings, topic: str, idle_s: float = 1.0) -> int:
    """Messages in ``topic``, by reading it (ListOffsets can undercount on Tansu)."""
    consumer = AIOKafkaConsumer(
        topic,
        **kafka.aiokafka_kwargs(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    count, last = 0, time.monotonic()
    async with consumer_started(consumer, kafka):
        while time.monotonic() - last < idle_s:
            batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for messages in batches.values():
                if messages:
                    count += len(messages)
                    last = time.monotonic()
    return count


def _metric(url: str, name: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(http_get(url).decode()):
        for sample in family.samples:
            if sample.name == name:
                total += sample.value
    return total


def replay_topics(topics: TopicSettings, tag: str) -> TopicSettings:
    return topics.model_copy(
        update={
            "events": f"{topics.events}.replay-{tag}",
            "incident_updates": f"{topics.incident_updates}.replay-{tag}",
            "dlq": f"{topics.dlq}.replay-{tag}",
        }
    )


def run_replay(
    settings: CliSettings, timeout_s: float, keep: bool, tag: str | None = None
) -> dict[str, int]:
    """Run the replay to completion; returns the rebuilt headline counters.

    Its output topics are named after ``tag`` (default: the time), see :func:`replay_topics`.
    """
    tag = tag or time.strftime("%Y%m%d%H%M%S")
    topics = replay_topics(settings.topics, tag)
    kafka = settings.kafka
    asyncio.run(ensure_topics(kafka, topics))
    total = asyncio.run(count_messages(kafka, topics.articles))
    workdir = Path(tempfile.mkdtemp(prefix="lagebild-replay-"))
    services = []
    for module, prefix in (
        ("extractor", "LAGEBILD_EXTRACTOR_"),
        ("aggregator", "LAGEBILD_AGGREGATOR_"),
    ):
        port = free_port()
        env = service_env(prefix, kafka.bootstrap_servers, port, workdir / module)
        env |= topic_env(prefix, topics) | {f"{prefix}APP_ID": f"lagebild-{module}-replay-{tag}"}
        services.append(ServiceProcess(module, env, port, workdir / f"{module}.log"))
    extractor, aggregator = services
    aggregator_metrics = aggregator.base_url + "/metrics"
    deadline = time.monotonic() + timeout_s
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready(timeout=max(1.0, deadline - time.monotonic()))
        with tqdm(total=total, unit="article", file=sys.stderr) as bar:
            done = 0
            while done < total:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"replay read {done} of {total} articles in {timeout_s} s")
                with contextlib.suppress(urllib.error.URLError, OSError):
                    done = int(
                        _metric(extractor.base_url + "/metrics", "lagebild_articles_consumed_total")
                    )
                bar.update(done - bar.n)
                time.sleep(POLL_S)
        # Then every event the extractor produced must have reached the aggregator.
        while True:
            produced = consumed = -1.0
            with contextlib.suppress(urllib.error.URLError, OSError):  # busy: ask again
                produced = _metric(extractor.base_url + "/metrics", PRODUCED)
                consumed = _metric(aggregator_metrics, CONSUMED)
            if produced >= 0 and consumed >= produced:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"aggregator consumed {consumed} of {produced} events")
            time.sleep(POLL_S)
        counters: dict[str, int] = http_json(aggregator.base_url + "/counters", 30.0)["counters"]
        if keep:
            from lagebild.runtime import wait_for_signal

            print(f"replayed counters served at {aggregator.base_url}/metrics; Ctrl-C stops")
            wait_for_signal()
        return counters
    finally:
        for service in reversed(services):
            service.stop(grace=10)
        # The workers' table files belong to this one replay's topics: useless afterwards.
        for module in ("extractor", "aggregator"):
            shutil.rmtree(workdir / module, ignore_errors=True)
