"""``lagebild replay --batch``: rebuild every counter from the articles topic without workers.

The streaming replay (:mod:`lagebild.replay`) runs the real extractor and aggregator and pays
every per-message cost of the pipeline: faust, the events-topic hop, two changelog writes and
an incident update per event. Rebuilding counters needs none of that. This reads the articles
topic once with a plain consumer, extracts in a pool of processes (one per core) and folds the
events into an in-memory incident store with the aggregator's own :func:`apply_event`.
Incident figures do not depend on the order reports arrive in, so results are applied in
whatever order the pool finishes them; the totals equal the streaming replay's (tested). One
exception, shared with any two live runs: reports whose dates form a chain of days longer than
the matching tolerance can be grouped into incidents differently in another arrival order.

Articles that the extractor would dead-letter are counted by reason here, not re-published:
a replay must not write into the live dead-letter topic.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from queue import Queue

from aiokafka import AIOKafkaConsumer, TopicPartition

from lagebild.aggregation import MemoryStore, apply_event, summarize
from lagebild.extraction.budget import Budget, ExtractionTimeout, extract_within_budget
from lagebild.ingest import DEFAULT_MAX_BYTES, InvalidArticle, parse_article
from lagebild.kafka.clients import consumer_started
from lagebild.kafka.config import KafkaSettings
from lagebild.kafka.topics import BrokerUnavailable
from lagebild.models import Event
from lagebild.sanitize import charset_from_headers

CHUNK = 64  # articles per pool task: amortises pickling and scheduling
IN_FLIGHT_PER_WORKER = 4  # chunks queued per process, bounds memory while reading ahead
READ_BATCH = 2_000  # records per fetch call
READ_AHEAD = 8  # fetched batches waiting for the pool
# The fold keeps every incident in memory; the collector's full passes over that ever larger
# heap took about 45 % of the fold's time (measured on 20k events). Freezing what is held every
# so many events takes it out of those passes (the fold builds no reference cycles).
FREEZE_EVERY = 10_000  # events

Payload = tuple[bytes | None, str | None]  # message value, declared charset


@dataclass
class ChunkResult:
    events: list[Event] = field(default_factory=list)
    dead_letters: Counter[str] = field(default_factory=Counter)
    unsupported: int = 0


@dataclass
class Rebuilt:
    counters: dict[str, int]
    articles: int
    events: int
    incidents: int
    dead_letters: dict[str, int]
    unsupported_language: int
    seconds: float


def extract_chunk(
    payloads: Sequence[Payload], now: dt.datetime, max_bytes: int, budget: Budget
) -> ChunkResult:
    """What the extractor worker does to each message, minus Kafka (runs in a pool process)."""
    out = ChunkResult()
    for value, charset in payloads:
        try:
            article = parse_article(value, max_bytes, charset=charset, now=now)
            result = extract_within_budget(article, budget)
        except InvalidArticle as error:
            out.dead_letters[error.reason] += 1
            continue
        except ExtractionTimeout:
            out.dead_letters["extraction_timeout"] += 1
            continue
        except Exception:  # same rule as the worker: one bad article never stops the replay
            out.dead_letters["extraction_failed"] += 1
            continue
        out.events.extend(result.events)
        out.unsupported += not result.supported
    return out


class Folder:
    """The aggregator's state for one replay: incidents in memory, totals on demand."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.articles = 0
        self.events = 0
        self.dead_letters: Counter[str] = Counter()
        self.unsupported = 0
        self._unfrozen = 0

    def add(self, articles: int, chunk: ChunkResult) -> None:
        self.articles += articles
        self.dead_letters.update(chunk.dead_letters)
        self.unsupported += chunk.unsupported
        for event in chunk.events:
            apply_event(self.store, event, partition=0)
        self.events += len(chunk.events)
        self._unfrozen += len(chunk.events)
        if self._unfrozen >= FREEZE_EVERY:
            gc.freeze()
            self._unfrozen = 0

    def result(self, seconds: float) -> Rebuilt:
        incidents = list(self.store.incidents.values())
        return Rebuilt(
            counters=summarize(incidents).headline,
            articles=self.articles,
            events=self.events,
            incidents=len(incidents),
            dead_letters=dict(sorted(self.dead_letters.items())),
            unsupported_language=self.unsupported,
            seconds=round(seconds, 2),
        )


async def _read_topic(
    kafka: KafkaSettings, topic: str, idle_s: float, emit: Callable[[list[Payload]], None]
) -> None:
    consumer = AIOKafkaConsumer(
        **kafka.aiokafka_kwargs(),
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    async with consumer_started(consumer, kafka):
        await consumer.topics()  # fetches cluster metadata, which partitions_for_topic reads
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            raise BrokerUnavailable(f"topic {topic!r} does not exist on {kafka.bootstrap_servers}")
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        next_offset = dict.fromkeys(assigned, 0)
        last = time.monotonic()
        while time.monotonic() - last < idle_s:
            records = await consumer.getmany(timeout_ms=200, max_records=READ_BATCH)
            for tp, messages in records.items():
                if messages:
                    next_offset[tp] = messages[-1].offset + 1
                    emit([(m.value, charset_from_headers(m.headers)) for m in messages])
                    # After emit: it blocks while the pool is READ_AHEAD batches behind, and
                    # that wait is not the topic being idle (counting it ended 100k-article
                    # reads after about a sixth of the topic).
                    last = time.monotonic()
            # The end is the high watermark of fetch responses, not ListOffsets (which Tansu
            # can undercount); idle_s without records ends the read as well.
            highwater = {tp: consumer.highwater(tp) for tp in assigned}
            if all(h is not None and next_offset[tp] >= h for tp, h in highwater.items()):
                break


def read_topic(kafka: KafkaSettings, topic: str, idle_s: float = 2.0) -> Iterator[list[Payload]]:
    """The topic's messages from the beginning to its end, in batches, read ahead on a thread.

    The queue is bounded, so reading stays at most ``READ_AHEAD`` batches ahead of extraction.
    A failure on the reader thread (e.g. no broker) is raised here.
    """
    queue: Queue[list[Payload] | BaseException | None] = Queue(maxsize=READ_AHEAD)

    def reader() -> None:
        try:
            asyncio.run(_read_topic(kafka, topic, idle_s, queue.put))
            queue.put(None)
        except BaseException as exc:  # handed to the consuming thread
            queue.put(exc)

    thread = threading.Thread(target=reader, name="batch-replay-reader", daemon=True)
    thread.start()
    while (item := queue.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item
    thread.join(timeout=10)


def rebuild(
    batches: Iterable[Sequence[Payload]],
    *,
    workers: int | None = None,
    now: dt.datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    budget: Budget | None = None,
    executor: Executor | None = None,
) -> Rebuilt:
    """Extract every payload in a process pool and fold the events; returns the totals."""
    started = time.monotonic()
    now = now or dt.datetime.now(dt.UTC)
    budget = budget or Budget()
    workers = workers or os.cpu_count() or 1
    folder = Folder()
    pool = executor or ProcessPoolExecutor(max_workers=workers)
    pending: dict[Future[ChunkResult], int] = {}
    try:
        for payloads in batches:
            for start in range(0, len(payloads), CHUNK):
                chunk = list(payloads[start : start + CHUNK])
                pending[pool.submit(extract_chunk, chunk, now, max_bytes, budget)] = len(chunk)
                while len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                    _collect(pending, folder)
        while pending:
            _collect(pending, folder)
    finally:
        if executor is None:
            pool.shutdown(cancel_futures=True)
    return folder.result(time.monotonic() - started)


def _collect(pending: dict[Future[ChunkResult], int], folder: Folder) -> None:
    done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
    for future in done:
        folder.add(pending.pop(future), future.result())


def batch_replay(
    kafka: KafkaSettings,
    topic: str,
    *,
    workers: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    budget: Budget | None = None,
    idle_s: float = 2.0,
) -> Rebuilt:
    """Rebuild the counters from ``topic``, read from its beginning to its end."""
    batches = read_topic(kafka, topic, idle_s)
    return rebuild(batches, workers=workers, max_bytes=max_bytes, budget=budget)
