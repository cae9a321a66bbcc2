"""One Aho-Corasick pass over the lower-cased text tells which sentences need which rules.

Each keyword stem belongs to one or more categories (weapon, casualty, meeting, date,
follow-up cue). The event rules run their (slower) regular expressions only on sentences
whose category bit is set. Stems are substrings (multi-word terms are listed word by word),
so false positives cost only time.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

import ahocorasick

__all__ = ["CASUALTY", "DATE", "FOLLOW_UP", "MEETING", "WEAPON", "categories", "lower"]

WEAPON = 1
CASUALTY = 2
MEETING = 4
DATE = 8
FOLLOW_UP = 16
ALL = WEAPON | CASUALTY | MEETING | DATE | FOLLOW_UP

_STEMS: dict[int, str] = {
    WEAPON: """
        drohn drone uav unmanned shahed schahed geran lancet kh- ch- kalibr marschflug cruise
        iskander kn-2 kinschal kinzhal kinshal ballisti hyperschall hypersonic rakete missile
        rocket grad uragan smer himars mlrs gleitbomb lenkbomb glide guided kab artiller
        beschuss beschoss shelling shelled luftangriff luftschl air strike airstrike air attack
        aerial bombard bombing bodenangriff sturmangriff bodenoffensive infanterieangriff
        ground assault storming gefecht kampfhandlung clash engagement atacms storm shadow
        scalp taurus tomahawk neptun zirkon zircon oreshnik oreschnik
    """,
    CASUALTY: """
        getötet tot todesopfer gestorben starben ums leben leben verloren killed killing dead
        died death fatalit verletzt verwundet injur wounded hurt starb wound verletzung
    """,
    MEETING: """
        telefon phone call video treffen getroffen traf zusammengekommen empfing empfangen zusammen
        met meet talks gespräch unterredung begegnung hosted
    """,
    DATE: """
        montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag monday tuesday
        wednesday thursday friday saturday sunday januar jänner februar märz april mai juni
        juli august september oktober november dezember january february march may june july
        october december jan feb mar apr jun jul aug sep oct okt nov dec dez nacht night
        vortag zuvor davor before previous gestern heute yesterday today tonight overnight
        morning morgen tomorrow woche week -0 -1
    """,
    FOLLOW_UP: """
        schäden schaden beschädigt zerstört getroffen eingeschlagen brände damage destroyed
        hit struck fire front abschnitt richtung voranzukommen vorzurücken vorgerückt vorstoß
        sector direction advance axis abgewehrt zurückgeschlagen abgeschlagen wehrte repelled
        repulsed fended beat back thwarted luftwaffe air force generalstab general staff
    """,
}


def bitmask_automaton(groups: Iterable[tuple[Iterable[str], int]]) -> ahocorasick.Automaton:
    """An Aho-Corasick automaton whose value for each word is the OR of its groups' bits."""
    masks: dict[str, int] = {}
    for words, bit in groups:
        for w in words:
            masks[w] = masks.get(w, 0) | bit
    automaton = ahocorasick.Automaton()
    for w, mask in masks.items():
        automaton.add_word(w, mask)
    automaton.make_automaton()
    return automaton


def _build() -> ahocorasick.Automaton:
    return bitmask_automaton((words.split(), cat) for cat, words in _STEMS.items())


_AUTOMATON = _build()


def lower(text: str) -> str:
    """``text.lower()`` with the same length, so offsets stay valid ("İ" is left as it is)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def categories(text: str, starts: list[int]) -> list[int]:
    """Category bits for each sentence; ``starts`` are the sentence start offsets (sorted)."""
    low = lower(text)
    out = [0] * len(starts)
    if not starts:
        return out
    for end, cat in _AUTOMATON.iter(low):
        i = bisect_right(starts, end) - 1
        if i >= 0:
            out[i] |= cat
    return out
