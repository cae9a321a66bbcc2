"""The aggregator faust app: events → incidents table → counters on /metrics and /counters."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import faust
from faust.web import Request, Response, View
from pydantic import ValidationError

from aggregator.metrics import AggregatorMetrics
from aggregator.settings import AggregatorSettings
from lagebild.aggregation import Incident, apply_event, summarize
from lagebild.kafka.dlq import dlq_headers
from lagebild.kafka.faust_app import add_standard_pages, make_app
from lagebild.models import EventAdapter

log = logging.getLogger("lagebild.aggregator")

settings = AggregatorSettings()
app = make_app(settings.app_id, settings.kafka, settings.worker)

events_topic = app.topic(
    settings.topics.events,
    key_type=bytes,
    value_type=bytes,
    key_serializer="raw",
    value_serializer="raw",
    partitions=settings.topics.events_partitions,
)
dlq_topic = app.topic(settings.topics.dlq, key_serializer="raw", value_serializer="raw")

# incident key (UTF-8) -> Incident as JSON bytes. Co-partitioned with the events topic (same
# key, same partition count): the worker that owns an events partition owns its incidents.
incidents_table = app.Table(
    "incidents",
    partitions=settings.topics.events_partitions,
    schema=faust.Schema(
        key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    ),
)


def owned_incidents() -> Iterator[Incident]:
    """Incidents on partitions this worker currently owns (standby copies excluded)."""
    active = {
        tp.partition
        for tp in app.assignor.assigned_actives()
        if tp.topic == events_topic.get_topic_name()
    }
    for value in list(incidents_table.values()):
        incident = Incident.model_validate_json(value)
        if incident.partition in active:
            yield incident


metrics = AggregatorMetrics(owned_incidents)


@app.agent(events_topic)
async def aggregate_events(stream: Any) -> None:
    async for event in stream.events():
        message = event.message
        try:
            item = EventAdapter.validate_json(message.value or b"")
        except ValidationError as exc:
            await dlq_topic.send(
                key=message.key,
                value=message.value,
                headers=dlq_headers(
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    stage="aggregate",
                    reason="invalid_event",
                    error=exc,
                    detail=str(exc)[:1_000],
                ),
            )
            metrics.events.labels("dead_lettered").inc()
            continue
        key = item.incident_key.encode()
        stored = incidents_table.get(key)
        current = Incident.model_validate_json(stored) if stored is not None else None
        updated = apply_event(current, item, message.partition)
        if updated is None:
            metrics.events.labels("duplicate").inc()
            continue
        # One write carries both the new figures and the event id that caused them, so a
        # crash between this write and the offset commit cannot double-count on redelivery.
        incidents_table[key] = updated.model_dump_json().encode()
        metrics.events.labels("updated" if current else "new_incident").inc()


@app.page("/counters")
class CountersView(View):
    async def get(self, request: Request) -> Response:
        incidents = list(owned_incidents())
        totals = summarize(incidents)
        return self.json(
            {
                "counters": totals.headline,
                "incidents": len(incidents),
                "by_region": {
                    f"{kind}:{region}": value for (kind, region), value in totals.casualties.items()
                },
            }
        )


add_standard_pages(app, metrics.registry)
