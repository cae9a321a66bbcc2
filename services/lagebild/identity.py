"""Deterministic ids: event ids (per report) and incident keys (per real-world incident).

The incident key is the events topic's message key, so every report of one incident
lands on one partition and is merged by one aggregator worker. Rule (v1): same type,
same day, same place (region, else city, else target country), and for attacks the same
weapon class; for meetings the same set of participants.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable


def _digest(*parts: object) -> str:
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode()).hexdigest()[:20]


def event_id(article_id: str, event_type: str, start: int, incident_key: str) -> str:
    """Same article text, same extractor → same id; so a republished article dedupes."""
    return _digest(article_id, event_type, start, incident_key)


def _day(date: dt.date | None) -> str:
    return date.isoformat() if date else "undated"


def attack_key(
    date: dt.date | None,
    weapon_class: str,
    regions: Iterable[str],
    place: str | None = None,
    target_country: str | None = None,
) -> str:
    where = place or "+".join(sorted(set(regions))) or target_country or "unknown"
    return f"attack|{_day(date)}|{weapon_class}|{where}"


def casualties_key(date: dt.date | None, region: str | None, place: str | None) -> str:
    return f"casualties|{_day(date)}|{place or region or 'unknown'}"


def meeting_key(date: dt.date | None, participants: Iterable[str]) -> str:
    return f"meeting|{_day(date)}|{'+'.join(sorted(set(participants)))}"
