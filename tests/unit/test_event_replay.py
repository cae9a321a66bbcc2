"""Folding the events topic again gives the totals of the articles it came from (no broker;
the Kafka path is in tests/integration/test_replay.py)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from lagebild.batch_replay import rebuild
from lagebild.event_replay import parse_events, refold
from lagebild.extraction import extract
from lagebild.ingest import article_bytes, read_articles

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INCIDENTS = json.loads((FIXTURES / "incidents" / "expected.json").read_text())
NOW = dt.datetime(2025, 5, 16, tzinfo=dt.UTC)
ARTICLES = list(read_articles(FIXTURES / "incidents" / "articles.jsonl"))


def event_messages() -> list[tuple[bytes | None, str | None]]:
    """What the extractor publishes for the fixture articles: one JSON message per event."""
    return [(e.model_dump_json().encode(), None) for a in ARTICLES for e in extract(a)]


def test_refold_gives_the_hand_computed_totals_in_any_order_with_redelivery() -> None:
    messages = event_messages()
    assert len(messages) > len(ARTICLES)  # several events per article: a real fold
    shuffled = messages * 2  # every event delivered twice
    random.Random(7).shuffle(shuffled)
    rebuilt = refold([shuffled[:5], shuffled[5:]])
    assert {k: rebuilt.counters[k] for k in INCIDENTS["counters"]} == INCIDENTS["counters"]
    assert rebuilt.incidents == INCIDENTS["incidents"]
    assert rebuilt.events == len(shuffled)
    assert rebuilt.dead_letters == {}


def test_refold_equals_the_article_replay() -> None:
    from_articles = rebuild([[(article_bytes(a), None) for a in ARTICLES]], workers=1, now=NOW)
    from_events = refold([event_messages()])
    assert from_events.counters == from_articles.counters
    assert from_events.incidents == from_articles.incidents
    # Articles without any event leave no trace in the events topic.
    with_events = {a.id for a in ARTICLES if extract(a)}
    assert from_events.articles == len(with_events)


def test_messages_that_are_not_events_are_counted_not_folded() -> None:
    good = event_messages()[:1]
    bad: list[tuple[bytes | None, str | None]] = [
        (b"not json", None),
        (None, None),
        (b'{"type": "attack"}', None),
    ]
    chunk = parse_events(good + bad)
    assert len(chunk.events) == 1
    assert chunk.dead_letters == {"invalid_event": 3}
