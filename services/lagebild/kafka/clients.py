"""Plain aiokafka helpers for the CLI: publish articles, follow a topic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from lagebild.ingest import article_bytes
from lagebild.kafka.config import KafkaSettings
from lagebild.kafka.topics import BrokerUnavailable
from lagebild.models import Article


async def start_producer(kafka: KafkaSettings, timeout: float = 10.0) -> AIOKafkaProducer:
    # acks=all without idempotence: Tansu rejects InitProducerId v0 (see README).
    producer = AIOKafkaProducer(
        **kafka.aiokafka_kwargs(),
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        request_timeout_ms=int(timeout * 1000),
    )
    try:
        await asyncio.wait_for(producer.start(), timeout)
    except (KafkaError, OSError, TimeoutError) as exc:
        await producer.stop()
        raise BrokerUnavailable(
            f"cannot reach Kafka at {kafka.bootstrap_servers}: {exc or type(exc).__name__}"
        ) from exc
    return producer


async def publish_articles(
    kafka: KafkaSettings,
    topic: str,
    articles: Iterable[Article],
    on_sent: Callable[[Article], None] | None = None,
    window: int = 256,
) -> int:
    """Publish with the article id as key; waits for every acknowledgement. Returns the count."""
    producer = await start_producer(kafka)
    sent = 0
    try:
        pending: list[tuple[Article, asyncio.Future[object]]] = []

        async def drain() -> None:
            nonlocal sent
            for article, future in pending:
                await future
                sent += 1
                if on_sent:
                    on_sent(article)
            pending.clear()

        for article in articles:
            future = await producer.send(topic, article_bytes(article), key=article.id.encode())
            pending.append((article, future))
            if len(pending) >= window:
                await drain()
        await drain()
    finally:
        await producer.stop()
    return sent


async def follow(
    kafka: KafkaSettings,
    topic: str,
    from_beginning: bool,
    idle_timeout: float | None = None,
) -> AsyncIterator[tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]]:
    """Yield (key, value, headers) of every message; stop after ``idle_timeout`` s of silence."""
    consumer = AIOKafkaConsumer(
        topic,
        **kafka.aiokafka_kwargs(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
        fetch_max_wait_ms=100,
    )
    try:
        await asyncio.wait_for(consumer.start(), 10)
    except (KafkaError, OSError, TimeoutError) as exc:
        await consumer.stop()
        raise BrokerUnavailable(f"cannot reach Kafka at {kafka.bootstrap_servers}: {exc}") from exc
    loop = asyncio.get_running_loop()
    last_message = loop.time()
    try:
        while idle_timeout is None or loop.time() - last_message < idle_timeout:
            batches = await consumer.getmany(timeout_ms=200)
            for messages in batches.values():
                for message in messages:
                    last_message = loop.time()
                    yield message.key, message.value, list(message.headers or ())
    finally:
        await consumer.stop()
