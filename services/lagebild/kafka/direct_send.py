"""Send to a faust topic through the app's producer, without faust's ``Topic.send``.

``Topic.send`` wraps every message in pending/future objects and sensor calls: about 3 % of a
worker's CPU at saturation (py-spy). Delivery is unchanged: faust flushes this same producer
before it commits source offsets, so no offset is committed while a send is in flight. A send
that fails for good (after the producer's retries) is logged and reported to ``on_failure``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

log = logging.getLogger(__name__)


class DirectSender:
    def __init__(self, topic: Any, on_failure: Callable[[], None] | None = None) -> None:
        self._topic = topic  # a faust Topic: its app's producer, its name, its declaration
        self._on_failure = on_failure
        self._declared = False

    async def send(self, key: bytes | None, value: bytes) -> None:
        if not self._declared:
            # Topic.send creates a missing topic with the app's partition count; so do we.
            await self._topic.maybe_declare()
            self._declared = True
        sent = await self._topic.app.producer.send(
            self._topic.get_topic_name(), key, value, partition=None, timestamp=None, headers=None
        )
        cast(asyncio.Future, sent).add_done_callback(self._check)

    def _check(self, sent: Any) -> None:
        if not sent.cancelled() and (error := sent.exception()) is not None:
            if self._on_failure is not None:
                self._on_failure()
            log.error("send to %s failed: %r", self._topic.get_topic_name(), error)
