"""Rule-based event extraction: news article → attack, casualty and meeting events.

``extract(article)`` is pure and deterministic; every event carries ``ENGINE_VERSION``.
The rules read German and English: the article's stated language is used, else it is
detected (:mod:`lagebild.extraction.language`); any other language (or text whose language
cannot be told) gives no events, and ``extract_with_info`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from lagebild.extraction.engine import ENGINE_VERSION, Extractor, default_extractor
from lagebild.extraction.language import SUPPORTED, detect, normalise
from lagebild.models.article import Article
from lagebild.models.events import AttackEvent, CasualtiesEvent, MeetingEvent

__all__ = ["ENGINE_VERSION", "Extraction", "Extractor", "extract", "extract_with_info"]

AnyEvent = AttackEvent | CasualtiesEvent | MeetingEvent


@dataclass(frozen=True, slots=True)
class Extraction:
    """The events of one article and the language the rules read it in."""

    events: list[AnyEvent]
    language: str | None  # ISO 639-1; None when it could not be detected
    detected: bool  # the language was detected, not stated by the publisher
    supported: bool  # de or en: the rules ran

    @property
    def unsupported(self) -> bool:
        return not self.supported


def article_language(article: Article) -> tuple[str | None, bool]:
    """(ISO 639-1 code or None, whether it was detected) for ``article``."""
    stated = normalise(article.language)
    if stated is not None:
        return stated, False
    return detect(article.text), True


def extract_with_info(article: Article) -> Extraction:
    """``extract`` plus the language used and whether the rules could read it."""
    language, detected = article_language(article)
    if language not in SUPPORTED:
        return Extraction([], language, detected, supported=False)
    if detected:
        article = article.model_copy(update={"language": language})
    return Extraction(default_extractor().extract(article), language, detected, supported=True)


def extract(article: Article) -> list[AnyEvent]:
    """All events reported in ``article``, ordered by their first evidence sentence (none for
    articles in a language other than German or English)."""
    return extract_with_info(article).events
