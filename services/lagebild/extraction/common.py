"""Helpers shared by the event rules: incident dates, places and evidence."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from lagebild.extraction.document import Document, SentenceView
from lagebild.extraction.places import PlaceEntry, PlaceMatch
from lagebild.extraction.traps import cached_gated_search, first_chars, register_gates
from lagebild.models.events import Evidence, Place

__all__ = [
    "ANAPHOR",
    "evidence",
    "incident_date",
    "places_in",
    "region_mentions",
    "to_place",
]

# Words that point back to an incident named earlier ("dabei", "these attacks").
ANAPHOR = re.compile(
    r"\b(?:dabei|hierbei|zuvor|davor|bei (?:dem|diesem) angriff|bei (?:den|diesen) angriffen|"
    r"diese[rn]? angriff\w*|in the (?:attack|strike)s?|during the (?:attack|strike)s?|"
    r"these (?:attacks|strikes)|in those (?:attacks|strikes))\b",
    re.IGNORECASE,
)
ANAPHOR = first_chars(ANAPHOR, "bdhitz")  # (the first letters: see traps.first_chars)
_REGION_BEFORE = re.compile(
    r"(?:\bRegion(?:en)?|(?:\b|grenz|front)Gebiet(?:en|e)?|\bOblast(?:en)?|\bregions?\s+of|"
    r"\boblasts?\s+of|"
    r"\bprovinces?\s+of)\s+(?:[\w'-]+(?:\s*,\s*|\s+(?:und|and|sowie)\s+))*$",
    re.IGNORECASE,
)
_REGION_BEFORE = first_chars(_REGION_BEFORE, "fgopr")
# Necessary words (lower case) of ANAPHOR and _REGION_BEFORE: a text without any of them
# cannot match, so the expression is not run (same results, see traps.gated_search).
_ANAPHOR_WORDS = ("dabei", "hierbei", "zuvor", "davor", "angriff", "attack", "strike")
_REGION_WORDS = ("region", "gebiet", "oblast", "province")
register_gates(_ANAPHOR_WORDS)  # used with cached_gated_search
_FOLD_CHARS = ("İ", "ı", "ſ")  # see traps._FOLD: such texts run the expression
_REGION_AFTER = re.compile(
    r"^(?:(?:\s*,\s*|\s+(?:und|and)\s+)[\w'-]+)*\s+(?:regions?|oblasts?|provinces?)\b",
    re.IGNORECASE,
)


def incident_date(doc: Document, view: SentenceView, lo: int, hi: int) -> dt.date:
    """The day of an incident mentioned in ``view``: the sentence's own date, else the last
    one earlier in the paragraph, else (after "dabei", "zuvor", "these attacks") the last one in
    the article, else the publication day."""
    if view.para_date is not None:
        return view.para_date
    if view.article_date is not None:
        memo = view.memo
        if "anaphor" not in memo:
            memo["anaphor"] = (
                cached_gated_search(ANAPHOR, _ANAPHOR_WORDS, doc.text, view.start, view.end)
                is not None
            )
        if memo["anaphor"]:
            return view.article_date
    return doc.published


@lru_cache(maxsize=4096)
def to_place(entry: PlaceEntry) -> Place:
    """The event model of a gazetteer entry (immutable, so built once per entry)."""
    return Place(
        name=entry.name, country=entry.country, region=entry.region, lat=entry.lat, lon=entry.lon
    )


def places_in(view: SentenceView, lo: int, hi: int) -> list[PlaceMatch]:
    """Sub-national places (cities, regions, landmarks) within ``[lo, hi)`` of the sentence."""
    return [p for p in view.places if lo <= p.start < hi and p.place.kind != "country"]


def region_mentions(text: str, matches: list[PlaceMatch], lo: int) -> set[int]:
    """Indices of matches that name a region ("In den Regionen Charkiw, Sumy", "Kharkiv
    region") rather than the city of the same name."""
    out: set[int] = set()
    for i, match in enumerate(matches):
        if match.place.kind == "region":
            out.add(i)
            continue
        before = text[max(lo, match.start - 120) : match.start]
        after = text[match.end : match.end + 120]
        if _region_before(before) or _REGION_AFTER.match(after):
            out.add(i)
    return out


def _region_before(before: str) -> bool:
    low = before.lower()
    if not any(w in low for w in _REGION_WORDS) and (
        before.isascii() or not any(c in before for c in _FOLD_CHARS)
    ):
        return False
    return _REGION_BEFORE.search(before) is not None


def evidence(doc: Document, views: list[SentenceView], confidence: float) -> list[Evidence]:
    seen: set[int] = set()
    out: list[Evidence] = []
    article_id = doc.article.id
    clipped = round(min(max(confidence, 0.0), 1.0), 3)
    for v in sorted(views, key=lambda x: x.start):
        if v.start in seen:
            continue
        seen.add(v.start)
        out.append(
            Evidence(
                article_id=article_id,
                sentence=v.sent.text,
                start=v.start,
                end=v.end,
                confidence=clipped,
            )
        )
    return out
