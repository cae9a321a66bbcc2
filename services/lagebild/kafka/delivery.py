"""Commit a source offset only after every record sent for it has been delivered.

faust acks an event when the agent's loop moves past it and flushes the producer before it
commits, but it never looks at the outcome of the sends: a record the producer gave up on (the
broker away longer than the producer's request timeout) left its article's offset committable,
and the events were lost although processing is at-least-once. Holding faust's own ack back
until delivery (``Message.incref``) would not close the gap: faust 0.15.3 commits past an
unacked offset right after the committed one, and past any offset before the partition's first
commit (``Consumer._new_offset``, ``faust/transport/consumer.py`` 1138-1141 only stops at a
hole of two offsets or more; tests/unit/test_delivery.py shows it).

:class:`DeliveryGuard` sends through the app's producer and

- counts the undelivered records of each source offset;
- caps what faust commits for a partition at its lowest such offset (a wrapper around
  ``Consumer._new_offset``: acked offsets above it stay acked for a later commit), so a worker
  that stops or loses the partition leaves it to be processed again (event ids are
  deterministic: the repeat is harmless);
- sends a record again after a retriable failure, with backoff, for as long as it takes;
  meanwhile the partition's commits wait and processing goes on as far as the producer's
  buffer and ``max_undelivered`` let it;
- hands the source message of a record that can never be delivered (too large, not
  authorized, ...) to ``dead_letter`` (which sends it to the DLQ with the reason, through this
  guard), then lets its offset go.

A retried record arrives after records sent later, so this suits sends that need no order
(events, incident updates), not a table's changelog.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.errors import KafkaTimeoutError
from faust.transport.consumer import Consumer
from faust.types import TP

log = logging.getLogger(__name__)

DeadLetter = Callable[[Any, BaseException], Awaitable[None]]

_guards: weakref.WeakKeyDictionary[Any, DeliveryGuard] = weakref.WeakKeyDictionary()


def retriable(error: BaseException) -> bool:
    """A timeout or a retriable Kafka error (faust wraps a producer's error in its own)."""
    return any(
        isinstance(candidate, KafkaTimeoutError | asyncio.TimeoutError)
        or getattr(candidate, "retriable", False)
        for candidate in (error, error.__cause__)
    )


class _Record:
    __slots__ = ("attempts", "headers", "key", "offset", "source", "topic", "tp", "value")

    def __init__(self, topic: str, key: bytes | None, value: bytes, headers: Any, source: Any):
        self.topic, self.key, self.value, self.headers = topic, key, value, headers
        self.source = source  # the consumed message the record was produced for
        self.tp: TP = source.tp
        self.offset: int = source.offset
        self.attempts = 0


class DeliveryGuard:
    """One per faust app; every send that must not be lost goes through :meth:`send`."""

    def __init__(
        self,
        app: Any,
        *,
        dead_letter: DeadLetter | None = None,
        on_failure: Callable[[], None] | None = None,
        backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        max_undelivered: int = 50_000,
    ) -> None:
        _wrap_new_offset()
        _guards[app] = self
        self._app = app
        self.dead_letter = dead_letter
        self._on_failure = on_failure
        self._backoff_s, self._max_backoff_s = backoff_s, max_backoff_s
        # Undelivered records by source partition → source offset → count.
        self._undelivered: dict[TP, dict[int, int]] = {}
        self._count = 0
        self._limit = max_undelivered
        self._room: asyncio.Event | None = None
        self._dead_lettered: set[tuple[TP, int]] = set()
        self._tasks: set[asyncio.Future[Any]] = set()
        self._last_warning = 0.0
        self._unlogged = 0

    @property
    def undelivered(self) -> int:
        return self._count

    def barrier(self, tp: TP, committed: int | None = None) -> int | None:
        """The lowest source offset of ``tp`` with an undelivered record, at or after
        ``committed`` (a lower one was committed by another owner after it re-processed it)."""
        offsets = self._undelivered.get(tp)
        if not offsets:
            return None
        if committed is None:
            return min(offsets)
        return min((offset for offset in offsets if offset >= committed), default=None)

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        *,
        source: Any,
        headers: Any = None,
    ) -> None:
        """Hand a record to the producer; ``source`` (the message being processed) is not
        committed until the record is delivered."""
        if self._count >= self._limit:  # the broker has been away long: stop taking more
            self._room = self._room or asyncio.Event()
            self._room.clear()
            await self._room.wait()
        record = _Record(topic, key, value, headers, source)
        offsets = self._undelivered.get(record.tp)
        if offsets is None:
            offsets = self._undelivered[record.tp] = {}
        offsets[record.offset] = offsets.get(record.offset, 0) + 1
        self._count += 1
        await self._produce(record)

    async def _produce(self, record: _Record) -> None:
        try:
            sent = await self._app.producer.send(
                record.topic,
                record.key,
                record.value,
                partition=None,
                timestamp=None,
                headers=record.headers,
            )
        except Exception as exc:  # not queued: buffer full for too long, too large, ...
            self._failed(record, exc)
        else:
            sent.add_done_callback(functools.partial(self._sent, record))

    def _sent(self, record: _Record, sent: asyncio.Future[Any]) -> None:
        if sent.cancelled():  # the producer stopped: the source offset stays uncommitted
            return
        error = sent.exception()
        if error is None:
            self._settle(record)
        else:
            self._failed(record, error)

    def _failed(self, record: _Record, error: BaseException) -> None:
        if self._on_failure is not None:
            self._on_failure()
        if self._app.should_stop:  # not committed: whoever owns the partition next redoes it
            return
        if retriable(error):
            delay = min(self._max_backoff_s, self._backoff_s * 2**record.attempts)
            record.attempts += 1
            self._warn(record, error, delay)
            asyncio.get_running_loop().call_later(delay, self._resend, record)
        else:
            log.error(
                "send to %s for %s[%d]@%d cannot succeed: %r",
                record.topic,
                record.tp.topic,
                record.tp.partition,
                record.offset,
                error,
            )
            self._spawn(self._give_up(record, error))

    def _warn(self, record: _Record, error: BaseException, delay: float) -> None:
        """At most one warning per 5 s: an outage fails every record in flight."""
        now = time.monotonic()
        if now - self._last_warning < 5.0:
            self._unlogged += 1
            return
        log.warning(
            "send to %s failed (%r), again in %.1f s; %d records undelivered (%d more failures "
            "since the last warning); their source offsets stay uncommitted",
            record.topic,
            error,
            delay,
            self._count,
            self._unlogged,
        )
        self._last_warning, self._unlogged = now, 0

    def _resend(self, record: _Record) -> None:
        if not self._app.should_stop:
            self._spawn(self._produce(record))

    async def _give_up(self, record: _Record, error: BaseException) -> None:
        source = (record.tp, record.offset)
        try:
            if self.dead_letter is None:
                log.error("no dead-letter topic: record for %s lost", source)
            elif source not in self._dead_lettered:  # once per source message
                self._dead_lettered.add(source)
                # Sent through this guard: the source offset stays held until it is delivered.
                await self.dead_letter(record.source, error)
        except Exception:
            log.exception("dead letter for %s failed; its records are lost", source)
        finally:
            self._settle(record)

    def _settle(self, record: _Record) -> None:
        offsets = self._undelivered[record.tp]
        left = offsets[record.offset] - 1
        if left:
            offsets[record.offset] = left
        else:
            del offsets[record.offset]
            if self._dead_lettered:
                self._dead_lettered.discard((record.tp, record.offset))
        self._count -= 1
        if self._room is not None and self._count < self._limit:
            self._room.set()

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


@functools.cache
def _wrap_new_offset() -> None:
    """Keep ``Consumer._new_offset`` (the highest committable offset of a partition, from its
    acked offsets) below the partition's lowest source offset with an undelivered record."""
    original = Consumer._new_offset

    def _new_offset(self: Any, tp: TP) -> int | None:
        guard = _guards.get(self.app)
        barrier = None if guard is None else guard.barrier(tp, self._committed_offset[tp])
        if barrier is None:
            return original(self, tp)
        acked = self._acked[tp]
        held = [offset for offset in acked if offset >= barrier]
        if not held:
            return original(self, tp)
        below = self._acked[tp] = [offset for offset in acked if offset < barrier]
        try:
            new_offset = original(self, tp)  # takes what it commits out of ``below``
        finally:
            self._acked[tp] = below + held
        # (A recorded read gap reaching past the barrier must not carry the commit over it.)
        return None if new_offset is None else min(new_offset, barrier)

    Consumer._new_offset = _new_offset  # type: ignore[method-assign]
