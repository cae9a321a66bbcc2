"""Explicit topic creation (idempotent): faust never auto-creates our public topics."""

from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from lagebild.kafka.config import KafkaSettings, TopicSettings

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36


class BrokerUnavailable(RuntimeError):
    """The configured bootstrap servers did not answer in time."""


async def start_admin(kafka: KafkaSettings, timeout: float = 10.0) -> AIOKafkaAdminClient:
    deadline = asyncio.get_running_loop().time() + timeout
    last_error: Exception | None = None
    while asyncio.get_running_loop().time() < deadline:
        admin = AIOKafkaAdminClient(**kafka.aiokafka_kwargs(), request_timeout_ms=5_000)
        try:
            await admin.start()
            return admin
        except (KafkaError, OSError) as exc:
            last_error = exc
            await admin.close()
            await asyncio.sleep(0.1)
    raise BrokerUnavailable(
        f"Kafka at {kafka.bootstrap_servers} did not answer within {timeout:.0f} s: {last_error}"
    )


async def ensure_topics(
    kafka: KafkaSettings, topics: TopicSettings, timeout: float = 10.0
) -> dict[str, str]:
    """Create missing topics; returns ``{topic: "created" | "exists"}``."""
    admin = await start_admin(kafka, timeout)
    try:
        new = [
            NewTopic(name, partitions, topics.replication_factor)
            for name, partitions in topics.partition_plan().items()
        ]
        response = await admin.create_topics(new)
        result: dict[str, str] = {}
        for name, code, message in response.topic_errors:
            if code == 0:
                result[name] = "created"
            elif code == TOPIC_ALREADY_EXISTS:
                result[name] = "exists"
            else:
                raise RuntimeError(f"creating topic {name!r} failed ({code}): {message}")
        log.info("topics: %s", result)
        return result
    finally:
        await admin.close()
