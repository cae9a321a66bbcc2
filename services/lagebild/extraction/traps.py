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
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["Trap", "clause_span", "find_trap"]

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


def clause_span(text: str, lo: int, hi: int, pos: int) -> tuple[int, int]:
    """The clause of ``text[lo:hi]`` that contains ``pos`` (split at , ; : dashes quotes)."""
    start = lo
    for m in _CLAUSE_BREAK.finditer(text, lo, pos):
        start = m.end()
    m2 = _CLAUSE_BREAK.search(text, pos, hi)
    end = m2.start() if m2 else hi
    return start, end


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
    c_start, c_end = clause_span(text, lo, hi, pos)
    clause = text[c_start:c_end]
    sentence = text[lo:hi]
    if _CONDITIONAL_START.match(sentence) or _CONDITIONAL_INNER.search(clause):
        return "conditional"
    if not allow_historical:
        for m in _YEAR.finditer(clause):
            if int(m.group(1)) < year:
                return "historical"
    if not allow_hypothetical and _HYPOTHETICAL.search(clause):
        return "hypothetical"
    if not allow_negation and _NEGATION.search(clause):
        return "negated"
    if _STATISTIC.search(clause):
        return "statistic"
    return None
