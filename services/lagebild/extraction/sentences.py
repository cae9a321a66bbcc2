"""Sentence and paragraph splitting with character offsets into the original text.

Rules (German and English news prose):

* A paragraph ends at a blank line; a sentence never crosses a paragraph.
* A sentence ends at ``.``, ``!`` or ``?`` (closing quotes and brackets stay with it)
  when whitespace and then an upper-case letter, a digit or an opening quote follows.
* No break after known abbreviations ("z.B.", "Dr.", "U.S.", "Nr.", "Mr."), after single
  initials ("J. Smith"), or after an ordinal/date number ("24. April", "am 3. Mai").
* ``!``/``?`` followed by a closing quote and a comma or lower-case word ("'Stopp!',
  schrieb er") do not end the sentence because no upper-case letter follows.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Sentence", "split_paragraphs", "split_sentences"]


# Not frozen (never mutated, hashable): hundreds are built per article, and a frozen
# dataclass costs three times as much to build.
@dataclass(slots=True, unsafe_hash=True)
class Sentence:
    """One sentence: ``text == article_text[start:end]``."""

    index: int
    paragraph: int
    start: int
    end: int
    text: str


_ABBREVIATIONS = frozenset(
    [
        "z.b",
        "d.h",
        "u.a",
        "o.ä",
        "bzw",
        "ca",
        "dr",
        "prof",
        "nr",
        "st",
        "sog",
        "vgl",
        "ggf",
        "usw",
        "etc",
        "inkl",
        "evtl",
        "mio",
        "mrd",
        "jh",
        "jhd",
        "abs",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "mr",
        "mrs",
        "ms",
        "jr",
        "sr",
        "gen",
        "lt",
        "col",
        "capt",
        "sgt",
        "gov",
        "sen",
        "rep",
        "no",
        "vs",
        "e.g",
        "i.e",
        "approx",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "okt",
        "nov",
        "dec",
        "dez",
        "mt",
        "ft",
        "corp",
        "inc",
        "ltd",
        "co",
    ]
)

# Abbreviations that also end sentences (country names): a sentence starter after them
# ("U.S. The", "U.K. But") begins a new sentence.
_SENTENCE_FINAL_ABBREVIATIONS = frozenset(["u.s", "u.k", "u.n", "e.u"])

_GERMAN_MONTHS = (
    "januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
)

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace,
# and then (look-ahead) opening quotes and an upper-case letter or a digit.
# (``[.!?…][.!?…]*`` is ``[.!?…]+``: an expression that starts with a character class lets the
# regex engine skip in C to the next such character; a group with a repeat does not.)
# The look-ahead cannot make the engine match a shorter boundary instead (whitespace, quotes
# and punctuation cannot start a sentence), so the matches are the candidates that the
# separate check ``_NEXT_STARTS_SENTENCE.match(text, match.end())`` would accept, found
# without a Python step for each candidate it would reject.
_NEXT_STARTS_SENTENCE = re.compile(r"""["'„“«»‘(\[]*[A-ZÄÖÜ0-9]""")
_TERMINALS = ".!?…"
_BOUNDARY_REST = r"""[.!?…]*)(["'“”«»‘’)\]]*)(\s+)(?=""" + _NEXT_STARTS_SENTENCE.pattern + ")"
_BOUNDARY = re.compile(f"([{_TERMINALS}]" + _BOUNDARY_REST)


@functools.cache
def _boundary(terminals: str) -> re.Pattern[str]:
    """``_BOUNDARY`` for a text whose terminal punctuation is among ``terminals``: a boundary
    can only begin with one of them, so the matches are the same. With a single one (often
    just ".") the engine finds the candidates by a fast search for that character, instead of
    testing every character against a set (about ten times the cost)."""
    if len(terminals) == 1:
        return re.compile("(" + re.escape(terminals) + _BOUNDARY_REST)
    return re.compile(f"([{terminals or _TERMINALS}]" + _BOUNDARY_REST)  # (none: no matches)


_WORD_BEFORE = re.compile(r"([\w.]+)$")  # the definition; see _word_before
_RUN = re.compile(r"[\w.]+")
_WORD_AFTER = re.compile(r"\s*[\"'„“«»]*(\w+)")
_SENTENCE_STARTERS = frozenset(
    [
        "der",
        "die",
        "das",
        "dem",
        "den",
        "des",
        "er",
        "sie",
        "es",
        "ein",
        "eine",
        "einer",
        "wir",
        "ich",
        "in",
        "im",
        "am",
        "an",
        "auf",
        "auch",
        "und",
        "aber",
        "doch",
        "nach",
        "bei",
        "bisher",
        "zudem",
        "derweil",
        "dies",
        "diese",
        "dieser",
        "the",
        "a",
        "an",
        "he",
        "she",
        "it",
        "they",
        "we",
        "in",
        "on",
        "at",
        "this",
        "that",
        "these",
        "but",
        "and",
        "after",
        "as",
        "however",
        "meanwhile",
    ]
)
_ORDINAL_DATE_AFTER = re.compile(rf"(?:{_GERMAN_MONTHS})\b", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of non-blank paragraphs, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    result: list[tuple[int, int]] = []
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            result.append((start, end))
    return result


def _word_before(text: str, lo: int, dot_pos: int) -> str | None:
    """``_WORD_BEFORE.search(text, lo, dot_pos).group(1)``: the run of word characters and
    dots that ends at ``dot_pos`` (or, as ``$`` allows, right before a newline there), found by
    matching the reversed window (the search tries every start in the window)."""
    end = dot_pos - 1 if dot_pos > lo and text[dot_pos - 1] == "\n" else dot_pos
    rev = text[lo:end][::-1]
    m = _RUN.match(rev)
    if m is None:
        return None
    return rev[: m.end()][::-1]


_LONGER_THAN_ANY = 1 + max(map(len, _ABBREVIATIONS | _SENTENCE_FINAL_ABBREVIATIONS))


def _is_abbreviation(text: str, dot_pos: int) -> bool:
    """Is the ``.`` at ``dot_pos`` the end of an abbreviation, initial or ordinal number?"""
    # The usual case: a word longer than any abbreviation, without digits or dots, before the
    # dot; none of the checks below can say yes to it.
    if dot_pos >= _LONGER_THAN_ANY and text[dot_pos - _LONGER_THAN_ANY : dot_pos].isalpha():
        return False
    word = _word_before(text, max(0, dot_pos - 30), dot_pos)
    if word is None:
        return False
    word = word.lower().strip(".")
    if not word:
        return False
    if word in _SENTENCE_FINAL_ABBREVIATIONS:  # "... in Washington, U.S. The two leaders"
        nxt_word = _WORD_AFTER.match(text, dot_pos + 1)
        return not (nxt_word and nxt_word.group(1).lower() in _SENTENCE_STARTERS)
    if word in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith", but not "Dienst X. Das"
        nxt_word = _WORD_AFTER.match(text, dot_pos + 1)
        return not (nxt_word and nxt_word.group(1).lower() in _SENTENCE_STARTERS)
    if "." in word and all(len(part) <= 2 for part in word.split(".")):  # "z.B", "U.S"
        return True
    if word.isdigit() and len(word) <= 2:  # "24. April", "am 3. Mai", "der 2. Weltkrieg"
        nxt = text[dot_pos + 1 : dot_pos + 20].lstrip()
        if _ORDINAL_DATE_AFTER.match(nxt) or (nxt[:1].isalpha() and nxt[:1].islower()):
            return True
    return False


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Split ``text`` (or ``text[start:end]``) into sentences, paragraph by paragraph."""
    stop = len(text) if end is None else end
    sentences: list[Sentence] = []
    boundary = _boundary("".join(c for c in _TERMINALS if c in text))
    sub = text[start:stop]
    for para_index, (p_start, p_end) in enumerate(split_paragraphs(sub)):
        p_start += start
        p_end += start
        # No sentence needs trimming or can be empty: the paragraph is trimmed, a boundary
        # match ends in punctuation or a quote and is followed by a non-blank character, and
        # the next one begins after it.
        cursor = p_start
        for match in boundary.finditer(text, p_start, p_end):
            if match.group(1) == "." and _is_abbreviation(text, match.start(1)):
                continue
            sent_end = match.end(2)
            sentences.append(
                Sentence(len(sentences), para_index, cursor, sent_end, text[cursor:sent_end])
            )
            cursor = match.end()
        sentences.append(Sentence(len(sentences), para_index, cursor, p_end, text[cursor:p_end]))
    return sentences
