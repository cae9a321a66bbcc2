"""``lagebild replay --batch --from-events``: rebuild every counter from the events topic.

The events topic is the extractor's output and the aggregator's only input, so folding it again
with the aggregator's :func:`apply_event` gives the live aggregator's incidents: the figures of
an incident do not depend on the order its reports arrive in, and redelivered events are
recognised by their ids (the grouping of reports whose dates chain over more days than the
matching tolerance can depend on arrival order, as in :mod:`lagebild.batch_replay`).

No extraction runs, which makes this the fast path after a change to the aggregation rules, or
to recover lost aggregator state. After a change to the extraction rules the articles must be
replayed instead (``--batch`` without ``--from-events``).

Events that the aggregator would dead-letter (not a valid event) are counted under
``invalid_event``, as the aggregator's own dead letters are, and not re-published.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from lagebild.batch_replay import ChunkResult, Folder, Payload, Rebuilt, read_topic
from lagebild.kafka.config import KafkaSettings
from lagebild.models import EventAdapter


def parse_events(payloads: Sequence[Payload]) -> ChunkResult:
    """The aggregator's validation of each message, without Kafka."""
    out = ChunkResult()
    for value, _charset in payloads:
        try:
            out.events.append(EventAdapter.validate_json(value or b""))
        except ValidationError:
            out.dead_letters["invalid_event"] += 1
    return out


def refold(batches: Iterable[Sequence[Payload]]) -> Rebuilt:
    """Fold every event message of ``batches``; ``articles`` counts the distinct articles."""
    started = time.monotonic()
    folder = Folder()
    articles: set[str] = set()
    for payloads in batches:
        chunk = parse_events(payloads)
        articles.update(event.article_id for event in chunk.events)
        folder.add(0, chunk)
    folder.articles = len(articles)
    return folder.result(time.monotonic() - started)


def events_replay(kafka: KafkaSettings, topic: str, *, idle_s: float = 2.0) -> Rebuilt:
    """Rebuild the counters from the events ``topic``, read from its beginning to its end."""
    return refold(read_topic(kafka, topic, idle_s))


__all__ = ["events_replay", "parse_events", "refold"]
