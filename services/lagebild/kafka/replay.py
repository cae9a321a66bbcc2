"""``lagebild dlq list | replay``: read the dead-letter topic, re-publish after a fix.

A replay sends the original key and bytes to the original topic (``__dlq.errors.topic``), with
one header ``lagebild.replayed-from`` = ``dlq-topic/partition/offset`` so a second failure can
be traced back. The DLQ itself is a log and is not changed: replaying twice publishes twice,
which is harmless because extraction is deterministic and the aggregator idempotent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer

from lagebild.kafka.clients import consumer_started, start_producer
from lagebild.kafka.config import KafkaSettings
from lagebild.kafka.dlq import read_dlq_headers

REPLAYED_FROM = "lagebild.replayed-from"


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    errors: dict[str, str]

    def matches(self, reason: str | None, stage: str | None) -> bool:
        return (reason is None or self.errors.get("reason") == reason) and (
            stage is None or self.errors.get("stage") == stage
        )


async def read_dead_letters(
    kafka: KafkaSettings, dlq_topic: str, idle_timeout: float = 2.0, limit: int = 10_000_000
) -> AsyncIterator[DeadLetter]:
    """Every dead letter from the beginning until ``idle_timeout`` s pass without one."""
    consumer = AIOKafkaConsumer(
        dlq_topic,
        **kafka.aiokafka_kwargs(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    async with consumer_started(consumer, kafka):
        loop = asyncio.get_running_loop()
        last, count = loop.time(), 0
        while loop.time() - last < idle_timeout and count < limit:
            for messages in (await consumer.getmany(timeout_ms=200)).values():
                for message in messages:
                    last, count = loop.time(), count + 1
                    yield DeadLetter(
                        message.partition,
                        message.offset,
                        message.key,
                        message.value,
                        read_dlq_headers(list(message.headers or ())),
                    )


async def replay_dead_letters(
    kafka: KafkaSettings,
    dlq_topic: str,
    default_topic: str,
    *,
    reason: str | None = None,
    stage: str | None = None,
    dry_run: bool = False,
    idle_timeout: float = 2.0,
    on_replayed: Callable[[DeadLetter, str], None] | None = None,
) -> int:
    """Re-publish the matching dead letters to their original topic; returns how many."""
    # Read to the end first, then publish: a replayed message that fails again lands in the
    # DLQ behind us, and reading while replaying would chase it forever. (End offsets are not
    # used because Tansu's ListOffsets can undercount, see the README.)
    letters = [
        letter
        async for letter in read_dead_letters(kafka, dlq_topic, idle_timeout)
        if letter.matches(reason, stage)
    ]
    producer = None if dry_run else await start_producer(kafka)
    count = 0
    try:
        for letter in letters:
            topic = letter.errors.get("topic") or default_topic
            if producer is not None:
                origin = f"{dlq_topic}/{letter.partition}/{letter.offset}".encode()
                await producer.send_and_wait(
                    topic, letter.value, key=letter.key, headers=[(REPLAYED_FROM, origin)]
                )
            count += 1
            if on_replayed:
                on_replayed(letter, topic)
    finally:
        if producer is not None:
            await producer.stop()
    return count
