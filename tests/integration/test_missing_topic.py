"""A produce request must never be the first thing the embedded broker hears about a topic.

Tansu 0.6 creates a missing topic properly only for a Metadata request. A Produce request for an
unknown topic is acknowledged (error 0, offsets) and counted by ListOffsets, but the topic is
broken: Fetch returns nothing and later produces fail with UnknownError. After a broker restart
a producer retries its in-flight records at once with its old metadata; an extractor whose
``revisions`` changelog broke that way stayed in table recovery for good. See
:mod:`lagebild.kafka.missing_topic_fix`.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.produce import ProduceRequest
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from lagebild.broker import EmbeddedBroker
from lagebild.kafka.missing_topic_fix import apply_missing_topic_fix

pytestmark = pytest.mark.integration

PARTITIONS = 4


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    running = EmbeddedBroker(log_file=tmp_path / "broker.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def record_batch(value: bytes) -> bytes:
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=0,
        is_transactional=0,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=16384,
    )
    builder.append(0, timestamp=None, key=b"k", value=value, headers=[])
    return bytes(builder.build())


async def raw_produce(bootstrap: str, topic: str, send: Any) -> None:
    """One Produce request for every partition of ``topic``, with no Metadata request first."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        node = next(iter(client.cluster.brokers())).nodeId
        batches = [(p, record_batch(b"raw-%d" % p)) for p in range(PARTITIONS)]
        request = ProduceRequest(None, -1, 5000, [(topic, batches)])
        response = await send(client, node, request)
        errors = [error for _, partitions in response.topics for _, error, *_ in partitions]
        assert errors == [0] * PARTITIONS  # acknowledged either way
    finally:
        await client.close()


async def read_back(bootstrap: str, topic: str) -> dict[int, list[bytes]]:
    """Every value in ``topic``, by partition (bounded: one fetch round of up to 2 s)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, fetch_max_wait_ms=100)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, 0)
        fetched = await consumer.getmany(timeout_ms=2000)
        return {
            tp.partition: [record.value for record in records] for tp, records in fetched.items()
        }
    finally:
        await consumer.stop()


async def produce_one(bootstrap: str, topic: str) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=-1)
    await producer.start()
    try:
        sent = await asyncio.wait_for(producer.send_and_wait(topic, b"later", partition=0), 10)
        return int(sent.offset)
    finally:
        await producer.stop()


def test_tansu_breaks_a_topic_first_named_by_a_produce(broker: EmbeddedBroker) -> None:
    """The broker behaviour the fix works around (if this fails, Tansu changed: recheck)."""
    unpatched = getattr(AIOKafkaClient.send, "__wrapped__", AIOKafkaClient.send)

    async def scenario() -> None:
        await raw_produce(broker.bootstrap_servers, "ghost", unpatched)
        assert await read_back(broker.bootstrap_servers, "ghost") == {}
        with pytest.raises(Exception, match="UnknownError"):
            await produce_one(broker.bootstrap_servers, "ghost")

    asyncio.run(scenario())


def test_a_produce_to_an_unknown_topic_names_it_in_a_metadata_request_first(
    broker: EmbeddedBroker,
) -> None:
    apply_missing_topic_fix()

    async def scenario() -> None:
        await raw_produce(broker.bootstrap_servers, "fresh", AIOKafkaClient.send)
        values = await read_back(broker.bootstrap_servers, "fresh")
        assert values == {p: [b"raw-%d" % p] for p in range(PARTITIONS)}
        assert await produce_one(broker.bootstrap_servers, "fresh") == 1

    asyncio.run(scenario())


def test_records_retried_across_a_broker_restart_stay_readable(broker: EmbeddedBroker) -> None:
    """A producer keeps sending while the memory broker is down and comes back empty."""
    apply_missing_topic_fix()
    topic = "retried"

    async def scenario() -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=broker.bootstrap_servers, acks=-1, linger_ms=5
        )
        await producer.start()
        try:
            first = [
                await producer.send(topic, b"before-%d" % i, partition=i % PARTITIONS)
                for i in range(8)
            ]
            await asyncio.gather(*first)
            assert broker.pid is not None
            os.killpg(broker.pid, signal.SIGKILL)
            broker.stop()
            during = [
                await producer.send(topic, b"during-%d" % i, partition=i % PARTITIONS)
                for i in range(8)
            ]
            await asyncio.sleep(1)  # the sends fail and wait for their retries
            broker.start()
            await asyncio.wait_for(asyncio.gather(*during), 60)
        finally:
            await producer.stop()
        values = await read_back(broker.bootstrap_servers, topic)
        assert sorted(v for partition in values.values() for v in partition) == sorted(
            b"during-%d" % i for i in range(8)
        )

    asyncio.run(scenario())
