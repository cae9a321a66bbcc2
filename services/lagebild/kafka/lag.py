"""Consumer lag per partition, computed inside the worker from what faust already knows.

``lagebild_consumer_lag_messages{topic,partition}`` = high watermark − committed offset, for
every source partition this worker owns. The high watermark is the one aiokafka saw in its last
fetch response, not a ListOffsets(latest) request: the embedded Tansu broker can undercount
the latter, and a fetch-based value costs no extra round trip. Changelog partitions are left
out: tables read them during recovery, so their group offsets mean nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry


class ConsumerLagCollector(Collector):
    def __init__(self, app: Any) -> None:
        self._app = app

    def _lags(self) -> Iterator[tuple[str, int, int]]:
        consumer = self._app.consumer
        changelogs = {table.changelog_topic.get_topic_name() for table in self._app.tables.values()}
        for tp in sorted(self._app.assignor.assigned_actives()):
            if tp.topic in changelogs:
                continue
            highwater = consumer.highwater(tp)
            if highwater is None:  # not fetched yet: unknown, not zero
                continue
            # faust stores the next offset to read (Kafka's convention), or None before the
            # group ever committed; then everything up to the high watermark is still ahead.
            committed = consumer._committed_offset.get(tp) or 0
            yield tp.topic, tp.partition, max(0, highwater - committed)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "lagebild_consumer_lag_messages",
            "Messages on an owned source partition not yet committed by this worker's group.",
            labels=["topic", "partition"],
        )
        try:
            lags = list(self._lags())
        except Exception:  # no consumer yet (starting, rebalancing): export nothing
            lags = []
        for topic, partition, lag in lags:
            family.add_metric([topic, str(partition)], lag)
        yield family


def register_consumer_lag(app: Any, registry: CollectorRegistry) -> None:
    registry.register(ConsumerLagCollector(app))
