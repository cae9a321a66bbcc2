"""Patch for a faust-streaming 0.15.3 gap that commits offsets before table writes are sent.

Table changes (changelog records) go through faust's ``ProducerBuffer``. Before committing
source offsets, faust calls ``producer.flush()``, which drains that buffer with
``flush_atmost`` (``faust/transport/producer.py`` 78-95) — but that returns as soon as one
message takes longer than 0.1 s to leave the buffer, and it counts a message as gone when it
has been taken off the queue, not when its hand-over to aiokafka finished. aiokafka's own
flush then does not cover what is still in faust's buffer, the offsets are committed, and a
crash loses table writes whose source events will never be redelivered. Found by reading the
code while chasing a lost table write (whose measured cause turned out to be the one fixed in
:mod:`lagebild.kafka.highwater_fix`); not reproduced on its own.

The fix makes ``ProducerBuffer.flush`` wait until the queue is empty *and* no message is in
the middle of being handed over, bounded by ``FLUSH_TIMEOUT_S`` (then it raises, the commit
fails, and the events are processed again: at-least-once holds).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import Any

import faust
from faust.transport.producer import ProducerBuffer

log = logging.getLogger(__name__)

PATCHED_VERSION = "0.15.3"
FLUSH_TIMEOUT_S = 30.0


@functools.cache
def apply_flush_fix() -> bool:
    if faust.__version__ != PATCHED_VERSION:
        log.warning("flush fix not applied: written for faust %s", PATCHED_VERSION)
        return False
    send_pending = ProducerBuffer._send_pending

    async def counted_send_pending(self: Any, fut: Any) -> None:
        self.lagebild_in_flight = getattr(self, "lagebild_in_flight", 0) + 1
        try:
            await send_pending(self, fut)
        finally:
            self.lagebild_in_flight -= 1

    async def flush(self: Any) -> None:
        deadline = time.monotonic() + FLUSH_TIMEOUT_S
        while self.size or getattr(self, "lagebild_in_flight", 0):
            if self.state != "running" and self.size:
                raise RuntimeError("Cannot flush: Producer not Running")
            if time.monotonic() > deadline:
                raise TimeoutError(f"producer buffer not drained in {FLUSH_TIMEOUT_S} s")
            self.message_sent.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.message_sent.wait(), timeout=0.1)

    ProducerBuffer._send_pending = counted_send_pending  # type: ignore[method-assign]
    ProducerBuffer.flush = flush  # type: ignore[method-assign]
    return True
