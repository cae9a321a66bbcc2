"""One analysed article: sentences, dates, places, people and quotes, computed once.

The event rules (attacks, casualties, meetings) read from a :class:`Document`; nothing here
decides about events. Places and people are looked up over the whole text in one pass each
(Aho-Corasick) and bucketed by sentence.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import filterfalse
from typing import Any

from lagebild.extraction.dates import DateContext, DateMention
from lagebild.extraction.lexicon import DATE, categories
from lagebild.extraction.people import PeopleIndex, PersonMatch, RoleMatch
from lagebild.extraction.places import Gazetteer, MultiMatcher, PlaceMatch
from lagebild.extraction.sentences import Sentence, split_sentences
from lagebild.models.article import Article

__all__ = ["Document", "SentenceView", "detect_language"]

# A quotation, by its opening mark (the alternatives of one expression, in this order).
_QUOTES = {
    '"': r'"[^"\n]*"',
    "„": r'„[^“”"\n]*[“”"]',
    "“": r"“[^”\n]*”",
    "«": r"«[^»\n]*»",
    "»": r"»[^«\n]*«",
}
_QUOTE_RE = re.compile("|".join(_QUOTES.values()))


@functools.cache
def _quote_re(openers: str) -> re.Pattern[str]:
    """``_QUOTE_RE`` for a text that contains only the opening marks ``openers``: the other
    alternatives cannot match. With one mark (often just '"') the engine finds candidates by a
    fast search for it instead of testing every character against a set (ten times the cost)."""
    return re.compile("|".join(_QUOTES[c] for c in openers))


_DE_STOP = frozenset(["der", "die", "das", "und", "nicht", "mit", "sich", "auf", "ist", "den",
                      "von", "dem", "zu", "ein", "eine"])  # fmt: skip
_EN_STOP = frozenset(["the", "and", "of", "to", "is", "was", "with", "on", "for", "that", "were",
                      "said", "by", "at"])  # fmt: skip
_WORD = re.compile(r"\w+")
# The Latin-1 characters that are not word characters (``\W``): stripped from tokens.
_NON_WORD = "".join(chr(c) for c in range(256) if not _WORD.match(chr(c)))


# One scan of the text finds places, names and role phrases (see places.MultiMatcher); built
# on first use for each (gazetteer, people index) pair.
_SCANNERS: list[tuple[Gazetteer, PeopleIndex, MultiMatcher]] = []


def _scanner(gazetteer: Gazetteer, people: PeopleIndex) -> MultiMatcher:
    for g, p, matcher in _SCANNERS:
        if g is gazetteer and p is people:
            return matcher
    matcher = MultiMatcher([gazetteer.surfaces, people.surfaces, people.role_surfaces])
    _SCANNERS.insert(0, (gazetteer, people, matcher))
    del _SCANNERS[4:]
    return matcher


def detect_language(text: str) -> str:
    """'de' or 'en' by counting stop words in the first 2,000 characters."""
    de, en = _stop_word_counts(text[:2000].lower())
    return "de" if de >= en else "en"


def _stop_word_counts(sample: str) -> tuple[int, int]:
    """How many German and English stop words ``sample`` (lower case) contains."""
    # Counted: the stop words that stand as whole words (what ``\b(?:der|die|...)\b`` finds),
    # i.e. the runs of word characters that are stop words. Most runs are whitespace-separated
    # tokens as they are; a token with punctuation gives its run once that is stripped from
    # both ends ("kiew," -> "kiew"), else ("selenskyj-berater") its runs as the expression
    # finds them. Half the cost of searching the sample for each list, which tries every
    # position.
    words = sample.split()
    runs: list[str] = []
    for token in filterfalse(str.isalnum, words):
        core = token.strip(_NON_WORD)
        if core.isalnum():
            runs.append(core)
        else:
            runs += _WORD.findall(token)
    de = sum(map(_DE_STOP.__contains__, words)) + sum(map(_DE_STOP.__contains__, runs))
    en = sum(map(_EN_STOP.__contains__, words)) + sum(map(_EN_STOP.__contains__, runs))
    return de, en


@dataclass(slots=True, init=False)
class SentenceView:
    sent: Sentence
    dates: list[DateMention]
    own_date: dt.date | None  # the last incident (non-report) date named in the sentence
    para_date: dt.date | None  # own date, else the last one earlier in the paragraph
    article_date: dt.date | None  # the last incident date named so far in the article
    cats: int  # lexicon category bits (which rules need to look at this sentence)
    places: list[PlaceMatch]
    persons: list[PersonMatch]
    roles: list[RoleMatch]
    # Results of sentence-level checks that several rules make (rule module's key -> result).
    memo: dict[str, Any]
    # The sentence's offsets and paragraph, copied (the rules read them very often).
    start: int
    end: int
    paragraph: int

    # (written out: the generated one, with default factories and __post_init__, cost twice
    # as much, and there is one view per sentence)
    def __init__(
        self,
        sent: Sentence,
        dates: list[DateMention],
        own_date: dt.date | None,
        para_date: dt.date | None,
        article_date: dt.date | None,
        cats: int = 0,
    ) -> None:
        self.sent = sent
        self.dates = dates
        self.own_date = own_date
        self.para_date = para_date
        self.article_date = article_date
        self.cats = cats
        self.places = []
        self.persons = []
        self.roles = []
        self.memo = {}
        self.start = sent.start
        self.end = sent.end
        self.paragraph = sent.paragraph


class Document:
    """An article split and annotated for the event rules."""

    def __init__(self, article: Article, gazetteer: Gazetteer, people: PeopleIndex) -> None:
        self.article = article
        self.text = article.text
        self.lang = article.language or detect_language(article.text)
        self.published_at = article.published_at
        self.published = article.published_at.date()
        openers = "".join(c for c in _QUOTES if c in self.text)
        self.quotes: list[tuple[int, int]] = (
            [m.span() for m in _quote_re(openers).finditer(self.text)] if openers else []
        )
        self._quote_starts = [q[0] for q in self.quotes]
        sentences = split_sentences(self.text)
        starts = [s.start for s in sentences]
        cats = categories(self.text, starts)
        ctx = DateContext(self.published)
        views: list[SentenceView] = []
        para = -1
        para_date: dt.date | None = None
        for s in sentences:
            if s.paragraph != para:
                para, para_date = s.paragraph, None
            cat = cats[s.index]
            mentions = ctx.resolve(self.text, s.start, s.end) if cat & DATE else []
            own = (
                next((m.date for m in reversed(mentions) if not m.is_report), None)
                if mentions
                else None
            )
            if own is not None:
                para_date = own
            views.append(SentenceView(s, mentions, own, para_date, ctx.last, cats=cat))
        self.sentences = views
        self._by_paragraph: dict[int, list[SentenceView]] | None = None

        places, persons, roles = _scanner(gazetteer, people).find(self.text)
        text = self.text
        for start, end, entry in places:
            i = bisect_right(starts, start) - 1
            if i >= 0 and end <= views[i].end:
                views[i].places.append(PlaceMatch(start, end, text[start:end], entry))
        for start, end, person in persons:
            i = bisect_right(starts, start) - 1
            if i >= 0 and end <= views[i].end:
                views[i].persons.append(PersonMatch(start, end, text[start:end], person))
        for start, end, (kind, affiliation) in roles:
            i = bisect_right(starts, start) - 1
            if i >= 0 and end <= views[i].end:
                views[i].roles.append(RoleMatch(start, end, text[start:end], kind, affiliation))

    def in_quote(self, pos: int) -> bool:
        i = bisect_right(self._quote_starts, pos) - 1
        return i >= 0 and self.quotes[i][0] <= pos < self.quotes[i][1]

    def paragraph_sentences(self, paragraph: int) -> list[SentenceView]:
        by_paragraph = self._by_paragraph
        if by_paragraph is None:
            by_paragraph = self._by_paragraph = {}
            for v in self.sentences:
                by_paragraph.setdefault(v.paragraph, []).append(v)
        return list(by_paragraph.get(paragraph, ()))
