"""Broker outages and shutdown, on real processes.

What the embedded broker (Tansu, ``memory://``) does on a restart, as these tests observe it:
every topic, message, consumer group and committed offset is gone, so the topics are created
again (``lagebild topics`` / ``ensure_topics``) and the workers start reading the new, empty
partitions from the beginning. Messages that were acknowledged but not yet consumed when it
died are lost — an Apache Kafka broker keeps them on disk and nothing is lost there.

The restart test runs the extractor on both table stores: with ``sqlite://`` its ``revisions``
changelog starts over while the SQLite files keep their data (``changelog_reset_fix``), and the
changelog records it retries right after the restart must not reach the new broker before a
metadata request names the topic (``missing_topic_fix``: otherwise Tansu breaks the topic and
the worker never leaves table recovery).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from lagebild.broker import EmbeddedBroker, free_port
from lagebild.kafka.clients import publish_articles
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.models import Article
from lagebild.processes import ServiceProcess
from tests.integration.conftest import metric_sum, scrape, start_service, wait_for

pytestmark = pytest.mark.integration

TEXT = "Russland griff in der Nacht mit 10 Drohnen Kiew an, 5 wurden abgeschossen."


def articles(prefix: str, count: int, pause: float = 0.0) -> Iterator[Article]:
    for index in range(count):
        yield Article(id=f"{prefix}-{index}", text=TEXT, published_at=dt.datetime.now(dt.UTC))
        if pause:
            time.sleep(pause)  # a slow source, so the outage falls in the middle


def consumed(service: ServiceProcess) -> float:
    return metric_sum(scrape(service.base_url + "/metrics"), "lagebild_articles_consumed_total")


class Stack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.broker = EmbeddedBroker(log_file=workdir / "broker.log")
        self.kafka = KafkaSettings(bootstrap_servers=self.broker.start())
        asyncio.run(ensure_topics(self.kafka, TopicSettings()))
        suffix = uuid.uuid4().hex[:6]
        self.extractor_id = f"extractor-{suffix}"
        bootstrap = self.kafka.bootstrap_servers
        self.extractor = start_service(
            "extractor", "LAGEBILD_EXTRACTOR_", bootstrap, workdir, self.extractor_id
        )
        self.aggregator = start_service(
            "aggregator", "LAGEBILD_AGGREGATOR_", bootstrap, workdir, f"aggregator-{suffix}"
        )
        self.services = [self.extractor, self.aggregator]
        for service in self.services:
            service.wait_ready(timeout=60)

    def crash_broker(self) -> None:
        """SIGKILL: Tansu takes its 5 s grace on SIGTERM; a crash is the harder case anyway."""
        assert self.broker.pid is not None
        os.killpg(self.broker.pid, signal.SIGKILL)
        self.broker.stop()

    def close(self) -> None:
        for service in self.services:
            service.stop(grace=10)
        self.broker.stop()


@pytest.fixture
def stack(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    store = getattr(request, "param", None)  # the extractor's table store, if parametrized
    if store is not None:
        monkeypatch.setenv("LAGEBILD_EXTRACTOR_WORKER__STORE", store)
    running = Stack(tmp_path)
    try:
        yield running
    finally:
        running.close()


@pytest.mark.parametrize("stack", ["memory://", "sqlite://"], indirect=True)
def test_broker_restart_mid_stream(stack: Stack) -> None:
    result: dict[str, object] = {}

    def publish() -> None:
        try:
            result["sent"] = asyncio.run(
                publish_articles(stack.kafka, "articles", articles("o", 600, 0.02), window=16)
            )
        except Exception as exc:  # reported by the assertion below
            result["error"] = repr(exc)

    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    wait_for(lambda: consumed(stack.extractor) >= 50, 30, "first articles processed")
    stack.crash_broker()
    time.sleep(3)
    assert all(service.alive() for service in stack.services)  # no crash while it is down
    stack.broker.start()
    restarted = time.monotonic()
    asyncio.run(ensure_topics(stack.kafka, TopicSettings()))  # memory broker: topics are gone
    publisher.join(90)
    # The producer retried with backoff through the outage: every article was acknowledged.
    assert result == {"sent": 600}
    # The workers reconnected on their own: a fresh batch is processed completely.
    before = consumed(stack.extractor)
    asyncio.run(publish_articles(stack.kafka, "articles", articles("after", 50)))
    wait_for(lambda: consumed(stack.extractor) >= before + 50, 60, "post-restart articles")
    print(f"recovered {time.monotonic() - restarted:.1f} s after the broker restart")
    assert all(service.alive() for service in stack.services)


def test_sigterm_commits_offsets_and_exits_within_10s(stack: Stack) -> None:
    count = 300
    asyncio.run(publish_articles(stack.kafka, "articles", articles("c", count)))
    wait_for(lambda: consumed(stack.extractor) >= count, 60, "all articles processed")
    time.sleep(1.5)  # one commit interval
    for service in stack.services:
        assert service.process is not None
        started = time.monotonic()
        os.killpg(service.process.pid, signal.SIGTERM)
        service.process.wait(15)
        elapsed = time.monotonic() - started
        print(f"{service.module}: SIGTERM → exit {service.process.returncode} in {elapsed:.2f} s")
        assert elapsed < 10
        assert service.process.returncode == 0

    async def committed() -> int:
        # The admin client's OffsetFetch version does not decode on Tansu; a consumer's does.
        consumer = AIOKafkaConsumer(
            **stack.kafka.aiokafka_kwargs(), group_id=stack.extractor_id, enable_auto_commit=False
        )
        await consumer.start()
        try:
            partitions = [TopicPartition("articles", p) for p in range(4)]
            return sum([await consumer.committed(tp) or 0 for tp in partitions])
        finally:
            await consumer.stop()

    assert asyncio.run(committed()) == count
    # A restarted worker of the same group resumes after the committed offsets: nothing again.
    stack.extractor.start()
    stack.extractor.wait_ready(60)
    time.sleep(3)
    assert consumed(stack.extractor) == 0


def test_sigterm_with_the_broker_gone_is_bounded(stack: Stack) -> None:
    """faust hangs on shutdown when it cannot commit; the watchdog ends it after 8 s."""
    stack.crash_broker()
    started = time.monotonic()
    for service in stack.services:
        assert service.process is not None
        os.killpg(service.process.pid, signal.SIGTERM)
    for service in stack.services:
        assert service.process is not None
        service.process.wait(15)
        assert service.process.returncode == 1  # offsets could not be committed: says so
    assert time.monotonic() - started < 10
    assert b"exiting now" in stack.extractor.log_file.read_bytes()


def test_cli_fails_clearly_without_a_broker(tmp_path: Path) -> None:
    env = {**os.environ, "LAGEBILD_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}"}
    sample = tmp_path / "a.json"
    sample.write_text('{"id": "a", "text": "x", "published_at": "2025-01-01T00:00:00Z"}')
    for args in (["publish", str(sample)], ["dlq", "list"], ["dlq", "replay"], ["topics"]):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "lagebild.cli", *args],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 3, (args, done.stderr[-500:])
        last_line = done.stderr.decode().strip().splitlines()[-1]
        assert last_line.startswith("lagebild: ") and "Kafka at 127.0.0.1:" in last_line, args
        assert "Traceback" not in done.stderr.decode()
        assert time.monotonic() - started < 20
