"""Shared helpers for the extraction tests: counters exactly as the aggregator computes them."""

from __future__ import annotations

from collections.abc import Iterable

from lagebild.aggregation import Bucket, apply_event, summarize
from lagebild.models.events import AttackEvent, CasualtiesEvent, MeetingEvent

AnyEvent = AttackEvent | CasualtiesEvent | MeetingEvent

REPORTED = (
    "attacks",
    "drones_launched",
    "drones_shot_down",
    "drones_diverted",
    "killed",
    "injured",
    "meetings",
)


def counters(events: Iterable[AnyEvent]) -> dict[str, int]:
    """Headline counters after merging ``events`` into incidents with the aggregation library
    (so the same article seen twice counts once, running totals never count, and planned
    meetings or phone calls are not meetings)."""
    buckets: dict[str, Bucket] = {}
    for event in events:
        applied = apply_event(buckets.get(event.incident_key), event, partition=0)
        if applied.bucket is not None:
            buckets[event.incident_key] = applied.bucket
    totals = summarize(i for b in buckets.values() for i in b.incidents)
    return {name: totals.headline[name] for name in REPORTED}
