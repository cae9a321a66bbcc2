"""Rule-based event extraction: news article → attack, casualty and meeting events.

``extract(article)`` is pure and deterministic; every event carries ``ENGINE_VERSION``.
"""

from __future__ import annotations

from lagebild.extraction.engine import ENGINE_VERSION, Extractor, default_extractor
from lagebild.models.article import Article
from lagebild.models.events import AttackEvent, CasualtiesEvent, MeetingEvent

__all__ = ["ENGINE_VERSION", "Extractor", "extract"]


def extract(article: Article) -> list[AttackEvent | CasualtiesEvent | MeetingEvent]:
    """All events reported in ``article``, ordered by their first evidence sentence."""
    return default_extractor().extract(article)
