"""Turning raw bytes and files into validated articles; every failure has a reason code.

Reason codes are a small fixed set, so they can be metric labels and DLQ headers. Scraped
text is cleaned rather than rejected where that is safe (see :mod:`lagebild.sanitize`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from lagebild.models import Article
from lagebild.sanitize import DecodeError, clean_text, decode_payload

DEFAULT_MAX_BYTES = 1_000_000

REASONS = (
    "too_large",
    "not_utf8",  # not decodable: invalid UTF-8 and not clean Windows-1252, or bad charset
    "not_json",
    "not_an_object",
    "missing_field",
    "invalid_field",
    "empty_text",  # no text left after removing markup and control characters
    "bad_timestamp",  # published_at too far in the future or the past
    "extraction_failed",
    "extraction_timeout",
    "invalid_event",
)


@dataclass(frozen=True)
class TimeWindow:
    """Accepted ``published_at`` relative to the caller's clock.

    A day into the future allows for clock skew and time-zone mistakes of publishers; twenty
    years back keeps archive copy but rejects 1970-01-01 and year-1 placeholders.
    """

    max_future: dt.timedelta = dt.timedelta(days=1)
    max_past: dt.timedelta = dt.timedelta(days=366 * 20)

    def check(self, published_at: dt.datetime, now: dt.datetime) -> None:
        if published_at > now + self.max_future:
            raise InvalidArticle("bad_timestamp", f"published_at {published_at} is in the future")
        if published_at < now - self.max_past:
            raise InvalidArticle("bad_timestamp", f"published_at {published_at} is too old")


class InvalidArticle(ValueError):
    def __init__(self, reason: str, detail: str) -> None:
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _validation_reason(error: ValidationError) -> str:
    kinds = {e["type"] for e in error.errors()}
    return "missing_field" if "missing" in kinds else "invalid_field"


def _short(error: ValidationError) -> str:
    parts = [f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in error.errors()]
    return "; ".join(parts)[:1_000]


_ID_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _cleaned(data: dict[str, Any]) -> dict[str, Any]:
    """Markup and control characters removed from text and title; ids with them rejected."""
    if isinstance(data.get("id"), str) and _ID_CONTROL.search(data["id"]):
        raise InvalidArticle("invalid_field", "id: contains control characters")
    data = dict(data)
    for name in ("text", "title"):
        if isinstance(data.get(name), str):
            data[name] = clean_text(data[name])
    if isinstance(data.get("text"), str) and not data["text"].strip():
        raise InvalidArticle("empty_text", "text is empty after removing markup and controls")
    return data


def article_from_mapping(data: Any) -> Article:
    if not isinstance(data, dict):
        raise InvalidArticle("not_an_object", f"expected a JSON object, got {type(data).__name__}")
    data = _cleaned(data)
    try:
        return Article.model_validate(data)
    except ValidationError as exc:
        raise InvalidArticle(_validation_reason(exc), _short(exc)) from exc


def parse_article(
    raw: bytes | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    charset: str | None = None,
    now: dt.datetime | None = None,
    window: TimeWindow | None = None,
) -> Article:
    """Validate one message value from the articles topic (a JSON object).

    ``charset`` is the declared encoding, if any (see :func:`lagebild.sanitize.decode_payload`).
    ``published_at`` is checked against ``now`` only when the caller passes its clock.
    """
    if raw is None:
        raise InvalidArticle("not_json", "empty message (tombstone)")
    if len(raw) > max_bytes:
        raise InvalidArticle("too_large", f"{len(raw)} bytes > limit {max_bytes}")
    try:
        decoded = decode_payload(raw, charset)
    except DecodeError as exc:
        raise InvalidArticle("not_utf8", str(exc)) from exc
    try:
        data = orjson.loads(decoded)
    except orjson.JSONDecodeError as exc:
        raise InvalidArticle("not_json", str(exc)) from exc
    article = article_from_mapping(data)
    if now is not None:
        (window or TimeWindow()).check(article.published_at, now)
    return article


_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_LANG_IN_NAME = re.compile(r"(?:^|[-_.])(de|en)(?:[-_.]|$)")


def article_from_text_file(
    path: Path, published_at: dt.datetime | None = None, language: str | None = None
) -> Article:
    """A plain text file: id = file name stem, published_at from the argument, else a
    YYYY-MM-DD in the file name, else the modification time; title = first line if short."""
    text = path.read_text(encoding="utf-8")
    if published_at is None:
        if match := _DATE_IN_NAME.search(path.name):
            published_at = dt.datetime.fromisoformat(match.group(1)).replace(tzinfo=dt.UTC)
        else:
            published_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    if language is None and (match := _LANG_IN_NAME.search(path.stem)):
        language = match.group(1)
    return article_from_mapping(
        {
            "id": path.stem,
            "text": text,
            "published_at": published_at,
            "language": language,
            "source": "file",
        }
    )


def read_articles(
    path: Path | None, published_at: dt.datetime | None = None, language: str | None = None
) -> Iterator[Article]:
    """Articles from a .txt file, a .json file (object or list), JSON lines, or stdin (None).

    Invalid records raise :class:`InvalidArticle` naming the file and line.
    """
    import sys

    if path is not None and path.suffix == ".txt":
        yield article_from_text_file(path, published_at, language)
        return
    content = sys.stdin.buffer.read() if path is None else path.read_bytes()
    name = "<stdin>" if path is None else str(path)
    stripped = content.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            whole = orjson.loads(content)
        except orjson.JSONDecodeError:
            whole = None  # probably JSON lines
        if isinstance(whole, list):
            for index, item in enumerate(whole):
                yield _located(item, f"{name}[{index}]")
            return
        if isinstance(whole, dict):
            yield _located(whole, name)
            return
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                try:
                    item = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise InvalidArticle("not_json", f"{name}:{number}: {exc}") from exc
                yield _located(item, f"{name}:{number}")
        return
    # Anything else from stdin is one plain-text article.
    text = content.decode("utf-8")
    yield article_from_mapping(
        {
            "id": "stdin-" + hashlib.sha256(content).hexdigest()[:16],
            "text": text,
            "published_at": published_at or dt.datetime.now(dt.UTC),
            "language": language,
            "source": "stdin",
        }
    )


def _located(item: Any, where: str) -> Article:
    try:
        return article_from_mapping(item)
    except InvalidArticle as exc:
        raise InvalidArticle(exc.reason, f"{where}: {exc.detail}") from exc


def article_bytes(article: Article) -> bytes:
    return orjson.dumps(article.model_dump(mode="json"))
