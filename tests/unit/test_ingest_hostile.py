"""Hostile input: every bad payload gets a bounded reason, cleanable text is cleaned."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import orjson
import pytest

from extractor.revisions import RevisionTracker
from lagebild.extraction.budget import Budget, ExtractionTimeout, extract_within_budget
from lagebild.ingest import REASONS, InvalidArticle, TimeWindow, parse_article
from lagebild.kafka.dlq import dlq_headers, read_dlq_headers
from lagebild.models import Article
from lagebild.sanitize import charset_of, clean_text, decode_payload

NOW = dt.datetime(2025, 5, 1, 12, tzinfo=dt.UTC)
VALID: dict[str, Any] = {
    "id": "a-1",
    "title": "t",
    "text": "Russland griff mit 10 Drohnen an.",
    "published_at": "2025-04-25T06:00:00+02:00",
}


def reason_of(raw: bytes | None, **kwargs: Any) -> str:
    with pytest.raises(InvalidArticle) as caught:
        parse_article(raw, **kwargs)
    assert caught.value.reason in REASONS
    assert caught.value.detail
    return caught.value.reason


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "not_json"),
        (b"{", "not_json"),
        (b'{"id": "x"} trailing', "not_json"),
        (b"null", "not_an_object"),
        (b'"a string"', "not_an_object"),
        (orjson.dumps({**VALID, "text": 42}), "invalid_field"),
        (orjson.dumps({**VALID, "text": ["a"]}), "invalid_field"),
        (orjson.dumps({**VALID, "id": {"x": 1}}), "invalid_field"),
        (orjson.dumps({**VALID, "published_at": 1e300}), "invalid_field"),
        (orjson.dumps({**VALID, "language": "deutsch"}), "invalid_field"),
        (orjson.dumps({**VALID, "id": "a\x00b"}), "invalid_field"),
        (orjson.dumps({k: v for k, v in VALID.items() if k != "text"}), "missing_field"),
        (orjson.dumps({k: v for k, v in VALID.items() if k != "published_at"}), "missing_field"),
        (orjson.dumps({**VALID, "text": ""}), "empty_text"),
        (orjson.dumps({**VALID, "text": "<p> </p><script>x()</script>"}), "empty_text"),
        (orjson.dumps({**VALID, "text": "\x00\x01\x1b"}), "empty_text"),
        (b'{"id": "a", "text": "\\ud800", "published_at": "2025-01-01"}', "not_json"),
    ],
)
def test_hostile_payload_has_a_reason(payload: bytes, reason: str) -> None:
    assert reason_of(payload) == reason


def test_size_limit_is_configurable() -> None:
    raw = orjson.dumps({**VALID, "text": "x" * 5_000})
    assert reason_of(raw, max_bytes=1_000) == "too_large"
    assert parse_article(raw, max_bytes=10_000).text == "x" * 5_000


def test_invalid_utf8_is_rejected_unless_clean_cp1252() -> None:
    cp1252 = '{"id": "a", "text": "Angriff auf Charkiw – 3 Tote", "published_at": "2025-04-25"}'
    article = parse_article(cp1252.encode("cp1252"))
    assert article.text == "Angriff auf Charkiw – 3 Tote"
    # 0x81 is undefined in Windows-1252, 0x00 is a control character: no guessing.
    assert reason_of(b'{"id": "a", "text": "\x81", "published_at": "2025-01-01"}') == "not_utf8"
    assert reason_of(b'{"id": "a", "text": "\xff\x00"}') == "not_utf8"


def test_declared_charset_is_used_strictly() -> None:
    text = '{"id": "a", "text": "Київ атакували", "published_at": "2025-04-25"}'
    assert parse_article(text.encode("utf-16"), charset="utf-16").text == "Київ атакували"
    assert parse_article(text.encode("koi8-u"), charset="koi8-u").text == "Київ атакували"
    latin1 = '{"id": "a", "text": "Präsident", "published_at": "2025-04-25"}'.encode("latin-1")
    assert reason_of(latin1, charset="utf-8") == "not_utf8"  # declared UTF-8: no fallback
    assert decode_payload("\ufeffBOM".encode()) == "BOM"
    assert charset_of("application/json; charset=ISO-8859-1") == "ISO-8859-1"
    assert charset_of("application/json; charset=nonsense") is None
    assert charset_of("application/json") is None


def test_html_is_stripped_not_rejected() -> None:
    markup = (
        "<html><head><title>x</title><style>p{}</style></head><body>"
        "<h1>Angriff</h1><p>Russland griff mit <b>10</b> Drohnen an.</p>"
        "<script>alert(1)</script><p>Kiew &amp; Charkiw&nbsp;betroffen.</p></body></html>"
    )
    article = parse_article(orjson.dumps({**VALID, "text": markup}))
    expected = "Angriff\n\nRussland griff mit 10 Drohnen an.\n\nKiew & Charkiw\xa0betroffen."
    assert article.text == expected
    # Plain text with a comparison sign is not markup.
    assert clean_text("3 < 5 und 7 > 2") == "3 < 5 und 7 > 2"


def test_control_characters_are_removed() -> None:
    raw = orjson.dumps({**VALID, "text": "Zehn\x00 Drohnen\x1b[31m\x85 abgeschossen.\r\nEnde\x7f"})
    assert parse_article(raw).text == "Zehn Drohnen[31m abgeschossen.\nEnde"


@pytest.mark.parametrize(
    ("published_at", "ok"),
    [
        ("2025-05-01T12:00:00Z", True),
        ("2025-05-02T11:00:00Z", True),  # within a day of clock skew
        ("2025-05-03T12:00:00Z", False),
        ("9999-12-31T00:00:00Z", False),
        ("2010-01-01T00:00:00Z", True),
        ("1970-01-01T00:00:00Z", False),
        ("0001-01-01T00:00:00Z", False),
    ],
)
def test_timestamps_checked_against_the_callers_clock(published_at: str, ok: bool) -> None:
    raw = orjson.dumps({**VALID, "published_at": published_at})
    if ok:
        parse_article(raw, now=NOW)
    else:
        assert reason_of(raw, now=NOW) == "bad_timestamp"
    parse_article(raw)  # without a clock no check: library code never reads the time itself


def test_time_window_is_configurable() -> None:
    raw = orjson.dumps({**VALID, "published_at": "2025-05-01T14:00:00Z"})
    assert reason_of(raw, now=NOW, window=TimeWindow(max_future=dt.timedelta(hours=1)))


def test_revisions_are_spotted_in_a_bounded_memory() -> None:
    tracker = RevisionTracker(capacity=2)
    assert not tracker.observe("a", "v1")
    assert not tracker.observe("a", "v1")  # redelivery: not a revision
    assert tracker.observe("a", "v2")
    allocated = len(tracker._keys)
    for index in range(1_000):  # far more ids than the memory holds
        tracker.observe(f"other-{index}", "x")
    assert len(tracker._keys) == allocated and len(tracker) <= allocated
    assert not tracker.observe("a", "v3")  # forgotten: counted as a first version


def test_revision_memory_remembers_the_latest_ids() -> None:
    capacity = 5_000
    tracker = RevisionTracker(capacity)
    for index in range(3 * capacity):
        tracker.observe(f"id-{index}", "v1")
    remembered = sum(
        tracker.observe(f"id-{index}", "v2") for index in range(2 * capacity, 3 * capacity)
    )
    assert remembered >= 0.99 * capacity


def test_dlq_headers_keep_the_kafka_connect_fields() -> None:
    headers = read_dlq_headers(
        dlq_headers(
            topic="articles",
            partition=3,
            offset=17,
            stage="validate",
            reason="not_utf8",
            error=UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        )
    )
    assert headers["topic"] == "articles"
    assert headers["partition"] == "3"
    assert headers["offset"] == "17"
    assert headers["stage"] == "validate"
    assert headers["reason"] == "not_utf8"
    assert headers["exception.class.name"] == "UnicodeDecodeError"
    assert "invalid start byte" in headers["exception.message"]
    assert int(headers["timestamp"]) > 0


def _article(text: str) -> Article:
    return Article(id="p", text=text, published_at=NOW)


def test_budget_passes_normal_articles_unchanged() -> None:
    text = "Russland griff in der Nacht mit 10 Drohnen Kiew an, 5 wurden abgeschossen. " * 20
    result = extract_within_budget(_article(text))
    assert not result.truncated
    assert result.events


def test_budget_bounds_pathological_text() -> None:
    names = " ".join(["Selenskyj", "Putin", "Kiew", "Charkiw", "Drohnen", "Raketen"] * 1_000)
    started = time.monotonic()
    result = extract_within_budget(_article(names))  # ~8 s unbounded (one 47 KB "sentence")
    assert result.truncated
    assert time.monotonic() - started < 5
    digits = "7" * 1_000_000
    started = time.monotonic()
    assert extract_within_budget(_article(digits)).truncated
    assert time.monotonic() - started < 2


def test_deadline_interrupts_the_engine() -> None:
    names = " ".join(["Selenskyj", "Putin", "Kiew", "Charkiw", "Drohnen", "Raketen"] * 300)
    unbounded_split = Budget(max_sentence_chars=10**9, deadline_s=0.3)
    started = time.monotonic()
    with pytest.raises(ExtractionTimeout):
        extract_within_budget(_article(names), unbounded_split)
    assert time.monotonic() - started < 1.5
