"""Send to a faust topic through the app's producer, without faust's ``Topic.send``.

``Topic.send`` wraps every message in pending/future objects and sensor calls: about 3 % of a
worker's CPU at saturation (py-spy). The records go through a
:class:`~lagebild.kafka.delivery.DeliveryGuard`: the consumed message they are sent for is not
committed before they are delivered (faust's own commit only flushes the producer, it does not
check that the sends succeeded), and a failed send is retried.
"""

from __future__ import annotations

from typing import Any

from lagebild.kafka.delivery import DeliveryGuard


class DirectSender:
    def __init__(self, topic: Any, guard: DeliveryGuard) -> None:
        self._topic = topic  # a faust Topic: its name, its declaration
        self._guard = guard
        self._name = ""

    async def send(
        self, key: bytes | None, value: bytes, *, source: Any, headers: Any = None
    ) -> None:
        """Send a record for ``source`` (the message being processed)."""
        if not self._name:
            # Topic.send creates a missing topic with the app's partition count; so do we.
            await self._topic.maybe_declare()
            self._name = self._topic.get_topic_name()
        await self._guard.send(self._name, key, value, source=source, headers=headers)
