"""Language detection and the pass-through of unsupported languages."""

from __future__ import annotations

import datetime as dt

from lagebild.extraction import extract, extract_with_info
from lagebild.extraction.budget import extract_within_budget
from lagebild.extraction.language import detect, normalise
from lagebild.models.article import Article

NOW = dt.datetime(2025, 6, 12, 8, tzinfo=dt.UTC)
DE = "Russland hat die Ukraine in der Nacht mit 88 Drohnen angegriffen, teilte die Luftwaffe mit."
EN = "Russia attacked Ukraine with 88 drones overnight, the Ukrainian air force said on Thursday."
FR = "La Russie a attaqué l'Ukraine avec 88 drones pendant la nuit, a indiqué l'armée de l'air."
UK = "Росія атакувала Україну 88 дронами вночі, повідомили Повітряні сили."


def _article(text: str, language: str | None = None) -> Article:
    return Article(id="a", text=text, published_at=NOW, language=language)


def test_detect() -> None:
    assert detect(DE) == "de"
    assert detect(EN) == "en"
    assert detect(FR) == "fr"
    assert detect(UK) == "uk"
    assert detect("12 345 !!") is None  # too few letters to tell


def test_normalise() -> None:
    assert normalise("DE") == "de"
    assert normalise("en_GB") == "en"
    assert normalise("de-AT") == "de"
    assert normalise(None) is None


def test_detected_language_is_used() -> None:
    info = extract_with_info(_article(DE))
    assert (info.language, info.detected, info.supported) == ("de", True, True)
    assert info.events


def test_unsupported_language_gives_no_events() -> None:
    for text in (FR, UK):
        info = extract_with_info(_article(text))
        assert not info.supported and info.events == []
    assert extract(_article(FR)) == []
    result = extract_within_budget(_article(FR))
    assert (result.supported, result.language, result.events) == (False, "fr", [])


def test_stated_language_wins() -> None:
    info = extract_with_info(_article(EN, language="en"))
    assert (info.language, info.detected) == ("en", False)
    # A stated unsupported language is never second-guessed.
    assert extract_with_info(_article(EN, language="fr")).events == []
