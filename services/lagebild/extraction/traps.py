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

from lagebild.extraction.lexicon import bitmask_automaton, lower

__all__ = [
    "Trap",
    "cached_gated_search",
    "clause_span",
    "find_trap",
    "first_chars",
    "gated_search",
    "has_any",
    "has_gate_words",
    "register_gates",
    "span_mask",
]

Trap = Literal["historical", "hypothetical", "negated", "conditional", "statistic"]

# ``[,;:()]|\s[-–—]\s|"|„|“|”`` written to start with one character class (the regex engine
# then skips in C to the next candidate; alternatives that start with classes it cannot): the
# character is a break itself, or whitespace that a dash and whitespace follow.
_CLAUSE_BREAK = re.compile(r"[,;:()\"„“”\s](?:(?<=[,;:()\"„“”])|(?<=\s)[-–—]\s)")
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
# Matched with ``match(text, lo, hi)`` at the sentence start (as ``^`` on the sentence alone).
_CONDITIONAL_START = re.compile(
    r"[\"'„“«»\s]*(?:wenn|falls|sollte|sofern|if|unless|should)\b", re.IGNORECASE
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
# The necessary words of the checks above as bits, found in a clause with one scan.
_COND_BIT, _HYP_BIT, _NEG_BIT, _NO_BIT, _NO_OBJ_BIT, _STAT_BIT = 1, 2, 4, 8, 16, 32


def _build_trap_automaton() -> Any:
    return bitmask_automaton(
        (
            (_CONDITIONAL_WORDS, _COND_BIT),
            (_HYPOTHETICAL_WORDS, _HYP_BIT),
            (_NEGATION_WORDS, _NEG_BIT),
            (("no",), _NO_BIT),
            (_NO_OBJECTS, _NO_OBJ_BIT),
            (_STATISTIC_WORDS, _STAT_BIT),
        )
    )


_TRAP_AUTOMATON = _build_trap_automaton()
# Characters that ``re.IGNORECASE`` equates with an ASCII letter although ``str.lower`` does
# not lower them to it (found by testing every code point against [a-zäöüß]).
_FOLD = (("İ", "i"), ("ı", "i"), ("ſ", "s"))


class _TextState:
    """Per-text data shared by all trap checks of one article: the lower-cased copy and the
    clause breaks of each sentence."""

    __slots__ = ("breaks", "fold", "masks", "text", "trap_words")

    def __init__(self, text: str) -> None:
        self.text = text
        fold = lower(text)
        if not fold.isascii():
            for char, ascii_char in _FOLD:
                if char in fold:
                    fold = fold.replace(char, ascii_char)
        self.fold = fold
        self.breaks: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
        # span -> bit mask of the registered word lists (see cached_gated_search) it contains
        self.masks: dict[tuple[int, int], int] = {}
        # clause -> bits of the trap words it contains (see find_trap)
        self.trap_words: dict[tuple[int, int], int] = {}

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


_WORD_AUTOMATA: dict[int, tuple[tuple[str, ...], Any]] = {}


def _automaton(words: tuple[str, ...]) -> Any:
    # Keyed by the tuple's identity (the word lists are module constants; hashing a tuple of
    # strings on every call cost more than the lookup), checked against the tuple itself.
    found = _WORD_AUTOMATA.get(id(words))
    if found is not None and found[0] is words:
        return found[1]
    automaton = ahocorasick.Automaton()
    for w in words:
        automaton.add_word(w, w)
    automaton.make_automaton()
    _WORD_AUTOMATA[id(words)] = (words, automaton)
    return automaton


def has_any(text: str, lo: int, hi: int, words: tuple[str, ...]) -> bool:
    """Does the lower-cased (and folded) ``text[lo:hi]`` contain one of ``words``? (One
    Aho-Corasick pass over the span; the automaton of each word list is built once.)"""
    if hi <= lo:
        return False
    state = _STATE
    if state is None or state.text is not text:
        state = _state(text)
    for _ in _automaton(words).iter(state.fold, lo, hi):
        return True
    return False


def gated_search(
    pattern: re.Pattern[str], words: tuple[str, ...], text: str, lo: int, hi: int
) -> re.Match[str] | None:
    """``pattern.search(text, lo, hi)``, skipped (None) when ``text[lo:hi]`` contains none of
    the expression's necessary ``words`` (every match contains one of them, lower case)."""
    if hi <= lo:
        return None
    state = _STATE
    if state is None or state.text is not text:
        state = _state(text)
    for _ in _automaton(words).iter(state.fold, lo, hi):
        return pattern.search(text, lo, hi)
    return None


# Word lists used with cached_gated_search, each with a bit; one automaton finds the words
# of all of them, so a span (a sentence) is scanned once for every expression checked on it.
# The rule modules register their lists when they are imported (register_gates), so the
# automaton does not change while articles are read (threads may share it).
_GATES: dict[int, tuple[tuple[str, ...], int]] = {}
_GATE_AUTOMATON: Any = None


def register_gates(*word_lists: tuple[str, ...]) -> None:
    """Make ``word_lists`` usable with :func:`cached_gated_search` (call at import time)."""
    global _GATE_AUTOMATON
    for words in word_lists:
        found = _GATES.get(id(words))
        if found is None or found[0] is not words:
            _GATES[id(words)] = (words, 1 << len(_GATES))
    _GATE_AUTOMATON = bitmask_automaton(_GATES.values())
    if _STATE is not None:
        _STATE.masks.clear()  # computed without the new lists


def span_mask(text: str, lo: int, hi: int) -> int:
    """Bits of the registered word lists that ``text[lo:hi]`` (lower-cased) contains."""
    state = _STATE
    if state is None or state.text is not text:
        state = _state(text)
    mask = state.masks.get((lo, hi))
    if mask is None:
        mask = 0
        if hi > lo and _GATE_AUTOMATON is not None:
            for _, bits in _GATE_AUTOMATON.iter(state.fold, lo, hi):
                mask |= bits
        state.masks[(lo, hi)] = mask
    return mask


def has_gate_words(words: tuple[str, ...], text: str, lo: int, hi: int) -> bool:
    """Does the lower-cased ``text[lo:hi]`` contain one of ``words``, a list registered with
    :func:`register_gates`? (Found with the other lists in one scan of the span.)"""
    return bool(span_mask(text, lo, hi) & _GATES[id(words)][1])


def cached_gated_search(
    pattern: re.Pattern[str], words: tuple[str, ...], text: str, lo: int, hi: int
) -> re.Match[str] | None:
    """:func:`gated_search` for spans that several expressions are checked on (sentences):
    the words of all registered lists (:func:`register_gates`) are found in one scan of the
    span, kept per text. An unregistered list is checked as by :func:`gated_search`."""
    found = _GATES.get(id(words))
    if found is None or found[0] is not words:
        return gated_search(pattern, words, text, lo, hi)
    bit = found[1]
    state = _STATE
    mask = None if state is None or state.text is not text else state.masks.get((lo, hi))
    if mask is None:
        mask = span_mask(text, lo, hi)
    if not mask & bit:
        return None
    return pattern.search(text, lo, hi)


def first_chars(pattern: re.Pattern[str], chars: str) -> re.Pattern[str]:
    """``pattern`` behind a look-ahead for ``chars``, the characters its matches can start with
    (same flags, same matches): the engine then gives up at once at every other position,
    instead of trying each alternative there (case-insensitive alternatives are slow)."""
    return re.compile(f"(?=[{chars}])(?:{pattern.pattern})", pattern.flags)


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
    # Which necessary words the clause contains (one scan, kept per clause); the checks below
    # are those of the rules (``w in low`` for each word of a list), as bits.
    words = state.trap_words.get((c_start, c_end))
    if words is None:
        words = 0
        for _, bit in _TRAP_AUTOMATON.iter(state.fold, c_start, c_end):
            words |= bit
        state.trap_words[(c_start, c_end)] = words
    clause: str | None = None
    if _CONDITIONAL_START.match(text, lo, hi):
        return "conditional"
    if words & _COND_BIT or _has_if(text, state.fold, c_start, c_end):
        clause = text[c_start:c_end]
        if _CONDITIONAL_INNER.search(clause):
            return "conditional"
    if not allow_historical and _YEAR_WORDS.search(state.fold, c_start, c_end):
        clause = clause or text[c_start:c_end]
        for m in _YEAR.finditer(clause):
            if int(m.group(1)) < year:
                return "historical"
    if not allow_hypothetical and words & _HYP_BIT:
        clause = clause or text[c_start:c_end]
        if _HYPOTHETICAL.search(clause):
            return "hypothetical"
    if not allow_negation and (words & _NEG_BIT or (words & _NO_BIT and words & _NO_OBJ_BIT)):
        clause = clause or text[c_start:c_end]
        if _NEGATION.search(clause):
            return "negated"
    if words & _STAT_BIT:
        clause = clause or text[c_start:c_end]
        if _STATISTIC.search(clause):
            return "statistic"
    return None
