"""Several outlets, two languages, updates and a running total: incident-level totals are the
hand-computed ones, in every publishing order (extraction + aggregation libraries, no broker)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from lagebild.aggregation import MemoryStore, apply_event, summarize
from lagebild.extraction import extract
from lagebild.ingest import read_articles

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "incidents"
EXPECTED = json.loads((FOLDER / "expected.json").read_text())


def test_every_publishing_order_gives_the_hand_computed_totals() -> None:
    per_article = [extract(article) for article in read_articles(FOLDER / "articles.jsonl")]
    outcomes = set()
    for order in itertools.permutations(per_article):
        store = MemoryStore()
        for events in order:
            for event in events:
                apply_event(store, event, partition=0)
        incidents = list(store.incidents.values())
        headline = summarize(incidents).headline
        outcomes.add((len(incidents), tuple(headline[k] for k in EXPECTED["counters"])))
    assert outcomes == {(EXPECTED["incidents"], tuple(EXPECTED["counters"].values()))}
