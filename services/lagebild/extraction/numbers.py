"""Numbers in German and English news text: digits, number words, word quantities.

``find_numbers(text, lang)`` returns every count-like number with its qualifier:

* digits, with thousands separators ("1.200", "1,200", "1 200") — never decimals;
* number words parsed with ``text2num`` per token ("zwölf", "einhundertdrei",
  "twenty-five", "a hundred");
* word quantities ("Dutzende"/"dozens" → 24, "Hunderte"/"hundreds" → 200, ...) with
  qualifier ``word_quantity``;
* qualifiers before the number ("mindestens" → at_least, "mehr als"/"über" → more_than,
  "rund"/"etwa" → about, "bis zu" → up_to);
* ranges ("zwischen 10 und 15", "10 bis 15", "10-15", "between 10 and 15"): ``value`` is the
  low end (conservative for counters), qualifier ``at_least``, with ``low``/``high``.

Dates ("24. April", "April 24"), clock times ("7.30 Uhr") and four-digit years are flagged so
that event rules can skip them (``NumberMatch.kind``).

``find_article_ones`` finds the indefinite article read as the number one ("ein Mann",
"eine ballistische Rakete", "a woman", "an Iskander missile"): whether it counts depends on
the noun after it, which the event rules check (``NumberMatch.article``). "beide"/"both" are
two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from text_to_num import text2num

from lagebild.extraction.lexicon import lower
from lagebild.extraction.traps import has_gate_words, register_gates
from lagebild.models.events import Figure, Qualifier

__all__ = ["NumberMatch", "find_article_ones", "find_numbers", "parse_number_word"]

NumberKind = Literal["count", "year", "date", "time"]


# Not frozen (never mutated, hashable): hundreds are built per article, and a frozen
# dataclass costs three times as much to build.
@dataclass(slots=True, unsafe_hash=True)
class NumberMatch:
    start: int  # start of the whole match, qualifier included
    end: int
    num_start: int  # start of the number itself
    figure: Figure
    kind: NumberKind = "count"
    article: bool = False  # an indefinite article read as one ("ein Mann", "a missile")

    @property
    def value(self) -> int:
        return self.figure.value


_DE_UNITS = (
    "eins|ein|zwei|zwo|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|"
    "dreizehn|vierzehn|fünfzehn|sechzehn|siebzehn|achtzehn|neunzehn|"
    "zwanzig|dreißig|dreissig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig|"
    "hundert|tausend|und"
)
_EN_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand"
)
# Longest alternatives first so that "siebzehn" is not read as "sieben"+"zehn" leftovers.
_DE_ALT = "|".join(sorted(_DE_UNITS.split("|"), key=len, reverse=True))
_EN_ALT = "|".join(sorted(_EN_WORDS.split("|"), key=len, reverse=True))

_DIGITS = r"\d{1,3}(?:(?:[.,]|\u202f|\u00a0| )\d{3})+(?![.,]?\d)|\d+(?![.,]\d)"
_DE_WORD = rf"(?:{_DE_ALT})+"
_EN_WORD = rf"(?:an?\s+)?(?:{_EN_ALT})(?:(?:-|\s+|\s+and\s+)(?:{_EN_ALT}))*"
_WORD_QUANTITIES: dict[str, int] = {
    "dutzende": 24,
    "dutzenden": 24,
    "dozens": 24,
    "hunderte": 200,
    "hunderten": 200,
    "hundreds": 200,
    "tausende": 2000,
    "tausenden": 2000,
    "thousands": 2000,
    "mehrere": 2,
    "several": 2,
}
_EXACT_WORD_QUANTITIES: dict[str, int] = {
    "beide": 2,
    "beiden": 2,
    "both": 2,
    "ein dutzend": 12,
    "a dozen": 12,
    "einem dutzend": 12,
}
_WQ = "|".join(sorted([*_WORD_QUANTITIES, *_EXACT_WORD_QUANTITIES], key=len, reverse=True)).replace(
    " ", r"\s+"
)

_QUALIFIERS: dict[str, Qualifier] = {
    "mindestens": Qualifier.AT_LEAST,
    "wenigstens": Qualifier.AT_LEAST,
    "at least": Qualifier.AT_LEAST,
    "no fewer than": Qualifier.AT_LEAST,
    "mehr als": Qualifier.MORE_THAN,
    "über": Qualifier.MORE_THAN,
    "more than": Qualifier.MORE_THAN,
    "over": Qualifier.MORE_THAN,
    "rund": Qualifier.ABOUT,
    "etwa": Qualifier.ABOUT,
    "ungefähr": Qualifier.ABOUT,
    "circa": Qualifier.ABOUT,
    "ca.": Qualifier.ABOUT,
    "knapp": Qualifier.ABOUT,
    "fast": Qualifier.ABOUT,
    "beinahe": Qualifier.ABOUT,
    "about": Qualifier.ABOUT,
    "around": Qualifier.ABOUT,
    "some": Qualifier.ABOUT,
    "roughly": Qualifier.ABOUT,
    "approximately": Qualifier.ABOUT,
    "nearly": Qualifier.ABOUT,
    "almost": Qualifier.ABOUT,
    "bis zu": Qualifier.UP_TO,
    "up to": Qualifier.UP_TO,
}
_QUAL = "|".join(
    re.escape(q).replace(r"\ ", r"\s+") for q in sorted(_QUALIFIERS, key=len, reverse=True)
)

_NUM = rf"(?:{_DIGITS}|{_WQ}|{_EN_WORD}|{_DE_WORD})"
# The first two characters of every alternative (lower case); "a"/"an" + whitespace start
# the English words ("a hundred", "a dozen"), digits are matched as \d.
_PREFIXES = sorted(
    {
        w[:2]
        for w in (
            *_DE_ALT.split("|"),
            *_EN_ALT.split("|"),
            *_WORD_QUANTITIES,
            *_EXACT_WORD_QUANTITIES,
            *_QUALIFIERS,
            "an",
            "zwischen",
            "between",
        )
    }
    - {"a "}
)
_START = "|".join(
    [r"\d", r"a\s"]
    + [
        re.escape(first) + "[" + "".join(re.escape(p[1]) for p in _PREFIXES if p[0] == first) + "]"
        for first in sorted({p[0] for p in _PREFIXES})
    ]
)
# The look-ahead after the look-behind lists how the alternatives can begin (two characters,
# lower case; see _NUMBER_LOWER_RE): the engine gives up at once at words that cannot start a
# number, instead of trying each alternative there.
_NUMBER_BODY = rf"""
    (?={_START})
    (?:(?P<range_kw>zwischen|between)\s+(?P<r1>{_NUM})\s+(?:und|and)\s+(?P<r2>{_NUM})
      |(?:(?P<qual>{_QUAL})\s+)?
       (?P<n1>{_NUM})
       (?:\s*(?:-|–|\bbis\b|\bto\b)\s*(?P<n2>{_NUM}))?
    )
    (?![\w-])
    """
_NUMBER_RE = re.compile(r"(?<![\w.,-])" + _NUMBER_BODY, re.IGNORECASE | re.VERBOSE)
# The same expression without IGNORECASE, matched against a lower-cased (and folded) copy of
# the text: the same matches at the same offsets, ~2.5x faster (case-insensitive alternatives
# defeat the regex engine's first-character test). See _folded.
_NUMBER_LOWER_RE = re.compile(_NUMBER_RE.pattern, re.VERBOSE)
# Characters that re.IGNORECASE equates with an ASCII letter although str.lower does not
# lower them to it (as traps._FOLD).
_FOLD = (("İ", "i"), ("ı", "i"), ("ſ", "s"))
_MONTHS = (
    r"januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|"
    r"dezember|january|february|march|may|june|july|october|december|jan|feb|mar|apr|jun|"
    r"jul|aug|sep|sept|oct|okt|nov|dec|dez"
)
_DATE_AFTER = re.compile(rf"\.?\s*(?:{_MONTHS})\b", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
_TIME_AFTER = re.compile(r"\s*(?:uhr\b|h\b|a\.m\.|p\.m\.|am\b|pm\b|:\d)", re.IGNORECASE)
_YEAR_CONTEXT_BEFORE = re.compile(
    r"(?:\b(?:jahr|jahre|jahres|von|seit|im|in|bis|since|year|of|from|until)|\d\.?\s*\w+)\s*$",
    re.IGNORECASE,
)


_SCALE = re.compile(r"\s+(millionen|million|mio\.?|milliarden|milliarde|billion)\b", re.I)


@lru_cache(maxsize=4096)
def parse_number_word(token: str) -> int | None:
    """Value of one number token ("zwölf", "1.200", "twenty-five", "Dutzende"), else None."""
    raw = " ".join(token.lower().split())
    if not raw:
        return None
    if raw[0].isdigit():
        digits = re.sub(r"[^\d]", "", raw)
        return int(digits) if digits else None
    if raw in _WORD_QUANTITIES:
        return _WORD_QUANTITIES[raw]
    if raw in _EXACT_WORD_QUANTITIES:
        return _EXACT_WORD_QUANTITIES[raw]
    if raw in {"und", "and", "ein", "an", "a"}:
        return None
    if raw.startswith(("a ", "an ")):
        raw = "one " + raw.split(" ", 1)[1]
    for lang in ("de", "en") if not raw.isascii() or " " not in raw else ("en", "de"):
        try:
            return int(text2num(raw, lang))
        except ValueError:
            continue
    return None


def _kind(text: str, start: int, end: int, value: int, raw: str) -> NumberKind:
    if not raw[0].isdigit():
        return "count"
    if _DATE_AFTER.match(text, end) and value <= 31 and text[end : end + 1] == ".":
        return "date"
    if _MONTH_BEFORE.search(text, max(0, start - 12), start) and value <= 31:
        return "date"
    if _TIME_AFTER.match(text, end):
        return "time"
    if len(raw) == 4 and raw.isdigit() and 1900 <= value <= 2100:
        before = text[max(0, start - 30) : start]
        if _YEAR_CONTEXT_BEFORE.search(before) or not re.match(r"\s+[A-ZÄÖÜ]", text[end:]):
            return "year"
        return "year" if re.match(r"\s+(?:von|by|from)\b", text[end:]) else "count"
    return "count"


@lru_cache(maxsize=4096)
def figure(
    value: int,
    qualifier: Qualifier | None = None,
    low: int | None = None,
    high: int | None = None,
) -> Figure:
    """``Figure(value=value, ...)`` with the arguments that are not None, shared: figures are
    immutable and the same few recur, so each is validated once."""
    if qualifier is None:
        return Figure(value=value)
    if low is None and high is None:
        return Figure(value=value, qualifier=qualifier)
    return Figure(value=value, qualifier=qualifier, low=low, high=high)


_ONE = figure(1)


def find_numbers(text: str, start: int = 0, end: int | None = None) -> list[NumberMatch]:
    """All numbers in ``text[start:end]`` with offsets into ``text``."""
    # The attack and casualty rules both read the numbers of many sentences: computed once.
    return list(_find_numbers(text, start, end))


@lru_cache(maxsize=256)
def _find_numbers(text: str, start: int, end: int | None) -> tuple[NumberMatch, ...]:
    return tuple(_scan_numbers(text, start, end))


def _folded(text: str, start: int, stop: int) -> tuple[str, int]:
    """Lower-cased, folded copy of ``text[start - 1 : stop]`` (the character before ``start``
    is kept for the look-behind) and its offset in ``text``."""
    base = max(0, start - 1)
    low = lower(text[base:stop])
    if not low.isascii():
        for char, ascii_char in _FOLD:
            if char in low:
                low = low.replace(char, ascii_char)
    return low, base


# Every number has a digit or one of these words (lower case; "und" and "ein" alone are no
# number, "undein" is one: see parse_number_word). A span with neither has no numbers, and
# the expression is not run there (same results).
_NUMBER_WORDS = tuple(
    sorted(
        {w for w in (*_DE_ALT.split("|"), *_EN_ALT.split("|")) if w not in {"und", "ein"}}
        | {w.split()[-1] for w in (*_WORD_QUANTITIES, *_EXACT_WORD_QUANTITIES)}
        | {"undein"}
    )
)
register_gates(_NUMBER_WORDS)  # (one scan of a sentence finds the words of all such lists)
_DIGIT = re.compile(r"\d")


def _scan_numbers(text: str, start: int, end: int | None) -> list[NumberMatch]:
    stop = len(text) if end is None else end
    if not _DIGIT.search(text, start, stop) and not has_gate_words(
        _NUMBER_WORDS, text, start, stop
    ):
        return []
    out: list[NumberMatch] = []
    low_text, base = _folded(text, start, stop)
    # Matches are found on the folded copy and read back from ``text`` at the same offsets.
    for fm in _NUMBER_LOWER_RE.finditer(low_text, start - base):
        m_start = base + fm.start()
        m_end = base + fm.end()
        lo, hi = fm.span("range_kw")
        if lo >= 0 and hi > lo:
            r1_lo, r1_hi = fm.span("r1")
            r2_lo, r2_hi = fm.span("r2")
            low = parse_number_word(text[base + r1_lo : base + r1_hi] if r1_lo >= 0 else "")
            high = parse_number_word(text[base + r2_lo : base + r2_hi] if r2_lo >= 0 else "")
            if low is None or high is None:
                continue
            a, b = min(low, high), max(low, high)
            fig = figure(a, Qualifier.AT_LEAST, a, b)
            out.append(NumberMatch(m_start, m_end, base + r1_lo, fig))
            continue
        n1_lo, n1_hi = fm.span("n1")
        n1_start = base + n1_lo
        n1_end = base + n1_hi
        raw1 = text[n1_start:n1_end] if n1_lo >= 0 else ""
        value = parse_number_word(raw1)
        if value is None:
            continue
        q_lo, q_hi = fm.span("qual")
        qual_text = text[base + q_lo : base + q_hi] if q_lo >= 0 else None
        n2_lo, n2_hi = fm.span("n2")
        scale = _SCALE.match(text, n1_end)
        if scale and n2_lo < 0:  # "1,2 Millionen", "1 million"
            value *= 1_000_000 if scale.group(1).lower().startswith("mil") else 1_000_000_000
            qualifier = (
                _QUALIFIERS[" ".join(qual_text.lower().split())] if qual_text else (Qualifier.EXACT)
            )
            q_start = m_start if qual_text else n1_start
            out.append(NumberMatch(q_start, scale.end(), n1_start, figure(value, qualifier)))
            continue
        kind = _kind(text, n1_start, n1_end, value, raw1)
        qualifier = Qualifier.EXACT
        if qual_text:
            qualifier = _QUALIFIERS[" ".join(qual_text.lower().split())]
        elif raw1.lower() in _WORD_QUANTITIES:
            qualifier = Qualifier.WORD_QUANTITY
        raw2 = text[base + n2_lo : base + n2_hi] if n2_lo >= 0 else None
        if raw2 is not None and kind == "count":
            high_value = parse_number_word(raw2)
            if high_value is not None and high_value > value:
                fig = figure(value, Qualifier.AT_LEAST, value, high_value)
                out.append(NumberMatch(m_start, m_end, n1_start, fig))
                continue
        q_start = m_start if qual_text else n1_start
        out.append(NumberMatch(q_start, n1_end, n1_start, figure(value, qualifier), kind))
        if raw2 is not None and kind != "count":  # "2014 bis 2018": keep the second year
            second = parse_number_word(raw2)
            if second is not None:
                n2_start, n2_end = base + n2_lo, base + n2_hi
                kind2 = _kind(text, n2_start, n2_end, second, raw2)
                out.append(NumberMatch(n2_start, n2_end, n2_start, figure(second), kind2))
    return out


# (the look-ahead: the first letters of the alternatives, so most positions fail at once)
_ARTICLE_RE = re.compile(
    r"(?<![\w-])(?=[ae])(?:ein|eine|einen|einem|einer|a|an)(?![\w-])", re.IGNORECASE
)


def find_article_ones(text: str, start: int = 0, end: int | None = None) -> list[NumberMatch]:
    """Indefinite articles in ``text[start:end]`` as candidate counts of one (see module doc)."""
    stop = len(text) if end is None else end
    return [
        NumberMatch(m.start(), m.end(), m.start(), _ONE, "count", article=True)
        for m in _ARTICLE_RE.finditer(text, start, stop)
    ]
