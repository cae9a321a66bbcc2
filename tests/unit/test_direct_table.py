"""aggregator.changelog.DirectTable: table writes staged at once, their changelog records sent
by the agent through the producer in write order, acknowledgements stored by key.

A real faust table on the SQLite store (no broker): a stand-in producer records the sends and
resolves their futures when told to, as the broker's acknowledgements would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
import pytest
from faust.streams import _current_event
from faust.types import TP

from aggregator.changelog import DirectTable
from aggregator.store import TableStore
from lagebild.aggregation import MemoryStore, apply_event
from lagebild.kafka.sqlite_store import SQLiteStore, register
from lagebild.models import CasualtiesEvent, Evidence, Figure

TOPIC = "test-incidents-changelog"


@dataclass
class Message:
    partition: int
    topic: str = "events"


@dataclass
class Event:
    message: Message


@dataclass
class Metadata:
    topic: str
    partition: int
    offset: int


class Producer:
    """Records each send; :meth:`acknowledge` resolves them in order, with offsets."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes, int]] = []
        self.futures: list[asyncio.Future[Metadata]] = []
        self.offsets: dict[int, int] = {}

    async def send(
        self, topic: str, key: bytes, value: bytes, *, partition: int, **_: Any
    ) -> asyncio.Future[Metadata]:
        self.sent.append((topic, key, value, partition))
        future: asyncio.Future[Metadata] = asyncio.get_running_loop().create_future()
        self.futures.append(future)
        return future

    async def acknowledge(self, fail: frozenset[bytes] = frozenset()) -> None:
        for (topic, key, _, partition), future in zip(self.sent, self.futures, strict=True):
            if future.done():
                continue
            if key in fail:
                future.set_exception(RuntimeError("not delivered"))
                continue
            offset = self.offsets.get(partition, -1) + 1
            self.offsets[partition] = offset
            future.set_result(Metadata(topic, partition, offset))
        await asyncio.sleep(0)  # done callbacks run on the next loop iteration


class Harness:
    def __init__(self, datadir: Path) -> None:
        register()
        self.app = faust.App("test", store="sqlite://", datadir=str(datadir))
        self.faust_table = self.app.Table(
            "incidents", key_type=bytes, value_type=bytes, partitions=4
        )
        store = self.faust_table.data
        assert isinstance(store, SQLiteStore)
        self.store = store
        self.app.assignor.assigned_actives = lambda: {TP(TOPIC, p) for p in range(4)}  # type: ignore[method-assign]
        for partition in range(4):
            self.store._part(partition)
        self.producer = Producer()
        self.app.producer = self.producer  # type: ignore[assignment]
        self.reported: list[None] = []  # on_failure calls (the worker's failure counter)
        self.table = DirectTable(self.faust_table, on_failure=lambda: self.reported.append(None))

    @contextmanager
    def event(self, partition: int) -> Iterator[None]:
        event = Event(Message(partition))
        token = _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
        try:
            yield
        finally:
            _current_event.reset(token)

    def stored(self) -> dict[bytes, bytes]:
        """What the partition files hold (acknowledged changes only)."""
        self.store.commit()
        rows: dict[bytes, bytes] = {}
        for part in self.store._parts.values():
            rows.update(
                (bytes(k), bytes(v)) for k, v in part.db.execute("SELECT key, value FROM kv")
            )
        return rows


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def test_writes_are_visible_at_once_and_sent_in_order_by_flush(harness: Harness) -> None:
    async def run() -> None:
        with harness.event(2):
            harness.table[b"a"] = b"1"
            harness.table[b"b"] = b"2"
            harness.table[b"a"] = b"3"
            assert harness.table.get(b"a") == b"3" and harness.table.get(b"x") is None
            assert harness.producer.sent == [] and harness.table.unsent == 3
            await harness.table.flush()
        assert harness.producer.sent == [
            (TOPIC, b"a", b"1", 2),
            (TOPIC, b"b", b"2", 2),
            (TOPIC, b"a", b"3", 2),
        ]
        assert harness.stored() == {}  # nothing acknowledged yet
        await harness.producer.acknowledge()
        assert harness.stored() == {b"a": b"3", b"b": b"2"}
        assert harness.store.persisted_offset(TP(TOPIC, 2)) == 2
        assert harness.store.unmatched_acks == 0

    asyncio.run(run())


def test_a_failed_send_is_stored_with_the_next_acknowledged_record(harness: Harness) -> None:
    async def run() -> None:
        with harness.event(0):
            for key in (b"a", b"b", b"c"):
                harness.table[key] = key.upper()
            await harness.table.flush()
        await harness.producer.acknowledge(fail=frozenset({b"a"}))
        assert harness.table.send_failures == 1
        assert len(harness.reported) == 1
        # As with faust's own sends (see the SQLite store): the file never claims an offset
        # without every change written before it.
        assert harness.stored() == {b"a": b"A", b"b": b"B", b"c": b"C"}
        assert harness.store.persisted_offset(TP(TOPIC, 0)) == 1

    asyncio.run(run())


def test_writes_outside_an_event_are_refused(harness: Harness) -> None:
    with pytest.raises(TypeError):
        harness.table[b"a"] = b"1"


def casualties(n: int) -> CasualtiesEvent:
    return CasualtiesEvent(
        event_id=f"c{n}",
        incident_key="casualties|Kharkiv",
        article_id=f"article-{n}",
        published_at=dt.datetime(2025, 4, 25, n % 24, tzinfo=dt.UTC),
        date=dt.date(2025, 4, 25 + 3 * (n % 2)),
        extractor_version="test",
        evidence=[Evidence(article_id=f"article-{n}", sentence="s", start=0, end=1, confidence=1)],
        region="UA-63",
        killed=Figure(value=n % 7),
    )


def test_apply_event_through_the_direct_table_stores_what_the_memory_store_holds(
    harness: Harness,
) -> None:
    store, memory = TableStore(harness.table), MemoryStore()

    async def run() -> None:
        for n in [*range(12), 3, 7]:
            with harness.event(1):
                result = apply_event(store, casualties(n), partition=1).result
                await harness.table.flush()
            assert result == apply_event(memory, casualties(n), partition=1).result
        await harness.producer.acknowledge()

    asyncio.run(run())
    # Every write reached the changelog once, in order, and the file holds the last of each key.
    keys = [key for _, key, _, _ in harness.producer.sent]
    last = {key: value for _, key, value, _ in harness.producer.sent}
    assert harness.stored() == last
    assert harness.store.persisted_offset(TP(TOPIC, 1)) == len(keys) - 1
    assert sorted(store.incidents({1}), key=lambda i: i.id) == sorted(
        memory.incidents.values(), key=lambda i: i.id
    )
