"""Deterministic ids: event ids (per report) and incident keys (per group of candidates).

The incident key is the events topic's message key: every report that *could* describe the
same incident must share it, so that one aggregator worker sees them all and can merge them
(see :mod:`lagebild.aggregation.incidents`, which matches by date and weapon inside a key).
Hence no date in the key, and only coarse "where":

- attack: target country + the single place hit, else the single region, else ``nationwide``
  (a country-wide overnight wave is listed with different regions by different outlets);
- casualties: the place, else the region;
- meeting: the sorted participants.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def _digest(*parts: object) -> str:
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode()).hexdigest()[:20]


def event_id(
    article_id: str, event_type: str, start: int, incident_key: str, detail: str = ""
) -> str:
    """Same article text, same extractor → same id; so a republished article dedupes.

    ``detail`` separates events of one sentence and key ("147 drones and seven missiles").
    """
    return _digest(article_id, event_type, start, incident_key, detail)


def attack_key(
    target_country: str | None,
    places: Iterable[str] = (),
    regions: Iterable[str] = (),
    nationwide: bool = False,
) -> str:
    place_set, region_set = sorted(set(places)), sorted(set(regions))
    if nationwide or len(region_set) > 1 or len(place_set) > 1:
        where = "nationwide"
    else:
        where = (place_set or region_set or ["unknown"])[0]
    return f"attack|{target_country or 'unknown'}|{where}"


def casualties_key(region: str | None, place: str | None) -> str:
    return f"casualties|{place or region or 'unknown'}"


def meeting_key(participants: Iterable[str]) -> str:
    return f"meeting|{'+'.join(sorted(set(participants)))}"
