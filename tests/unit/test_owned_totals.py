"""The aggregator's per-partition running totals: built from the table once, then kept up to
date by applied events; equal to a full recount at every step."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aggregator.totals import OwnedTotals
from lagebild.aggregation import Incident, MemoryStore, apply_event, summarize
from lagebild.extraction import extract
from lagebild.ingest import read_articles

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_running_totals_match_a_recount_through_assignment_changes() -> None:
    articles = list(read_articles(FIXTURES / "incidents" / "articles.jsonl"))
    events = [event for article in articles for event in extract(article)]
    store = MemoryStore()
    scans: list[set[int]] = []

    def scan(partitions: set[int]) -> list[Incident]:
        scans.append(set(partitions))
        return [i for i in store.incidents.values() if i.partition in partitions]

    owned = OwnedTotals(scan)
    for position, event in enumerate(events):
        partition = hash(event.incident_key) % 2
        applied = apply_event(store, event, partition)
        if applied.result in ("created", "updated") and applied.incident is not None:
            owned.applied(partition, applied.previous, applied.incident)
        if position == len(events) // 2:
            # First scrape half-way: both partitions are built from the table once.
            assert owned.totals({0, 1}, stable=True) == summarize(store.incidents.values())
            assert owned.builds == 2
            assert scans == [{0, 1}], "one scan of the table builds both partitions"
    everything = summarize(store.incidents.values())
    assert owned.totals({0, 1}, stable=True) == everything
    assert owned.builds == 2, "events after the first build must not cause a rescan"
    assert everything.headline["attacks"] > 0

    # Partition 1 goes to another worker: only partition 0's incidents are served.
    only_zero = summarize(i for i in store.incidents.values() if i.partition == 0)
    assert owned.totals({0}, stable=True) == only_zero
    # While rebalancing or recovering, totals come from a scan and nothing is kept.
    assert owned.totals({0, 1}, stable=False) == everything
    builds = owned.builds
    assert owned.totals({0, 1}, stable=True) == everything
    assert owned.builds == builds + 2
    owned.invalidate()
    assert owned.totals({1}, stable=True) == summarize(
        i for i in store.incidents.values() if i.partition == 1
    )


def _events_and_store() -> tuple[list[Any], MemoryStore]:
    articles = list(read_articles(FIXTURES / "incidents" / "articles.jsonl"))
    return [event for article in articles for event in extract(article)], MemoryStore()


def _scan_of(store: MemoryStore) -> Callable[[set[int]], Iterator[Incident]]:
    def scan(partitions: set[int]) -> Iterator[Incident]:
        # Like the table store: the keys are listed first, the incidents read one by one.
        for incident_id in list(store.incidents):
            incident = store.incidents[incident_id]
            if incident.partition in partitions:
                yield incident

    return scan


def _apply(store: MemoryStore, owned: OwnedTotals, event: Any) -> None:
    partition = hash(event.incident_key) % 2
    applied = apply_event(store, event, partition)
    if applied.result in ("created", "updated") and applied.incident is not None:
        owned.applied(partition, applied.previous, applied.incident)


def test_a_scrape_gets_no_totals_until_the_background_build_is_done() -> None:
    events, store = _events_and_store()
    owned = OwnedTotals(_scan_of(store))
    for event in events:
        _apply(store, owned, event)
    assert owned.built_totals({0, 1}, stable=True) is None  # no scan for a scrape
    assert owned.builds == 0
    asyncio.run(owned.build({0, 1}, chunk=2))
    assert owned.built_totals({0, 1}, stable=True) == summarize(store.incidents.values())
    assert owned.builds == 2


def test_events_applied_while_the_build_yields_are_counted_once() -> None:
    """The agent applies events under the lock; the build holds it while it scans in chunks.
    (Without the lock the events applied between chunks are missed by the build.)"""
    events, store = _events_and_store()
    half = len(events) // 2
    owned = OwnedTotals(_scan_of(store))
    for event in events[:half]:
        _apply(store, owned, event)

    async def agent() -> None:
        for event in events[half:]:
            async with owned.lock:
                _apply(store, owned, event)
            await asyncio.sleep(0)

    async def both() -> None:
        await asyncio.gather(owned.build({0, 1}, chunk=1), agent())

    asyncio.run(both())
    assert owned.totals({0, 1}, stable=True) == summarize(store.incidents.values())
    assert owned.builds == 2


def test_a_build_interrupted_by_a_rebalance_is_dropped() -> None:
    events, store = _events_and_store()
    owned = OwnedTotals(_scan_of(store))
    for event in events:
        _apply(store, owned, event)

    async def revoke_during_build() -> None:
        build = asyncio.ensure_future(owned.build({0, 1}, chunk=1))
        await asyncio.sleep(0)  # the build has read its first incident
        owned.invalidate()  # partitions revoked
        await build

    asyncio.run(revoke_during_build())
    assert owned.builds == 0 and owned.missing({0, 1}) == {0, 1}
