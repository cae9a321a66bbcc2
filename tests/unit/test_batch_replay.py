"""The batch replay's rebuild: the extractor's validation, a real process pool, the aggregator's
fold; totals are the hand-computed ones from the fixtures (no broker here; the Kafka path is in
tests/integration/test_replay.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from lagebild.batch_replay import extract_chunk, rebuild
from lagebild.extraction.budget import Budget
from lagebild.ingest import article_bytes, read_articles
from lagebild.sanitize import charset_from_headers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INCIDENTS = json.loads((FIXTURES / "incidents" / "expected.json").read_text())
NOW = dt.datetime(2025, 5, 16, tzinfo=dt.UTC)


def payloads() -> list[tuple[bytes | None, str | None]]:
    return [
        (article_bytes(a), None) for a in read_articles(FIXTURES / "incidents" / "articles.jsonl")
    ]


def test_rebuild_in_a_process_pool_gives_the_hand_computed_totals() -> None:
    good = payloads()
    hostile: list[tuple[bytes | None, str | None]] = [(b"not json", None), (None, None)]
    # Every article twice, split over several batches: redelivery must not double-count.
    batches = [good[:3], hostile + good[3:], good]
    rebuilt = rebuild(batches, workers=2, now=NOW)
    assert {k: rebuilt.counters[k] for k in INCIDENTS["counters"]} == INCIDENTS["counters"]
    assert rebuilt.incidents == INCIDENTS["incidents"]
    assert rebuilt.articles == 2 * len(good) + len(hostile)
    assert sum(rebuilt.dead_letters.values()) == len(hostile)
    assert "not_json" in rebuilt.dead_letters


def test_extract_chunk_sorts_every_payload_into_events_or_a_reason() -> None:
    too_big = (b'{"id": "x", "text": "' + b"a" * 200 + b'"}', None)
    result = extract_chunk([*payloads(), too_big, (b"\xff\xfe", None)], NOW, 100, Budget())
    # 100 bytes is below every fixture article, so all of them are too large.
    assert result.events == []
    assert result.dead_letters["too_large"] == len(payloads()) + 1
    assert sum(result.dead_letters.values()) == len(payloads()) + 2


def test_declared_charset_comes_from_the_content_type_header() -> None:
    headers = [("x-other", b"1"), ("Content-Type", b"application/json; charset=windows-1252")]
    assert charset_from_headers(headers) == "windows-1252"
    assert charset_from_headers(None) is None
