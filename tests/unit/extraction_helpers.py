"""Shared helpers for the extraction tests: counters exactly as the aggregator computes them."""

from __future__ import annotations

from collections.abc import Iterable

from lagebild.aggregation import MemoryStore, apply_event, summarize
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
    store = MemoryStore()
    for event in events:
        apply_event(store, event, partition=0)
    totals = summarize(store.incidents.values())
    return {name: totals.headline[name] for name in REPORTED}
