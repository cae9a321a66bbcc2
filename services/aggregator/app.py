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
from lagebild.kafka.lag import register_consumer_lag
from lagebild.models import EventAdapter, IncidentUpdate

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
updates_topic = app.topic(
    settings.topics.incident_updates, key_serializer="raw", value_serializer="raw"
)

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


def incident_update(incident: Incident, event_id: str, article_id: str, result: str) -> bytes:
    update = IncidentUpdate(
        incident_key=incident.key,
        result=result,
        event_id=event_id,
        article_id=article_id,
        type=incident.type,
        date=incident.date,
        weapon_class=incident.weapon_class,
        region=incident.region,
        counted=incident.counted,
        figures=incident.figures(),
        reports=len(incident.reports),
    )
    return update.model_dump_json().encode()


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
            result = "duplicate"
        else:
            # One write carries both the new figures and the event id that caused them, so a
            # crash between this write and the offset commit cannot double-count on redelivery.
            incidents_table[key] = updated.model_dump_json().encode()
            result = "updated" if current else "created"
        metrics.events.labels(result).inc()
        # Also sent for duplicates: a crash after the table write but before this send would
        # otherwise lose the update; consumers dedupe on (incident_key, event_id).
        incident = updated or current
        assert incident is not None
        await updates_topic.send(
            key=key, value=incident_update(incident, item.event_id, item.article_id, result)
        )


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


def _summary(incident: Incident) -> dict[str, Any]:
    return {
        "key": incident.key,
        "type": incident.type,
        "date": incident.date,
        "weapon_class": incident.weapon_class,
        "region": incident.region,
        "counted": incident.counted,
        "figures": incident.figures(),
        "reports": len(incident.reports),
    }


@app.page("/incidents")
class IncidentsView(View):
    """Incidents owned by this worker; filters: type, region, weapon_class, from, to (dates)."""

    async def get(self, request: Request) -> Response:
        query = request.query
        selected = [
            incident
            for incident in owned_incidents()
            if all(
                query.get(name) in (None, getattr(incident, name))
                for name in ("type", "region", "weapon_class")
            )
            and (not query.get("from") or (incident.date or "") >= query["from"])
            and (not query.get("to") or (incident.date or "9999") <= query["to"])
        ]
        selected.sort(key=lambda i: (i.date or "", i.key))
        return self.json({"incidents": [_summary(i) for i in selected]})


@app.page("/incidents/{key}")
class IncidentView(View):
    """One incident with its sources (reports with article ids and evidence)."""

    async def get(self, request: Request, key: str) -> Response:
        stored = incidents_table.get(key.encode())
        if stored is None:
            return self.json({"error": f"no incident {key!r} on this worker"}, status=404)
        incident = Incident.model_validate_json(stored)
        sources = [report.model_dump() for report in incident.reports.values()]
        return self.json({**_summary(incident), "sources": sources})


add_standard_pages(app, metrics.registry)
register_consumer_lag(app, metrics.registry)
