"""Weapon lexicon (German/English) and the verbs that say what happened to a counted weapon.

``find_weapons`` returns weapon mentions with their :class:`WeaponClass` and, where a model is
named ("Shahed", "Kh-101", "Iskander-M", "KN-23"), the model. ``count_role`` classifies the
clause around a number: launched, shot down, diverted (lost to electronic warfare) or hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from lagebild.models.events import WeaponClass

__all__ = [
    "CountRole",
    "WeaponMention",
    "count_role",
    "find_weapons",
    "generic_class",
    "is_compatible",
]

CountRole = Literal["launched", "shot_down", "diverted", "hit"]

# (regex, class, model). Order matters: earlier alternatives win at the same position.
# ``None`` as class means "a word that looks like a weapon but is not one" (air defence).
_LEXICON: list[tuple[str, WeaponClass | None, str | None]] = [
    (r"\w*abwehr\w*|air[- ]defen[cs]e\w*|anti-aircraft|interceptor\w*|abfangdrohn\w*|"
     r"abfangrakete\w*", None, None),
    (r"shahed(?:-1[34]6)?s?|schahed\w*", WeaponClass.DRONE, "Shahed"),
    (r"geran(?:-2)?s?", WeaponClass.DRONE, "Geran-2"),
    (r"lancet\w*", WeaponClass.DRONE, "Lancet"),
    (r"\w*drohn(?:e|en)\w*|drones?|uavs?|unmanned aerial vehicles?", WeaponClass.DRONE, None),
    (r"[kc]h-101", WeaponClass.CRUISE_MISSILE, "Kh-101"),
    (r"[kc]h-555", WeaponClass.CRUISE_MISSILE, "Kh-555"),
    (r"[kc]h-59\w*", WeaponClass.CRUISE_MISSILE, "Kh-59"),
    (r"[kc]h-22", WeaponClass.CRUISE_MISSILE, "Kh-22"),
    (r"kalibr\w*", WeaponClass.CRUISE_MISSILE, "Kalibr"),
    (r"storm shadow|scalp(?:-eg)?", WeaponClass.CRUISE_MISSILE, "Storm Shadow"),
    (r"taurus", WeaponClass.CRUISE_MISSILE, "Taurus"),
    (r"tomahawks?", WeaponClass.CRUISE_MISSILE, "Tomahawk"),
    (r"neptun(?:e)?(?:-\w+)?", WeaponClass.CRUISE_MISSILE, "Neptune"),
    (r"zirkon|zircon|tsirkon", WeaponClass.CRUISE_MISSILE, "Zircon"),
    (r"\w*marschflugkörper\w*|cruise missiles?", WeaponClass.CRUISE_MISSILE, None),
    (r"iskander(?:-[mk])?", WeaponClass.BALLISTIC_MISSILE, "Iskander-M"),
    (r"kn-2[34]", WeaponClass.BALLISTIC_MISSILE, "KN-23"),
    (r"kin[sz]c?hal\w*|kinzhal\w*|[kc]h-47\w*", WeaponClass.BALLISTIC_MISSILE, "Kinzhal"),
    (r"atacms", WeaponClass.BALLISTIC_MISSILE, "ATACMS"),
    (r"ores?c?hnik\w*", WeaponClass.BALLISTIC_MISSILE, "Oreshnik"),
    (
        r"ballistische[nr]?\s+(?:\w+\s+)?raketen?|ballistic\s+missiles?|ballistic|"
        r"hyperschallraketen?|hypersonic missiles?",
        WeaponClass.BALLISTIC_MISSILE,
        None,
    ),
    (
        r"\w*(?:mehrfach)?raketenwerfer\w*|multiple[- ]rocket launchers?|mlrs|grad|uragan|"
        r"smer[cs]c?h|himars",
        WeaponClass.ROCKET_ARTILLERY,
        None,
    ),
    (r"\w*gleitbombe\w*|\w*lenkbombe\w*|glide bombs?|guided (?:aerial )?bombs?|kabs?",
     WeaponClass.GLIDE_BOMB, None),
    (r"\w*raketen?\w*|missiles?|rockets?", WeaponClass.MISSILE, None),
    (r"\w*artillerie\w*|artillery|\w*beschuss|beschossen|beschoss|shelling|shelled",
     WeaponClass.ARTILLERY, None),
    (r"\w*luftangriff\w*|luftschl[äa]ge?n?|air[- ]?strikes?|air attacks?|aerial attacks?|"
     r"bombardierung\w*|bombing", WeaponClass.AIR_STRIKE, None),
    (r"\w*bodenangriff\w*|\w*sturmangriff\w*|\w*bodenoffensive\w*|infanterieangriff\w*|"
     r"ground (?:assaults?|attacks?|offensives?)|assaults?|storming|gefechte?n?|"
     r"kampfhandlungen|(?:combat )?clashes|combat engagements", WeaponClass.GROUND_ASSAULT,
     None),
]  # fmt: skip

_WEAPON_RE = re.compile(  # full-matched against one lower-cased token or short phrase
    "|".join(f"(?P<w{i}>{pat})" for i, (pat, _, _) in enumerate(_LEXICON))
)
_NORTH_KOREAN = re.compile(r"nordkorean\w*|north korean|in nordkorea|in north korea", re.I)
_TOKEN = re.compile(r"[^\W_][\w]*(?:-\w+)*")
# First words of multi-word terms ("cruise missiles", "ballistische Raketen", "air strike").
_MODIFIERS = frozenset(
    [
        "cruise",
        "ballistic",
        "ballistische",
        "ballistischen",
        "ballistischer",
        "glide",
        "guided",
        "air",
        "aerial",
        "ground",
        "multiple",
        "multiple-rocket",
        "unmanned",
        "hypersonic",
        "shot",
        "storm",
    ]
)


# Not frozen (never mutated, hashable): hundreds are built per article, and a frozen
# dataclass costs three times as much to build.
@dataclass(slots=True, unsafe_hash=True)
class WeaponMention:
    start: int
    end: int
    weapon_class: WeaponClass
    model: str | None


_Class = tuple[WeaponClass | None, str | None] | None


@lru_cache(maxsize=8192)
def _classify(term: str) -> _Class:
    """(class, model) of a lower-cased token or phrase; (None, None) for air defence."""
    m = _WEAPON_RE.fullmatch(term)
    if m is None:
        if "-" in term and term[:2] not in {"kh", "ch", "kn"}:
            parts = [_classify(p) for p in term.split("-")]
            found = [p for p in parts if p is not None]
            if any(p[0] is None for p in found):
                return None, None
            found = [p for p in found if p[0] is not None]
            if found:
                with_model = [p for p in found if p[1]]
                return with_model[0] if with_model else found[-1]
        return None
    _, cls, model = _LEXICON[int((m.lastgroup or "w0")[1:])]
    return cls, model


def find_weapons(text: str, start: int = 0, end: int | None = None) -> list[WeaponMention]:
    """Weapon mentions in ``text[start:end]`` (air-defence words are skipped)."""
    stop = len(text) if end is None else end
    matches = list(_TOKEN.finditer(text, start, stop))
    words = [m.group().lower() for m in matches]
    # Only tokens that classify or open a multi-word term need a look (same walk as over all
    # tokens: the others yield nothing and advance by one).
    candidates = [
        i
        for i, (word, cls) in enumerate(zip(words, map(_classify, words), strict=True))
        if cls is not None or word in _MODIFIERS
    ]
    out: list[WeaponMention] = []
    n_tokens = len(words)
    i = 0
    for c in candidates:
        if c < i:  # inside a multi-word term already read
            continue
        i = c
        word = words[i]
        t_start = matches[i].start()
        result: _Class = None
        span_end = matches[i].end()
        if word in _MODIFIERS:
            for n in (3, 2):
                if i + n <= n_tokens:
                    phrase = " ".join(words[i : i + n])
                    result = _classify(phrase)
                    if result is not None:
                        span_end = matches[i + n - 1].end()
                        i += n - 1
                        break
        if result is None:
            result = _classify(word)
        i += 1
        if result is None or result[0] is None:
            continue
        cls, model = result
        assert cls is not None
        if (
            cls is WeaponClass.BALLISTIC_MISSILE
            and model is None
            and _NORTH_KOREAN.search(text, span_end, min(stop, span_end + 40))
        ):
            model = "North Korean ballistic missile"
        out.append(WeaponMention(t_start, span_end, cls, model))
    return out


_ROLE_PATTERNS: list[tuple[CountRole, re.Pattern[str]]] = [
    (
        "diverted",
        re.compile(
            r"lokal verloren|lokalisiert verloren|umgeleitet|elektronisch\w* (?:störmanöver|"
            r"kampfführung|abwehr|gegenmaßnahmen|störung)|\bverloren\b|"
            r"electronic warfare|\bew\b|locationally lost|lost (?:to|due to|from) |"
            r"\blost\b|suppressed|jammed|diverted|redirected|vom radar verschw\w*|"
            r"verschw\w* vom radar|disappeared from (?:the )?radar",
            re.IGNORECASE,
        ),
    ),
    (
        "shot_down",
        re.compile(
            r"abgeschossen|abgefangen|neutralisiert|zerstört|unschädlich|vom himmel geholt|"
            r"schoss(?:en)?\b[^,.;]*\bab\b|"
            r"shot down|intercepted|downed|destroyed|neutrali[sz]ed",
            re.IGNORECASE,
        ),
    ),
    (
        "hit",
        re.compile(
            r"eingeschlagen|einschl\w*|schlug\w*\b[^,.;]*?\bein\b|\bschlug(?:en)?\s*$|getroffen|"
            r"\btrafen?\b|"
            r"hit (?:their )?targets?|\bhit\b|struck|impacts?\b|slammed into|crashed into",
            re.IGNORECASE,
        ),
    ),
    (
        "launched",
        re.compile(
            r"angegriffen|griffe?n?\b.*\ban\b|gestartet|startete|abgefeuert|feuerte|eingesetzt|"
            r"setzte|schickte|attackiert|launched|fired|attacked|used|sent|deployed",
            re.IGNORECASE,
        ),
    ),
]


# Necessary words of each role expression (lower case): a clause whose lower-cased copy
# contains none of them cannot match it, so the expression is not run (same results, faster).
_ROLE_WORDS: dict[CountRole, tuple[str, ...]] = {
    "diverted": ("verloren", "umgeleitet", "elektronisch", "electronic warfare", "ew", "lost",
                 "suppressed", "jammed", "diverted", "redirected", "radar"),
    "shot_down": ("abgeschossen", "abgefangen", "neutrali", "zerstört", "unschädlich",
                  "himmel geholt", "schoss", "shot down", "intercepted", "downed", "destroyed"),
    "hit": ("eingeschlagen", "einschl", "schlug", "getroffen", "traf", "hit", "struck", "impact",
            "slammed into", "crashed into"),
    "launched": ("angegriffen", "griff", "gestartet", "startete", "abgefeuert", "feuerte",
                 "eingesetzt", "setzte", "schickte", "attackiert", "launched", "fired",
                 "attacked", "used", "sent", "deployed"),
}  # fmt: skip
_GATED_ROLES = [(role, pattern, _ROLE_WORDS[role]) for role, pattern in _ROLE_PATTERNS]
# Characters that re.IGNORECASE equates with an ASCII letter but str.lower does not lower to
# it (see traps._FOLD): clauses with one of them run every expression.
_FOLD_CHARS = ("İ", "ı", "ſ")


@lru_cache(maxsize=8192)
def count_role(clause: str) -> CountRole | None:
    """What the clause says happened to the counted weapons (None if it does not say)."""
    low = clause.lower()
    if not clause.isascii() and any(c in clause for c in _FOLD_CHARS):
        found = [role for role, pattern in _ROLE_PATTERNS if pattern.search(clause)]
    else:
        found = [
            role
            for role, pattern, words in _GATED_ROLES
            if any(w in low for w in words) and pattern.search(clause)
        ]
    if not found:
        return None
    if len(found) > 1 and _EITHER.search(clause) and {"shot_down", "diverted"} <= set(found):
        return None  # "abgeschossen oder ... gestoppt": one figure for both
    return found[0]


_EITHER = re.compile(r"\b(?:oder|or)\b", re.IGNORECASE)


def generic_class(cls: WeaponClass) -> bool:
    """Umbrella classes that a later, more specific mention may refer to."""
    return cls in {WeaponClass.AIR_STRIKE, WeaponClass.MISSILE}


_AIR = {
    WeaponClass.DRONE,
    WeaponClass.CRUISE_MISSILE,
    WeaponClass.BALLISTIC_MISSILE,
    WeaponClass.MISSILE,
    WeaponClass.GLIDE_BOMB,
    WeaponClass.AIR_STRIKE,
}
_MISSILES = {WeaponClass.CRUISE_MISSILE, WeaponClass.BALLISTIC_MISSILE, WeaponClass.MISSILE}


def is_compatible(existing: WeaponClass, mention: WeaponClass) -> bool:
    """May a figure-less mention of ``mention`` refer to an attack of class ``existing``?"""
    if existing is mention:
        return True
    if existing is WeaponClass.AIR_STRIKE or mention is WeaponClass.AIR_STRIKE:
        return existing in _AIR and mention in _AIR
    if WeaponClass.MISSILE in (existing, mention):
        return existing in _MISSILES and mention in _MISSILES
    return False
