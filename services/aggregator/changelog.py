"""The incidents table with its changelog records handed straight to the producer.

faust sends each table change through ``Table.on_key_set`` → ``Topic.send_soon`` → the
producer buffer's task → ``Topic.publish_message`` (sensors, future wrappers) → the producer,
and its acknowledgement back through ``Topic._on_published`` → ``Collection._on_changelog_sent``
→ the store's ``set_persisted_offset``. With ~2 records per event that chain was the largest
part of the aggregator's CPU per event (measured: the worker took 0.26 ms per event to consume
and validate, ~1.2 ms to process it). :class:`DirectTable` keeps faust's table and store (reads,
recovery, standbys, rebalancing, the changelog topic are unchanged) and sends the same record
(topic, partition, key, value) with ``app.producer.send``; the acknowledgement goes to the
store as faust's would, with the key (see ``SQLiteStore.acknowledge``).

Delivery and order are as with faust's path:

- a write is staged in the store at once (later reads see it) and queued; the agent awaits
  :meth:`DirectTable.flush` after each event, which hands the queued records to the producer in
  write order. One producer with one request in flight per broker keeps that order in the
  changelog, which the SQLite store's acknowledgement pairing and the prefix argument of
  :func:`lagebild.aggregation.apply_event` rely on.
- faust flushes this producer before it commits source offsets, and an event's offset only
  becomes committable once the agent has moved past the event (after its flush), so no offset
  is committed while a changelog record of its event is unsent.
- a failed send is logged (faust logs it too) and not acknowledged; the SQLite store then keeps
  the change pending and stores it with the next acknowledged record, as for faust's sends.
- every write of the table must go through here: records sent both here and through faust's
  buffer could reach the changelog in another order than their writes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from faust.types import TP

from lagebild.kafka.sqlite_store import SQLiteStore

log = logging.getLogger("lagebild.aggregator")


class DirectTable(MutableMapping[bytes, bytes]):
    """A faust table of raw bytes keys and values, written only inside the agent."""

    def __init__(self, table: Any, on_failure: Callable[[], None] | None = None) -> None:
        if table.app.in_transaction:  # exactly-once would persist offsets on commit instead
            raise ValueError("DirectTable supports at-least-once processing only")
        self._table = table
        self._outbox: list[tuple[int, bytes, bytes]] = []
        self._bound = False
        self._read: Callable[[bytes], bytes | None]
        self._stage: Callable[[bytes, bytes], None]
        self._acknowledge: Callable[[TP, int, bytes], None]
        self._topic = ""
        self.send_failures = 0
        self._on_failure = on_failure

    def _bind(self) -> None:
        """Resolve the store once faust has created it (the table creates it on first use)."""
        data = self._table.data
        if isinstance(data, SQLiteStore):
            self._read, self._stage, self._acknowledge = (
                data.get_value,
                data.set_value,
                data.acknowledge,
            )
        else:  # memory://: a plain mapping of the raw bytes
            self._read, self._stage = data.get, data.__setitem__
            self._acknowledge = lambda tp, offset, key: data.set_persisted_offset(tp, offset)
        self._topic = self._table.changelog_topic.get_topic_name()
        self._bound = True

    def get(self, key: bytes, default: Any = None) -> Any:
        if not self._bound:
            self._bind()
        value = self._read(key)
        return default if value is None else value

    def __getitem__(self, key: bytes) -> bytes:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        if not self._bound:
            self._bind()
        # The partition of the event being processed (faust's own choice; raises outside one).
        partition = self._table.partition_for_key(key)
        if partition is None:
            raise RuntimeError("the incidents table must not use the partitioner")
        self._stage(key, value)
        self._outbox.append((partition, key, value))

    def __delitem__(self, key: bytes) -> None:
        raise NotImplementedError("records of the incidents table are never deleted")

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    @property
    def unsent(self) -> int:
        return len(self._outbox)

    async def flush(self) -> None:
        """Hand the records written since the last flush to the producer, in write order."""
        if not self._outbox:
            return
        outbox, self._outbox = self._outbox, []
        producer = self._table.app.producer
        for partition, key, value in outbox:
            sent = await producer.send(
                self._topic, key, value, partition=partition, timestamp=None, headers=None
            )
            sent.add_done_callback(functools.partial(self._on_sent, key))

    def _on_sent(self, key: bytes, sent: asyncio.Future[Any]) -> None:
        if sent.cancelled():
            return
        error = sent.exception()
        if error is not None:
            self.send_failures += 1
            if self._on_failure is not None:
                self._on_failure()
            log.warning("changelog record of %r not acknowledged: %r", key, error)
            return
        metadata = sent.result()
        self._acknowledge(TP(metadata.topic, metadata.partition), metadata.offset, key)
