"""Clause boundaries and the "traps": text that looks like an event but reports none.

A trigger (weapon, casualty verb, meeting verb) is dropped when its clause is

* historical: it names a year before the publication year ("2014 annektierte", "von 2018");
* hypothetical or a threat: "könnte", "würde", "droht", "could", "would", "might", "threatens";
* negated: "nicht", "kein", "niemand", "not", "no one", "never", "didn't";
* conditional: the sentence starts with "Wenn"/"Falls"/"If"/"Unless", or the clause contains
  ", wenn"/" if ";
* a statistic: shares ("ein Fünftel", "Prozent", "Anteil"), refugees, aid volumes.

Reported speech in the German subjunctive ("hätten 41 Drohnen abgeschossen", "seien verletzt
worden") is *not* hypothetical: only the modal verbs above are.

Speed: the regular expressions below define the rules, but most clauses contain none of their
words, and Python's ``re`` tries every position of a clause against every alternative. So each
rule first checks its necessary words (plain ``in`` tests on a lower-cased copy of the text,
made once per text) and runs its expression only when one is present; the clause breaks of a
sentence are found once and reused for every trigger in it. Results are exactly those of the
expressions alone.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any, Literal

import ahocorasick

from lagebild.extraction.lexicon import lower

__all__ = ["Trap", "clause_span", "find_trap", "gated_search", "has_any"]

Trap = Literal["historical", "hypothetical", "negated", "conditional", "statistic"]

_CLAUSE_BREAK = re.compile(r"[,;:()]|\s[-–—]\s|\"|„|“|”")
_YEAR = re.compile(r"(?<![\d.,])(1[89]\d\d|20\d\d)(?![\d.,]\d)")
_HYPOTHETICAL = re.compile(
    r"\b(?:könnte|könnten|würde|würden|wäre|wären|droht|drohte|drohen|androh\w*|"
    r"could|would|might|threaten\w*|threat)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:nicht|kein|keine|keinen|keiner|niemand|nie|niemals|not|never|nobody|none|"
    r"no\s+(?:one|casualties|injuries|deaths|victims|meeting|talks|drones|missiles))\b|n't\b",
    re.IGNORECASE,
)
_CONDITIONAL_START = re.compile(
    r"^[\"'„“«»\s]*(?:wenn|falls|sollte|sofern|if|unless|should)\b", re.IGNORECASE
)
_CONDITIONAL_INNER = re.compile(r",\s*(?:wenn|falls|sofern)\b|\b(?:if|unless)\b", re.IGNORECASE)
_STATISTIC = re.compile(
    r"prozent|percent|%|\b(?:ein|eine|one|a)\s+(?:fünftel|drittel|viertel|hälfte|fifth|third|"
    r"quarter|half)\b|\banteil\w*|\bshare\b|flüchtling\w*|refugee\w*|milliarde\w*|billion|"
    r"hilfspaket\w*|aid package",
    re.IGNORECASE,
)

# Necessary words of each expression, lower case: a clause whose lower-cased copy contains
# none of them cannot match. (Every alternative of the expression contains one of them.)
_YEAR_WORDS = re.compile(r"1[89]\d\d|20\d\d")  # _YEAR without its look-arounds
_HYPOTHETICAL_WORDS = ("könnte", "würde", "wäre", "droh", "could", "would", "might", "threat")
_NEGATION_WORDS = ("nicht", "kein", "nie", "not", "never", "nobody", "none", "n't")
_NO_OBJECTS = ("one", "casualties", "injuries", "deaths", "victims", "meeting", "talks", "drones",
               "missiles")  # fmt: skip
_CONDITIONAL_WORDS = (",", "unless")  # "if" is checked on its own (see _has_if)
_STATISTIC_WORDS = ("prozent", "percent", "%", "fünftel", "drittel", "viertel", "hälfte", "fifth",
                    "third", "quarter", "half", "anteil", "share", "flüchtling", "refugee",
                    "milliarde", "billion", "hilfspaket", "aid package")  # fmt: skip
# Characters that ``re.IGNORECASE`` equates with an ASCII letter although ``str.lower`` does
# not lower them to it (found by testing every code point against [a-zäöüß]).
_FOLD = (("İ", "i"), ("ı", "i"), ("ſ", "s"))


class _TextState:
    """Per-text data shared by all trap checks of one article: the lower-cased copy and the
    clause breaks of each sentence."""

    __slots__ = ("breaks", "fold", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        fold = lower(text)
        if not fold.isascii():
            for char, ascii_char in _FOLD:
                if char in fold:
                    fold = fold.replace(char, ascii_char)
        self.fold = fold
        self.breaks: dict[tuple[int, int], tuple[list[int], list[int]]] = {}

    def sentence_breaks(self, lo: int, hi: int) -> tuple[list[int], list[int]]:
        found = self.breaks.get((lo, hi))
        if found is None:
            starts: list[int] = []
            ends: list[int] = []
            for m in _CLAUSE_BREAK.finditer(self.text, lo, hi):
                starts.append(m.start())
                ends.append(m.end())
            found = self.breaks[(lo, hi)] = (starts, ends)
        return found


_STATE: _TextState | None = None


def _state(text: str) -> _TextState:
    global _STATE
    state = _STATE
    if state is None or state.text is not text:
        state = _STATE = _TextState(text)
    return state


_WORD_AUTOMATA: dict[tuple[str, ...], Any] = {}


def _automaton(words: tuple[str, ...]) -> Any:
    found = _WORD_AUTOMATA.get(words)
    if found is None:
        found = ahocorasick.Automaton()
        for w in words:
            found.add_word(w, w)
        found.make_automaton()
        _WORD_AUTOMATA[words] = found
    return found


def has_any(text: str, lo: int, hi: int, words: tuple[str, ...]) -> bool:
    """Does the lower-cased (and folded) ``text[lo:hi]`` contain one of ``words``? (One
    Aho-Corasick pass over the span; the automaton of each word list is built once.)"""
    if hi <= lo:
        return False
    return next(_automaton(words).iter(_state(text).fold, lo, hi), None) is not None


def gated_search(
    pattern: re.Pattern[str], words: tuple[str, ...], text: str, lo: int, hi: int
) -> re.Match[str] | None:
    """``pattern.search(text, lo, hi)``, skipped (None) when ``text[lo:hi]`` contains none of
    the expression's necessary ``words`` (every match contains one of them, lower case)."""
    if not has_any(text, lo, hi, words):
        return None
    return pattern.search(text, lo, hi)


def _clause_span_scan(text: str, lo: int, hi: int, pos: int) -> tuple[int, int]:
    start = lo
    for m in _CLAUSE_BREAK.finditer(text, lo, pos):
        start = m.end()
    m2 = _CLAUSE_BREAK.search(text, pos, hi)
    end = m2.start() if m2 else hi
    return start, end


def _clause_span(state: _TextState, lo: int, hi: int, pos: int) -> tuple[int, int]:
    if not lo <= pos <= hi:
        return _clause_span_scan(state.text, lo, hi, pos)
    starts, ends = state.sentence_breaks(lo, hi)
    i = bisect_left(starts, pos)  # the first break at or after pos
    if i and ends[i - 1] > pos:  # a break straddles pos: scan as the rule is written
        return _clause_span_scan(state.text, lo, hi, pos)
    return (ends[i - 1] if i else lo), (starts[i] if i < len(starts) else hi)


def clause_span(text: str, lo: int, hi: int, pos: int) -> tuple[int, int]:
    """The clause of ``text[lo:hi]`` that contains ``pos`` (split at , ; : dashes quotes)."""
    return _clause_span(_state(text), lo, hi, pos)


def _has_if(text: str, fold: str, lo: int, hi: int) -> bool:
    """Is there an "if" in ``fold[lo:hi]`` that is not inside a longer word ("Angriff")?"""
    i = fold.find("if", lo, hi)
    while i >= 0:
        before = text[i - 1] if i > lo else " "
        after = text[i + 2] if i + 2 < hi else " "
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            return True
        i = fold.find("if", i + 1, hi)
    return False


def find_trap(
    text: str,
    lo: int,
    hi: int,
    pos: int,
    year: int,
    *,
    allow_hypothetical: bool = False,
    allow_negation: bool = False,
    allow_historical: bool = False,
) -> Trap | None:
    """Why the trigger at ``pos`` in sentence ``text[lo:hi]`` reports no event (None if it does)."""
    state = _state(text)
    c_start, c_end = _clause_span(state, lo, hi, pos)
    low = state.fold[c_start:c_end]
    clause: str | None = None
    if _CONDITIONAL_START.match(text[lo:hi]):
        return "conditional"
    if any(w in low for w in _CONDITIONAL_WORDS) or _has_if(text, state.fold, c_start, c_end):
        clause = text[c_start:c_end]
        if _CONDITIONAL_INNER.search(clause):
            return "conditional"
    if not allow_historical and _YEAR_WORDS.search(low):
        clause = clause or text[c_start:c_end]
        for m in _YEAR.finditer(clause):
            if int(m.group(1)) < year:
                return "historical"
    if not allow_hypothetical and any(w in low for w in _HYPOTHETICAL_WORDS):
        clause = clause or text[c_start:c_end]
        if _HYPOTHETICAL.search(clause):
            return "hypothetical"
    if not allow_negation and (
        any(w in low for w in _NEGATION_WORDS)
        or ("no" in low and any(w in low for w in _NO_OBJECTS))
    ):
        clause = clause or text[c_start:c_end]
        if _NEGATION.search(clause):
            return "negated"
    if any(w in low for w in _STATISTIC_WORDS):
        clause = clause or text[c_start:c_end]
        if _STATISTIC.search(clause):
            return "statistic"
    return None
