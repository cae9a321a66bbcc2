"""Never let a produce request be the first thing a broker hears about a topic.

Tansu 0.6 (the embedded broker) creates a missing topic properly only when a Metadata request
names it. A Produce request for a topic it does not know is acknowledged without an error, with
offsets, and ListOffsets counts those records, but the topic is broken for good: Fetch returns
nothing (high watermark 0) and later produces fail with ``UnknownError`` (-1), until the topic
is deleted and created again. Apache Kafka answers such a produce with
UNKNOWN_TOPIC_OR_PARTITION instead.

A restart of the memory broker loses every topic, and a producer that had records in flight
retries them the moment it reconnects, with its old metadata: whether its own metadata refresh
(which auto-creates the topic) or the retried produce arrives first is a race. Lost, it left a
worker's table changelog broken: ListOffsets said the changelog held records, recovery waited
for them, and no fetch ever returned one, so the worker stayed in recovery ("No event received
for active tp ... since recovery start") and processed nothing
(``tests/integration/test_outage.py`` with the extractor on ``sqlite://``).

The fix: before a connection carries a produce request for a topic, it carries one Metadata
request naming that topic, as aiokafka's own refresh would (``allow_auto_topic_creation``
left at its default). That costs one metadata round trip per topic and connection: a broker
restart always breaks the connection, so every topic is named again on the new one. On Apache
Kafka the topics exist and the request changes nothing.
"""

from __future__ import annotations

import functools
import logging
import weakref
from typing import Any

from aiokafka.client import AIOKafkaClient, ConnectionGroup
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.protocol.produce import ProduceRequest

log = logging.getLogger(__name__)

# Topics named in a Metadata request on each connection (a new connection starts empty).
_named: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _topics(request: ProduceRequest) -> set[str] | None:
    topics = getattr(request, "_topics", None)  # aiokafka 0.14: [(topic, [(partition, batch)])]
    if not isinstance(topics, list):
        return None
    return {topic for topic, _ in topics}


@functools.cache
def apply_missing_topic_fix() -> None:
    original = AIOKafkaClient.send
    if getattr(original, "lagebild_missing_topic_fix", False):
        return

    @functools.wraps(original)
    async def send(
        self: AIOKafkaClient, node_id: Any, request: Any, *, group: Any = ConnectionGroup.DEFAULT
    ) -> Any:
        if isinstance(request, ProduceRequest) and await self.ready(node_id, group=group):
            conn = self._conns.get((node_id, group))
            topics = _topics(request)
            if conn is not None and topics:
                named = _named.setdefault(conn, set())
                if missing := sorted(topics - named):
                    await original(self, node_id, MetadataRequest(missing), group=group)
                    named.update(missing)
        return await original(self, node_id, request, group=group)

    send.lagebild_missing_topic_fix = True  # type: ignore[attr-defined]
    AIOKafkaClient.send = send
    if _topics(ProduceRequest(None, 1, 1000, [("probe", [])])) is None:
        log.warning("aiokafka's ProduceRequest changed: lagebild.kafka.missing_topic_fix is inert")
