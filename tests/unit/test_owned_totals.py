"""The aggregator's per-partition running totals: built from the table once, then kept up to
date by applied events; equal to a full recount at every step."""

from __future__ import annotations

from pathlib import Path

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
