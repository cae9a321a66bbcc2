"""The document analysis' fast paths find exactly what the plain expressions find.

Each shortcut (a tighter look-ahead, an expression specialised to the characters a text
contains, a tokenising count, an automaton built in another order) is checked against the
straightforward version on generated text full of near-misses.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable

import pytest

from lagebild.extraction import dates, document, places, sentences
from lagebild.extraction.lexicon import lower

_PIECES = [
    "am", "Am", "on", "the", "in", "der", "die", "Nacht", "nacht", "auf", "zu", "zum", "den",
    "Montag", "montags", "Freitagmorgen", "Friday", "night", "overnight", "into", "to", "last",
    "next", "this", "morning", "week", "Woche", "vergangenen", "kommenden", "nächste", "zuvor",
    "davor", "Vortag", "vom", "tags", "previous", "day", "before", "heute", "Morgen", "morgen",
    "gestern", "vorgestern", "yesterday", "today", "tonight", "tomorrow", "frühen", "April",
    "Mai", "may", "Mar", "mar.", "Sept.", "Dez", "24.", "3", "3rd", "of", "2025", "2025-04-24",
    "2025-23-25", "12", "U.S.", "Dr.", "z.B.", "J.", "Kiew.", '"Stopp!"', "„Nein“", "«oui»",
    "»ja«", "sagte", "said", "er", "Er", "Sie", "X.", "...", "?", "!", "…", "(", ")", "-", ",",
    "İ", "ſ", "_", "é", "—",
]  # fmt: skip
_GLUE = [" ", " ", " ", "  ", "\n", "\n\n", "", "-", ". ", ", ", '" ', "\t"]


def _texts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        parts = [rnd.choice(_PIECES) + rnd.choice(_GLUE) for _ in range(rnd.randint(1, 40))]
        out.append("".join(parts))
    return out


def test_date_look_ahead_is_implied_by_the_pattern() -> None:
    body = dates._DATE_RE.pattern.lstrip()
    assert body.startswith(r"\b(?=")
    # The same expression with the plainest guard (a digit or any letter after \b).
    plain = re.compile(r"\b(?=\w)" + body[2:].split("\n", 1)[1], dates._DATE_RE.flags)
    for text in _texts(1, 4000):
        low = lower(text)
        for pos in (0, 1, 3):
            got = [(m.span(), m.groupdict()) for m in dates._DATE_RE.finditer(low, pos)]
            want = [(m.span(), m.groupdict()) for m in plain.finditer(low, pos)]
            assert got == want, low


def _split_reference(text: str) -> list[tuple[int, int, int]]:
    """The splitter as first written: separate next-sentence check, trimming of each piece."""
    boundary = re.compile(r"""([.!?…][.!?…]*)(["'“”«»‘’)\]]*)(\s+)""")
    out: list[tuple[int, int, int]] = []

    def append(paragraph: int, start: int, end: int) -> None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append((paragraph, start, end))

    for para, (p_start, p_end) in enumerate(sentences.split_paragraphs(text)):
        cursor = p_start
        for m in boundary.finditer(text, p_start, p_end):
            if not sentences._NEXT_STARTS_SENTENCE.match(text, m.end(3), p_end):
                continue
            if m.group(1) == "." and sentences._is_abbreviation(text, m.start(1)):
                continue
            append(para, cursor, m.end(2))
            cursor = m.end(3)
        append(para, cursor, p_end)
    return out


def test_sentence_split_matches_reference() -> None:
    extra = ["", "   ", "Kein Punkt", "A. B. C.", 'Er sagte: "Ja." Dann', "Wie? Nein! So…"]
    for text in [*_texts(2, 4000), *extra]:
        got = [(s.paragraph, s.start, s.end) for s in sentences.split_sentences(text)]
        assert got == _split_reference(text), text
        assert all(s.text == text[s.start : s.end] for s in sentences.split_sentences(text))


def test_quote_expression_for_present_marks() -> None:
    for text in _texts(3, 3000):
        openers = "".join(c for c in document._QUOTES if c in text)
        got = [m.span() for m in document._quote_re(openers).finditer(text)] if openers else []
        assert got == [m.span() for m in document._QUOTE_RE.finditer(text)], text


_DE_RE = re.compile(r"\b(?:der|die|das|und|nicht|mit|sich|auf|ist|den|von|dem|zu|ein|eine)\b")
_EN_RE = re.compile(r"\b(?:the|and|of|to|is|was|with|on|for|that|were|said|by|at)\b")


def test_stop_word_counts_match_the_expressions() -> None:
    extra = ["der-die", "the_the", "(der)", "„die“", "ist…", "2der", "DER.", "at—on", "de_r"]
    for text in [*_texts(4, 4000), *extra]:
        low = text.lower()
        assert document._stop_word_counts(low) == (
            len(_DE_RE.findall(low)),
            len(_EN_RE.findall(low)),
        ), low


@pytest.mark.parametrize("order", [list, lambda s: sorted(s, reverse=True)])
def test_multimatcher_does_not_depend_on_insertion_order(
    monkeypatch: pytest.MonkeyPatch, order: Callable[[Iterable[str]], list[str]]
) -> None:
    vocab = [
        {"Kiew": 1, "Kiews": 2, "Region Kiew": 3, "KIEW": 4, "region of Kyiv": 5, "Kyiv": 6},
        {"Selenskyj": "z", "Wolodymyr Selenskyj": "wz", "Kiew": "k"},
        {"Präsident": ("p", None), "president": ("p", None), "Außenminister": ("fm", None)},
    ]
    fast = places.MultiMatcher(vocab)
    monkeypatch.setattr(places, "_insertion_order", order)
    plain = places.MultiMatcher(vocab)
    texts = [
        "In Kiews Region Kiew traf Präsident Wolodymyr Selenskyj den Außenminister in KIEW.",
        "The president met in the region of Kyiv; Kyiv-based Selenskyj, Kiew",
        *_texts(5, 300),
    ]
    for text in texts:
        assert fast.find(text) == plain.find(text)
