"""Make faust's table recovery read changelogs to their true end on the embedded broker.

faust decides that recovery is complete when it has read each changelog partition up to the
end offset from ListOffsets(latest) (``faust/tables/recovery.py`` ``_build_highwaters`` →
``AIOKafkaConsumerThread._highwaters`` → aiokafka ``end_offsets``). Tansu 0.6 can answer
with less than the true end (the high watermark in fetch responses is right), so a
restarted worker stopped reading before the newest table writes and lost them, while the
events that made them were already committed. Measured here: ten kill -9 restarts of the
aggregator lost the latest record of an incident.

The fix asks the broker a second way: a short-lived consumer without a group fetches each
partition from the reported end, and the high watermark of that fetch response wins when it
is larger. On Apache Kafka both answers agree and the probe costs one fetch per recovery.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers import aiokafka as faust_aiokafka

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 5.0
_CLIENT_SETTINGS = {
    "security_protocol": "_security_protocol",
    "ssl_context": "_ssl_context",
    "sasl_mechanism": "_sasl_mechanism",
    "sasl_plain_username": "_sasl_plain_username",
    "sasl_plain_password": "_sasl_plain_password",
}


async def fetched_highwaters(
    group_consumer: AIOKafkaConsumer, reported: Mapping[Any, int | None]
) -> dict[Any, int | None]:
    """``reported`` raised to the high watermarks a fetch from those offsets returns."""
    wanted = {tp: offset for tp, offset in reported.items() if offset is not None}
    if not wanted:
        return dict(reported)
    client = group_consumer._client
    settings = {
        name: getattr(client, attribute)
        for name, attribute in _CLIENT_SETTINGS.items()
        if getattr(client, attribute, None) is not None
    }
    probe = AIOKafkaConsumer(
        bootstrap_servers=client._bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=50,
        **settings,
    )
    result: dict[Any, int | None] = dict(reported)
    try:
        await asyncio.wait_for(probe.start(), PROBE_TIMEOUT_S)
        partitions = {TopicPartition(tp.topic, tp.partition): tp for tp in wanted}
        probe.assign(list(partitions))
        for kafka_tp, tp in partitions.items():
            probe.seek(kafka_tp, max(0, wanted[tp] - 1))
        await asyncio.wait_for(probe.getmany(timeout_ms=500), PROBE_TIMEOUT_S)
        for kafka_tp, tp in partitions.items():
            fetched = probe.highwater(kafka_tp)
            if fetched is not None and fetched > wanted[tp]:
                log.warning(
                    "changelog %s: ListOffsets said %s, fetch says %s; using the fetch",
                    tp,
                    wanted[tp],
                    fetched,
                )
                result[tp] = fetched
    except Exception as exc:  # the reported value is still a valid (if low) answer
        log.warning("high watermark probe failed (%r); using ListOffsets", exc)
    finally:
        await probe.stop()
    return result


@functools.cache
def apply_highwater_fix() -> None:
    thread_class = faust_aiokafka.AIOKafkaConsumerThread
    original = thread_class._highwaters

    async def _highwaters(self: Any, partitions: Any) -> Mapping[Any, int]:
        reported = await original(self, partitions)
        if self.consumer.in_transaction:
            return reported
        return await fetched_highwaters(self._ensure_consumer(), reported)  # type: ignore[return-value]

    thread_class._highwaters = _highwaters  # type: ignore[method-assign]
