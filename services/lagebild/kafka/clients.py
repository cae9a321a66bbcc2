"""Plain aiokafka helpers for the CLI: publish articles, follow a topic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from lagebild.ingest import article_bytes
from lagebild.kafka.config import KafkaSettings
from lagebild.kafka.missing_topic_fix import apply_missing_topic_fix
from lagebild.kafka.topics import BrokerUnavailable
from lagebild.models import Article

log = logging.getLogger(__name__)


@asynccontextmanager
async def consumer_started(
    consumer: AIOKafkaConsumer, kafka: KafkaSettings, timeout: float = 10.0
) -> AsyncIterator[AIOKafkaConsumer]:
    """Start ``consumer`` (BrokerUnavailable if Kafka does not answer) and always stop it."""
    try:
        await asyncio.wait_for(consumer.start(), timeout)
    except Exception as exc:  # as in start_producer: every start failure reads the same
        await consumer.stop()
        raise BrokerUnavailable(
            f"cannot reach Kafka at {kafka.bootstrap_servers}: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        yield consumer
    finally:
        await consumer.stop()


async def send_with_retry(
    producer: AIOKafkaProducer,
    topic: str,
    value: bytes,
    key: bytes | None,
    give_up_after: float = 60.0,
) -> None:
    """Send and wait for the acknowledgement, retrying with exponential backoff (0.5 s … 8 s).

    aiokafka already retries retriable errors within one request timeout; this covers a broker
    that is down for longer (a restart). Past ``give_up_after`` s it raises BrokerUnavailable.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + give_up_after
    delay, attempt = 0.5, 1
    while True:
        try:
            await producer.send_and_wait(topic, value, key=key)
            return
        except KafkaError as exc:
            if loop.time() + delay > deadline:
                raise BrokerUnavailable(
                    f"giving up on {topic} after {attempt} attempts in {give_up_after:.0f} s: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            log.warning(
                "publishing to %s failed (attempt %d: %s); retrying in %.1f s",
                topic,
                attempt,
                type(exc).__name__,
                delay,
            )
            await asyncio.sleep(delay)
            delay, attempt = min(delay * 2, 8.0), attempt + 1


async def start_producer(kafka: KafkaSettings, timeout: float = 10.0) -> AIOKafkaProducer:
    # acks=all without idempotence: Tansu rejects InitProducerId v0 (see README).
    apply_missing_topic_fix()  # (retries right after a broker restart: see the module)
    producer = AIOKafkaProducer(
        **kafka.aiokafka_kwargs(),
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        request_timeout_ms=int(timeout * 1000),
    )
    try:
        await asyncio.wait_for(producer.start(), timeout)
    except Exception as exc:  # aiokafka's SASL code raises e.g. KeyError on a failed login
        await producer.stop()
        raise BrokerUnavailable(
            f"cannot reach Kafka at {kafka.bootstrap_servers}: {type(exc).__name__}: {exc}"
        ) from exc
    return producer


async def publish_articles(
    kafka: KafkaSettings,
    topic: str,
    articles: Iterable[Article],
    on_sent: Callable[[Article], None] | None = None,
    window: int = 256,
    give_up_after: float = 60.0,
) -> int:
    """Publish with the article id as key; waits for every acknowledgement. Returns the count.

    A failed send (broker down) is retried one by one with backoff (:func:`send_with_retry`);
    order within a window is then not guaranteed, which is fine for independent articles.
    """
    producer = await start_producer(kafka)
    sent = 0
    try:
        pending: list[tuple[Article, asyncio.Future[object]]] = []

        async def drain() -> None:
            nonlocal sent
            for article, future in pending:
                try:
                    await future
                except KafkaError:
                    await send_with_retry(
                        producer, topic, article_bytes(article), article.id.encode(), give_up_after
                    )
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
    async with consumer_started(consumer, kafka):
        loop = asyncio.get_running_loop()
        last_message = loop.time()
        while idle_timeout is None or loop.time() - last_message < idle_timeout:
            batches = await consumer.getmany(timeout_ms=200)
            for messages in batches.values():
                for message in messages:
                    last_message = loop.time()
                    yield message.key, message.value, list(message.headers or ())
