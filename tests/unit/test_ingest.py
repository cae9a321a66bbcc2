"""Validation of raw article bytes: every failure carries a bounded reason code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest

from lagebild.ingest import REASONS, InvalidArticle, parse_article, read_articles

VALID = {
    "id": "a-1",
    "title": "t",
    "text": "Russland griff mit 10 Drohnen an.",
    "published_at": "2025-04-25T06:00:00+02:00",
}


def test_valid_article() -> None:
    article = parse_article(orjson.dumps(VALID))
    assert article.id == "a-1"
    assert article.published_at.utcoffset() == dt.timedelta(hours=2)


def test_naive_timestamp_is_utc() -> None:
    article = parse_article(orjson.dumps({**VALID, "published_at": "2025-04-25T06:00:00"}))
    assert article.published_at.tzinfo is dt.UTC


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json at all", "not_json"),
        (b"\xff\xfe\x00garbage", "not_utf8"),
        (b"[1, 2]", "not_an_object"),
        (orjson.dumps({"id": "x", "text": "t"}), "missing_field"),
        (orjson.dumps({**VALID, "text": "   "}), "empty_text"),
        (orjson.dumps({**VALID, "published_at": "yesterday-ish"}), "invalid_field"),
        (orjson.dumps({**VALID, "id": ""}), "invalid_field"),
        (None, "not_json"),
    ],
)
def test_invalid_input_has_a_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(InvalidArticle) as caught:
        parse_article(raw)
    assert caught.value.reason == reason
    assert caught.value.reason in REASONS
    assert caught.value.detail


def test_size_limit() -> None:
    raw = orjson.dumps({**VALID, "text": "x" * 2_000})
    with pytest.raises(InvalidArticle) as caught:
        parse_article(raw, max_bytes=1_000)
    assert caught.value.reason == "too_large"


def test_text_file_takes_date_and_language_from_its_name(tmp_path: Path) -> None:
    path = tmp_path / "article-de-2025-04-25.txt"
    path.write_text("Russland griff an.", encoding="utf-8")
    (article,) = read_articles(path)
    assert article.id == "article-de-2025-04-25"
    assert article.language == "de"
    assert article.published_at == dt.datetime(2025, 4, 25, tzinfo=dt.UTC)


def test_json_list_and_json_lines(tmp_path: Path) -> None:
    listing = tmp_path / "many.json"
    listing.write_bytes(orjson.dumps([VALID, {**VALID, "id": "a-2"}]))
    lines = tmp_path / "many.jsonl"
    lines.write_bytes(orjson.dumps(VALID) + b"\n\n" + orjson.dumps({**VALID, "id": "a-3"}) + b"\n")
    assert [a.id for a in read_articles(listing)] == ["a-1", "a-2"]
    assert [a.id for a in read_articles(lines)] == ["a-1", "a-3"]


def test_bad_json_line_names_the_line(tmp_path: Path) -> None:
    lines = tmp_path / "bad.jsonl"
    lines.write_bytes(orjson.dumps(VALID) + b"\n{oops\n")
    with pytest.raises(InvalidArticle, match=r"bad.jsonl:2"):
        list(read_articles(lines))
