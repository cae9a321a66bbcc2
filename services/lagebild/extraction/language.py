"""Which language an article is written in, when the publisher does not say.

The rules only read German and English. An article in another language must be recognised as
such (and passed through without events) rather than forced into one of the two, so the
detector (``lingua-language-detector``, which ships its models inside the wheel: no download
at run time) decides among German, English and the languages most often seen next to them in
this news stream: French, Russian, Ukrainian, Polish, Spanish, Italian, Dutch and Portuguese.

Cost (measured, 2 cores): lingua's low-accuracy mode (trigram models only) on the first ~500
characters of the text (cut at a word boundary) takes 2-3 ms per article once the models are
loaded (the first call loads them: ~0.4 s, once per process); the rules take ~14 ms on the
same 3 KB article. Detecting on the whole 3 KB text would take ~15 ms. Five hundred characters
are several sentences of prose, far more than the trigram models need to tell these languages
apart.

``detect`` returns an ISO 639-1 code, or ``None`` when the text is too short or the two best
candidates are too close to call: an unsure answer is never guessed into de/en.

Shortcut: most articles without a stated language are plainly German or English prose. The
sample's words are first counted against short lists of German and English function words;
when one language has many of them (at least ``_MIN_STOP_WORDS`` and an eighth of all words)
and the other few (less than a quarter as many), that language is the answer (~30 µs instead
of ~1 ms; checked against lingua on every corpus text and thousands of excerpts). Any other
sample (other languages, other scripts, short or mixed text) goes to lingua as before.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = ["SAMPLE_CHARS", "SUPPORTED", "detect", "normalise"]

SUPPORTED = frozenset({"de", "en"})
SAMPLE_CHARS = 500
_MIN_LETTERS = 12
# Minimum distance between the best and the second-best candidate (lingua's "relative
# distance"); below it the detector answers None.
_MIN_RELATIVE_DISTANCE = 0.1
_LANGUAGES = ("GERMAN", "ENGLISH", "FRENCH", "RUSSIAN", "UKRAINIAN", "POLISH", "SPANISH",
              "ITALIAN", "DUTCH", "PORTUGUESE")  # fmt: skip

# Function words that are frequent in German resp. English prose and rare in the other
# languages the detector knows (no "die", "is", "in", "en", "de", "a": Dutch, Romance).
_DE_STOP_WORDS = frozenset(
    ["der", "das", "und", "nicht", "mit", "sich", "auf", "den", "dem", "des", "ein", "eine",
     "einen", "einem", "einer", "eines", "ist", "sind", "wurde", "wurden", "für", "bei", "nach",
     "auch", "zu", "im", "vom", "zum", "zur", "über", "hat", "haben"]
)  # fmt: skip
_EN_STOP_WORDS = frozenset(
    ["the", "and", "of", "to", "was", "were", "with", "that", "said", "by", "for", "from", "has",
     "have", "had", "it", "its", "on", "at", "this", "which", "been"]
)  # fmt: skip
_MIN_STOP_WORDS = 8
_WORD = re.compile(r"\w+")

_DETECTOR: LanguageDetector | None = None
_LOCK = threading.Lock()


def _detector() -> LanguageDetector:
    global _DETECTOR
    if _DETECTOR is None:
        with _LOCK:
            if _DETECTOR is None:
                from lingua import Language, LanguageDetectorBuilder

                languages = [getattr(Language, name) for name in _LANGUAGES]
                _DETECTOR = (
                    LanguageDetectorBuilder.from_languages(*languages)
                    .with_low_accuracy_mode()
                    .with_minimum_relative_distance(_MIN_RELATIVE_DISTANCE)
                    .build()
                )
    return _DETECTOR


def _sample(text: str) -> str:
    if len(text) <= SAMPLE_CHARS:
        return text
    cut = text.rfind(" ", 0, SAMPLE_CHARS)
    return text[: cut if cut > SAMPLE_CHARS // 2 else SAMPLE_CHARS]


def _stop_word_language(sample: str) -> str | None:
    """'de' or 'en' when the function words leave no doubt, else None (see module doc)."""
    words = _WORD.findall(sample.lower())
    de = en = 0
    for w in words:
        if w in _DE_STOP_WORDS:
            de += 1
        elif w in _EN_STOP_WORDS:
            en += 1
    for lang, hits, other in (("de", de, en), ("en", en, de)):
        if hits >= _MIN_STOP_WORDS and hits * 8 >= len(words) and other * 4 < hits:
            return lang
    return None


def _has_letters(sample: str, count: int) -> bool:
    """``sum(c.isalpha() for c in sample) >= count``, stopping at the ``count``-th letter."""
    if count <= 0:
        return True
    for c in sample:
        if c.isalpha():
            count -= 1
            if not count:
                return True
    return False


def detect(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when unsure."""
    sample = _sample(text)
    if not _has_letters(sample, _MIN_LETTERS):
        return None
    clear = _stop_word_language(sample)
    if clear is not None:
        return clear
    language = _detector().detect_language_of(sample)
    if language is None:
        return None
    return str(language.iso_code_639_1.name).lower()


def normalise(code: str | None) -> str | None:
    """``"DE"``, ``"de-AT"``, ``"en_GB"`` → ``"de"``/``"en"``; None stays None."""
    if not code:
        return None
    return code.strip().lower().replace("_", "-").split("-")[0] or None
