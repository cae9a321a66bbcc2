"""Event sends that fail for good do not lose events (lagebild.kafka.delivery), on real processes.

The broker is reached through a TCP proxy (Tansu advertises the proxy's address, so every
connection goes through it). During the "outage" the proxy cuts every connection on which the
extractor sends a Produce request, as a broker that is away would: the extractor's producer
retries until its request timeout (2 s here, set through the settings) and then reports its
sends failed, while the extractor's consumer keeps fetching and committing. A restart of the
embedded broker would not do: it forgets every topic and committed offset (test_outage.py).

Before lagebild.kafka.delivery, faust committed the articles' offsets after the failed sends
and their events never arrived.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from lagebild.broker import free_port
from lagebild.broker.embedded import broker_binary
from lagebild.kafka.clients import publish_articles
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.models import Article
from lagebild.processes import ServiceProcess
from tests.integration.conftest import metric_sum, scrape, start_service, wait_for

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"
PRODUCE = 0  # Kafka api key
TEXT = "Russland griff in der Nacht mit 10 Drohnen Kiew an, 5 wurden abgeschossen."


class ProduceCutter:
    """A TCP proxy to the broker; while ``cut_for`` is set, a Produce request from a client id
    containing it closes the connection instead of reaching the broker."""

    def __init__(self, broker_port: int) -> None:
        self.broker_port = broker_port
        self.port = free_port()
        self.cut_for: str | None = None
        self.cuts = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("proxy did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, HOST, self.port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(HOST, self.broker_port)
        except OSError:
            writer.close()
            return
        back = asyncio.ensure_future(self._pump(up_reader, writer))
        try:
            while True:
                size = await reader.readexactly(4)
                frame = await reader.readexactly(struct.unpack(">i", size)[0])
                api_key, _, _, id_length = struct.unpack(">hhih", frame[:10])
                client_id = frame[10 : 10 + max(id_length, 0)].decode(errors="replace")
                if api_key == PRODUCE and self.cut_for and self.cut_for in client_id:
                    self.cuts += 1
                    break
                up_writer.write(size + frame)
                await up_writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            back.cancel()
            for end in (writer, up_writer):
                end.close()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


class Broker:
    """Tansu on its own port, advertising the proxy's."""

    def __init__(self, log_file: Path) -> None:
        self.port = free_port()
        self.proxy = ProduceCutter(self.port)
        with open(log_file, "ab") as output:
            self.process = subprocess.Popen(
                [
                    broker_binary(),
                    "broker",
                    "--listener-url",
                    f"tcp://{HOST}:{self.port}",
                    "--advertised-listener-url",
                    f"tcp://{HOST}:{self.proxy.port}",
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=output,
                stderr=output,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex((HOST, self.port)) != 0:
            assert time.monotonic() < deadline and self.process.poll() is None, "no broker"
            time.sleep(0.05)

    def stop(self) -> None:
        self.proxy.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    running = Broker(tmp_path / "broker.log")
    try:
        yield running
    finally:
        running.stop()


def articles(prefix: str, count: int) -> list[Article]:
    now = dt.datetime.now(dt.UTC)
    return [Article(id=f"{prefix}-{i}", text=TEXT, published_at=now) for i in range(count)]


async def event_articles(kafka: KafkaSettings) -> set[str]:
    """The article ids of every event on the events topic."""
    consumer = AIOKafkaConsumer(
        **kafka.aiokafka_kwargs(), group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        await consumer.topics()  # loads the metadata
        partitions = [TopicPartition("events", p) for p in consumer.partitions_for_topic("events")]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen: set[str] = set()
        # Up to the high watermark of the fetches (Tansu's ListOffsets can undercount), for at
        # most 10 s: a caller that waits for more asks again.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                seen.update(json.loads(record.value)["article_id"] for record in records)
            ends = [consumer.highwater(tp) for tp in partitions]
            positions = [await consumer.position(tp) for tp in partitions]
            if all(end is not None and at >= end for at, end in zip(positions, ends, strict=True)):
                break
        return seen
    finally:
        await consumer.stop()


async def committed(kafka: KafkaSettings, group: str) -> int:
    consumer = AIOKafkaConsumer(**kafka.aiokafka_kwargs(), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition("articles", p) for p in range(TopicSettings().articles_partitions)
        ]
        return sum([await consumer.committed(tp) or 0 for tp in partitions])
    finally:
        await consumer.stop()


def extractor_metric(extractor: ServiceProcess, name: str) -> float:
    return metric_sum(scrape(extractor.base_url + "/metrics"), name)


@pytest.mark.parametrize("crash", [False, True], ids=["worker-stays", "worker-crashes"])
def test_failed_event_sends_are_delivered_before_their_articles_commit(
    broker: Broker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash: bool
) -> None:
    """worker-stays: the failed sends are retried until delivered. worker-crashes: the worker
    dies before they are; its successor re-reads the articles from the committed offsets."""
    kafka = KafkaSettings(bootstrap_servers=f"{HOST}:{broker.proxy.port}")
    asyncio.run(ensure_topics(kafka, TopicSettings()))
    monkeypatch.setenv("LAGEBILD_EXTRACTOR_WORKER__PRODUCER_REQUEST_TIMEOUT_S", "2")
    monkeypatch.setenv("LAGEBILD_EXTRACTOR_SEND_RETRY_MAX_BACKOFF_S", "1")
    group = f"extractor-{uuid.uuid4().hex[:6]}"
    extractor = start_service(
        "extractor", "LAGEBILD_EXTRACTOR_", kafka.bootstrap_servers, tmp_path, group
    )
    try:
        extractor.wait_ready(timeout=60)
        before, during = articles("before", 50), articles("during", 200)
        asyncio.run(publish_articles(kafka, "articles", before))
        wait_for(lambda: asyncio.run(event_articles(kafka)) >= {a.id for a in before}, 60, "events")

        broker.proxy.cut_for = group  # the extractor's sends now fail after 2 s
        asyncio.run(publish_articles(kafka, "articles", during))
        total = len(before) + len(during)
        failures = "lagebild_event_send_failures_total"
        wait_for(lambda: extractor_metric(extractor, failures) > 0, 30, "failed sends")
        # The extractor goes on reading (slowly: each send waits for the producer's buffer)
        # and faust commits what it has acked, several times.
        time.sleep(6)
        assert extractor.alive()
        if crash:
            assert extractor.process is not None
            os.killpg(extractor.process.pid, signal.SIGKILL)
            extractor.process.wait(10)

        broker.proxy.cut_for = None  # the broker is back
        if crash:
            extractor.start()
            extractor.wait_ready(timeout=60)
        expected = {a.id for a in before + during}
        wait_for(
            lambda: asyncio.run(event_articles(kafka)) >= expected,
            60,
            "an event of every article",
            status=lambda: f"{len(expected - asyncio.run(event_articles(kafka)))} articles without",
        )
        wait_for(lambda: asyncio.run(committed(kafka, group)) == total, 30, "all committed")
        print(f"connections cut: {broker.proxy.cuts}")
        assert extractor_metric(extractor, "lagebild_dead_letters_total") == 0
        assert extractor.alive()
    finally:
        extractor.stop(grace=10)
