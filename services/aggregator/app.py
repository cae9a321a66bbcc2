"""The aggregator faust app: events → incidents table → counters on /metrics and /counters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

from faust.web import Request, Response, View
from pydantic import ValidationError

from aggregator.changelog import DirectTable
from aggregator.metrics import AggregatorMetrics, recent_days
from aggregator.settings import AggregatorSettings
from aggregator.store import TableStore
from aggregator.totals import OwnedTotals
from lagebild.aggregation import Incident, Totals, apply_event
from lagebild.kafka.delivery import DeliveryGuard
from lagebild.kafka.direct_send import DirectSender
from lagebild.kafka.dlq import headers_for
from lagebild.kafka.faust_app import add_standard_pages, make_app
from lagebild.kafka.lag import register_consumer_lag
from lagebild.models import EventAdapter, IncidentUpdate

log = logging.getLogger("lagebild.aggregator")

settings = AggregatorSettings()
# A linger batches the changelog and incident-update sends of consecutive events into one
# produce request each (faust's default, 0, sent one request per message: measured in
# `make bench`, asyncio socket writes were the largest single cost of this worker). 20 ms
# instead of 5 ms halved the broker's CPU per event in a burst and cut this worker's a little
# (fewer, larger requests); it delays an incident update by at most 20 ms.
app = make_app(settings.app_id, settings.kafka, settings.worker, producer_linger=0.02)

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


async def undeliverable(message: Any, error: BaseException) -> None:
    """An event's incident update can never be delivered: the event goes to the DLQ."""
    headers = headers_for(message, stage="send", reason="update_undeliverable", error=error)
    await dead_letters.send(message.key, message.value, source=message, headers=headers)


# An event's offset is committed only once its incident update (or its dead letter) is
# delivered; failed sends are retried (see lagebild.kafka.delivery). Not faust's Topic.send:
# see lagebild.kafka.direct_send. (The table's changelog records go their own way: changelog.py.)
delivery = DeliveryGuard(app, dead_letter=undeliverable)
updates = DirectSender(updates_topic, delivery)
dead_letters = DirectSender(dlq_topic, delivery)

# Index and incident records (see aggregator/store.py). Co-partitioned with the events topic
# (same key, same partition count): the worker that owns an events partition owns its incidents.
incidents_table = app.Table(
    "incidents",
    partitions=settings.topics.events_partitions,
    # bytes → faust's "raw" codec for the changelog too (a Schema argument would only
    # affect the stream side, and recovery would then try to parse JSON: measured).
    key_type=bytes,
    value_type=bytes,
)


def changelog_failed() -> None:
    metrics.changelog_failures.inc()  # (defined below: the metrics read the totals, this table)


# Written only through DirectTable: its records go straight to the producer (see changelog.py).
table = DirectTable(incidents_table, on_failure=changelog_failed)
store = TableStore(table, settings.decoded_cache)


def active_partitions() -> set[int]:
    """Events partitions this worker currently owns (standby copies excluded)."""
    topic = events_topic.get_topic_name()
    return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topic}


def owned_incidents() -> Iterator[Incident]:
    return store.incidents(active_partitions())


owned = OwnedTotals(store.incidents)


def stable() -> bool:
    return not (app.rebalancing or app.in_recovery)


def owned_totals() -> Totals | None:
    """For a scrape: None while the running totals are being built (it must not wait)."""
    return owned.built_totals(active_partitions(), stable=stable())


@app.timer(1.0)
async def build_totals() -> None:
    """Build the running totals of newly owned partitions in the background (see totals.py)."""
    if stable():
        await owned.build(active_partitions())


@app.on_partitions_revoked.connect
async def forget_totals(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
    owned.invalidate()  # owned partitions may change hands: rebuild from the table after


metrics = AggregatorMetrics(owned_totals)


def incident_update(incident: Incident, event_id: str, article_id: str, result: str) -> bytes:
    update = IncidentUpdate(
        incident_id=incident.id,
        incident_key=incident.bucket,
        result=result,
        event_id=event_id,
        article_id=article_id,
        type=incident.type,
        date=incident.date,
        weapon_class=incident.weapon_class,
        region=incident.region,
        counted=incident.counted,
        figures=incident.figures(),
        reports=incident.report_count,
    )
    return update.__pydantic_serializer__.to_json(update)  # model_dump_json().encode()


async def dead_letter(message: Any, error: ValidationError) -> None:
    headers = headers_for(
        message, stage="aggregate", reason="invalid_event", error=error, detail=str(error)[:1_000]
    )
    await dead_letters.send(message.key, message.value, source=message, headers=headers)


@app.agent(events_topic)
async def aggregate_events(stream: Any) -> None:
    async for event in stream.events():
        # Let the web server and faust's timers run: with a backlog, the stream hands over
        # buffered events and the producer accepts sends without suspending, so this loop
        # kept the event loop to itself (a /metrics scrape waited over 15 s in the soak).
        await asyncio.sleep(0)
        message = event.message
        try:
            item = EventAdapter.validate_json(message.value or b"")
        except ValidationError as exc:
            await dead_letter(message, exc)
            metrics.events.labels("dead_lettered").inc()
            continue
        # The incident record carries the new figures together with the event that caused
        # them, and an event record marks the event as merged, so redelivery after a crash
        # cannot double-count (see apply_event).
        try:
            # Not while the running totals are being built from the table (totals.py).
            async with owned.lock:
                applied = apply_event(store, item, message.partition)
                # Before any await: a scrape in between could build the running totals from a
                # table that already holds this change, which would then be counted twice.
                if applied.result in ("created", "updated") and applied.incident is not None:
                    owned.applied(message.partition, applied.previous, applied.incident)
        finally:
            await table.flush()  # the event's table records, in write order
        metrics.events.labels(applied.result).inc()
        if applied.incident is not None:
            # Also sent for duplicates: a crash after the table write but before this send
            # would otherwise lose the update; consumers dedupe on (incident_id, event_id).
            update = incident_update(
                applied.incident, item.event_id, item.article_id, applied.result
            )
            await updates.send(item.incident_key.encode(), update, source=message)


def _summary(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "type": incident.type,
        "date": incident.date,
        "weapon_class": incident.weapon_class,
        "region": incident.region,
        "place": incident.place,
        "counted": incident.counted,
        "figures": {k: v.model_dump() for k, v in incident.figure_ranges().items()},
        "reports": incident.report_count,
    }


@app.page("/counters")
class CountersView(View):
    async def get(self, request: Request) -> Response:
        if stable():
            await owned.build(active_partitions())  # a request may wait for it; a scrape not
        totals = owned.totals(active_partitions(), stable=stable())
        return self.json(
            {
                "counters": totals.headline,
                "incidents": totals.stored,
                "daily": {
                    f"{counter}:{date}": value
                    for (counter, date), value in sorted(recent_days(totals.daily).items())
                },
                "by_region": {
                    f"{kind}:{region}": value for (kind, region), value in totals.casualties.items()
                },
            }
        )


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
        selected.sort(key=lambda i: (i.date or "", i.id))
        return self.json({"incidents": [_summary(i) for i in selected]})


@app.page("/incidents/{incident_id}")
class IncidentView(View):
    """One incident with its sources (the first reports, with article ids and evidence)."""

    async def get(self, request: Request, incident_id: str) -> Response:
        incident = store.get_incident(incident_id)
        if incident is None:
            return self.json({"error": f"no incident {incident_id!r} on this worker"}, status=404)
        sources = [report.model_dump() for report in incident.sources]
        return self.json({**_summary(incident), "sources": sources})


add_standard_pages(app, metrics.registry)
register_consumer_lag(app, metrics.registry)
