"""Attack rules: weapon mentions + counts + places → attack drafts → merged incidents.

1. A weapon mention makes (or feeds) an attack draft when it is counted ("103 Drohnen"), is an
   event noun itself ("Luftangriffe", "shelling", "Bodenangriffe") or stands in a clause with
   an attack verb ("setzte ... ein", "launched"). Mentions in trapped clauses (history,
   hypotheticals, negation, conditionals, statistics) are skipped.
2. A count's role comes from its clause: launched, shot down, diverted (electronic warfare) or
   hit. Counts of the same weapon class in one paragraph on one day are one attack: shot-down
   and diverted drones are never an attack of their own. A bare "97 were shot down" joins the
   paragraph's attack that launched at least as many.
3. Later sentences of the paragraph add places on a damage cue ("Schäden", "damage") or, for
   ground assaults, a front cue ("Front-Abschnitt Pokrowsk", "direction"), and the outcome
   ("abgewehrt", "repelled").
4. A draft without figures and places ("ihre massiven Luftangriffe am Donnerstag", "setzte
   dabei eine ballistische Rakete ein") refers to an attack already reported for that day with
   a compatible weapon class and is merged into it (its weapon model is kept). A count of one
   read from an indefinite article ("eine Rakete") does not make a draft stand on its own.
   A draft with only shot-down or diverted figures ("87 Drohnen abgefangen" in a later
   paragraph) completes the earlier attack of the same class and day.
5. Not attacks: weapons in a sentence about supplies, aid, production or stocks ("sagte ...
   100 Drohnen zu", "produziert 2700 Drohnen im Monat"), habitual statements ("fast täglich
   beschossen"), mentions after a warning or preparation verb ("warnte, Russland bereite einen
   Raketenangriff vor"), sentences that open with a past year.
6. Places: those in the weapon's clause, continued through an enumeration ("über den Gebieten
   Brjansk, Kursk und Belgorod") and a "darunter"/"including" clause, and those in a clause of
   the same sentence with a damage cue ("damaging port infrastructure in Izmail"); for ground
   assaults every place of the sentence (front sectors: "die meisten im Abschnitt Pokrowsk").
   A place right after another place and "am"/"on the" is a river ("Nikopol am Dnipro").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from lagebild.extraction.common import incident_date, places_in, region_mentions
from lagebild.extraction.dates import opens_with_past_year
from lagebild.extraction.document import Document, SentenceView
from lagebild.extraction.lexicon import FOLLOW_UP, WEAPON
from lagebild.extraction.numbers import NumberMatch, figure, find_article_ones, find_numbers
from lagebild.extraction.places import PlaceEntry, PlaceMatch
from lagebild.extraction.traps import (
    cached_gated_search,
    clause_span,
    find_trap,
    first_chars,
    gated_search,
    register_gates,
)
from lagebild.extraction.weapons import (
    CountRole,
    WeaponMention,
    count_role,
    find_weapons,
    is_compatible,
)
from lagebild.models.events import Figure, WeaponClass

__all__ = ["AttackDraft", "extract_attacks"]

Outcome = Literal["repelled", "hit", "unknown"]


@dataclass(slots=True)
class AttackDraft:
    weapon_class: WeaponClass
    date: dt.date
    paragraph: int
    views: list[SentenceView] = field(default_factory=list)
    places: list[PlaceEntry] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    figures: dict[CountRole, Figure] = field(default_factory=dict)
    outcome: Outcome | None = None
    reported_by: str | None = None
    attacker: str = "RU"
    target: str = "UA"
    explicit_date: bool = False
    merged: bool = False
    article_figures: set[CountRole] = field(default_factory=set)  # "eine Rakete": one

    @property
    def strong(self) -> bool:
        return bool(set(self.figures) - self.article_figures or self.places or self.regions)

    def has_view(self, view: SentenceView) -> bool:
        return any(v.start == view.start for v in self.views)

    def add_view(self, view: SentenceView) -> None:
        if not self.has_view(view):
            self.views.append(view)

    def add_place(self, entry: PlaceEntry, region_only: bool) -> None:
        new = all(p.name != entry.name for p in self.places)
        if not region_only and entry.kind in {"city", "landmark"} and new:
            self.places.append(entry)
        if entry.region and entry.region not in self.regions:
            self.regions.append(entry.region)


_EVENT_NOUN = re.compile(
    r"angriff|strike|attack|beschuss|beschoss|shelling|shelled|bombard|bombing|assault|sturm|"
    r"offensive|luftschl",
    re.IGNORECASE,
)
_PREDICATE = re.compile(
    r"\b(?:angegriffen|griff\w*|attackiert\w*|gestartet|startete\w*|abgefeuert|feuerte\w*|"
    r"eingesetzt|setzte\w*|schlug\w*|eingeschlagen|beschossen|beschoss|abgeschossen|abgefangen|"
    r"umgeleitet|zerstört|abgeworfen|warf\w*|getroffen|trafen?|launched|fired|attacked|struck|"
    r"targeted|hit|used|shot down|intercepted|downed|destroyed|dropped|pounded|shelled|"
    r"bombarded|bombed)\b",
    re.IGNORECASE,
)
# A weapon named as the means of an attack: "Drohnenangriff" is an event noun itself,
# "missile strike", "drone attack" and "Angriff mit Kamikazedrohnen" are events too.
_EVENT_AFTER = re.compile(
    r"\s*-?\s*(?:strikes?|attacks?|assaults?|barrages?|salvos?|angriff\w*|attacke\w*)\b",
    re.IGNORECASE,
)
_EVENT_BEFORE = re.compile(
    r"\b(?:angriff\w*|attacke\w*|beschuss|attacks?|strikes?|assaults?|bombardment)\s+"
    r"(?:mit|durch|von|with|by|using|of)\s+(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
# Nouns after an indefinite article that make it a count of one weapon ("eine Rakete",
# "a hypersonic Kinzhal missile"), not an event noun ("ein Raketenangriff", "a drone attack").
_ONE_GAP = re.compile(r"^\s+(?:[\w-]+\s+){0,2}$")
_ONE_GAP_STOP = re.compile(
    r"\b(?:for|of|with|by|from|against|on|at|mit|für|von|aus|auf|gegen|über|der|die|das|the)\b",
    re.IGNORECASE,
)
_PLURAL = re.compile(r"(?:drohnen|raketen|bomben|drones|missiles|rockets|bombs|uavs)$", re.I)
_MODEL_OF_TYPE = re.compile(r"^\s*(?:vom typ|des typs|der marke|of the type|type)\s+$", re.I)
_NO_CASUALTIES = re.compile(
    r"\b(?:no (?:casualties|injuries|deaths|victims|one)|keine (?:verletzten|toten|opfer)|"
    r"niemand)\b",
    re.IGNORECASE,
)
_ANY_NEGATION = re.compile(
    r"\b(?:nicht|kein\w*|niemand|nie|niemals|not|never|no|none)\b|n't\b", re.IGNORECASE
)
# "alle Drohnen", "beide Marschflugkörper", "all four missiles": as many as were launched.
_ALL_BEFORE = re.compile(
    r"\b(?:alle|sämtliche|all|every)\s+(?:der\s+|the\s+|of the\s+)?$", re.IGNORECASE
)
_ALL_ALONE = re.compile(r"\b(?:alle|sämtliche|all)\b(?=\s+(?:\w+\s+){0,2}?(?:wurden|seien|"
                        r"were|was|have|had|abgeschossen|shot|intercepted|destroyed))",
                        re.IGNORECASE)  # fmt: skip
# Sentences that speak of weapons without reporting an attack.
_NOT_AN_ATTACK = re.compile(
    r"\b(?:lieferung\w*|liefer[nt]\w*|geliefert|zugesagt|militärhilfe|hilfspaket\w*|"
    r"im (?:umfang|wert) von|produziert\w*|produzier\w*|herstell\w*|verfügt\w* über|"
    r"bestände\w*|pro (?:monat|tag|woche|brigade)|im monat|deliver\w*|suppl(?:y|ies|ied)|"
    r"aid package|package|worth|produces|producing|produced|manufactur\w*|stockpile\w*|"
    r"inventory|a (?:month|week)|per (?:month|day|week)|sanktion\w*|sanction\w*)\b",
    re.IGNORECASE,
)
_RUNNING_TOTAL = re.compile(
    r"\b(?:seit (?:dem )?(?:beginn|anfang|ausbruch) (?:des|der) (?:\w+ )?"
    r"(?:krieges|kriegs|invasion)|"
    r"seit kriegsbeginn|seit (?:februar )?2022|since the (?:start|beginning|outbreak) of|"
    r"since (?:february )?2022|so far this (?:year|month))\b",
    re.IGNORECASE,
)
_OF_THEM = re.compile(r"\s+(?:of them|davon|von ihnen)\b", re.IGNORECASE)
_HABITUAL = re.compile(
    r"\b(?:täglich|tagtäglich|immer wieder|regelmäßig|ständig|seither|daily|every day|"
    r"regularly|routinely|repeatedly|constantly|ever since)\b",
    re.IGNORECASE,
)
_WARNING = re.compile(
    r"\b(?:warnte?|warnt|warned|warns|warning|befürchte\w*|fears?|feared|bereite\w*|vorbereit\w*|"
    r"prepar\w+|plan(?:s|t|en)?|planned|planning|ankündig\w*|kündigte?)\b",
    re.IGNORECASE,
)
_SHELLING_VERB = re.compile(r"beschossen|beschoss|shelled|shell", re.IGNORECASE)
_INCLUDING_CLAUSE = re.compile(
    r"^\s*,\s*(?:darunter|insbesondere|vor allem|including|among them|notably)\b[^,;]*$",
    re.IGNORECASE,
)
_RIVER_AFTER_PLACE = re.compile(r"^\s+(?:am|an der|on the)\s+$", re.IGNORECASE)
_ENUM_GAP = re.compile(
    r"^\s*(?:,|und|and|sowie|oder|or)\s*(?:(?:die|der|den|the)\s+)?$", re.IGNORECASE
)
_INCLUDING = re.compile(
    r"^\s*(?:darunter|insbesondere|vor allem|including|among them|notably)\b", re.IGNORECASE
)
_COUNT_GAP = re.compile(r"^(?:\s+|\s*-\s*)(?:[\w-]+\s+){0,2}$")
_PERSON_NOUN = re.compile(
    r"^\s+(?:\w+\s+)?(?:menschen|personen|zivilisten|tote|verletzte|kinder|soldaten|people|"
    r"persons|civilians|children|soldiers|dead|injured|wounded|leben|lives)\b",
    re.IGNORECASE,
)
# ``[,;]|\s(?:und|and|sowie|while|während)\s|\d``, starting with one character class (see
# traps._CLAUSE_BREAK).
_ROLE_STOP = re.compile(r"[,;\s\d](?:(?<=[,;\d])|(?<=\s)(?:und|and|sowie|while|während)\s)")
_OF_TOTAL = re.compile(r"^\s*(?:of|von|out of|aus)\s*$", re.IGNORECASE)
_DAMAGE_CUE = re.compile(
    r"schäden|schaden|beschädigt|zerstört|getroffen|eingeschlagen|brände|damag\w*|destroyed|"
    r"\bhit\b|struck|fires?\b",
    re.IGNORECASE,
)
_FRONT_CUE = re.compile(
    r"front|abschnitt|richtung|voranzukommen|vorzurücken|vorgerückt|vorstoß|sector|direction|"
    r"advance|axis",
    re.IGNORECASE,
)
_REPELLED = re.compile(
    r"abgewehrt|zurückgeschlagen|abgeschlagen|wehrte\w* \w+ ab|repelled|repulsed|fended off|"
    r"beat back|thwarted",
    re.IGNORECASE,
)
_UA_ATTACKER = re.compile(
    r"ukrainisch\w*\s+\w*(?:drohnen|raketen|streitkräfte|armee|truppen|angriff\w*|militär)|"
    r"ukrain(?:e|ian|e's)\s+(?:\w+\s+)?(?:drones|missiles|forces|army|military|navy|launched|"
    r"attacked|struck)|"
    r"\bkyiv\s+(?:launched|struck)|die ukraine (?:griff|hat|attackierte|beschoss)",
    re.IGNORECASE,
)
_RU_ATTACKER = re.compile(
    r"russisch\w*\s+(?:streitkräfte|armee|truppen|militär|drohnen|raketen|angriff\w*)|"
    r"\brussland\b|\brussia\b|\brussian\b|\bmoskau\b|\bmoscow\b",
    re.IGNORECASE,
)
_REPORTERS: list[tuple[re.Pattern[str], str, str]] = [
    # (pattern, name if the target is Ukraine, name if the target is Russia); the attacker's
    # own air force ("die russische Luftwaffe warf ... ab") reports nothing.
    (re.compile(r"(?<!russische )(?<!russischen )(?<!russian )(?:luftwaffe|air force)", re.I),
     "Ukrainian Air Force", "Russian Ministry of Defence"),
    (re.compile(r"generalstab|general staff", re.I), "Ukrainian General Staff",
     "Russian General Staff"),
    (re.compile(r"verteidigungsministerium|defen[cs]e ministry|ministry of defen[cs]e", re.I),
     "Ukrainian Ministry of Defence", "Russian Ministry of Defence"),
]  # fmt: skip

# The characters their matches start with (upper or lower case, as the expressions): a
# look-ahead for them makes the search skip other positions at once (same matches).
_PREDICATE = first_chars(_PREDICATE, "abdefghilpstuwz")
_REPELLED = first_chars(_REPELLED, "abfrtwz")
_UA_ATTACKER = first_chars(_UA_ATTACKER, "dku")
_RU_ATTACKER = first_chars(_RU_ATTACKER, "mr")

# Necessary words (lower case) of the expressions above: a text span that contains none of
# them cannot match, so the expression is not run there (see traps.gated_search).
_PREDICATE_WORDS = ("angegriffen", "griff", "attackiert", "gestartet", "startete", "abgefeuert",
                    "feuerte", "eingesetzt", "setzte", "schlug", "eingeschlagen", "beschoss",
                    "abgeschossen", "abgefangen", "umgeleitet", "zerstört", "abgeworfen", "warf",
                    "getroffen", "traf", "launched", "fired", "attacked", "struck", "targeted",
                    "hit", "used", "shot down", "intercepted", "downed", "destroyed", "dropped",
                    "pounded", "shelled", "bombarded", "bombed")  # fmt: skip
_NOT_AN_ATTACK_WORDS = ("liefer", "zugesagt", "militärhilfe", "hilfspaket", "im umfang von",
                        "im wert von", "produz", "herstell", "verfügt", "bestände", "pro monat",
                        "pro tag", "pro woche", "pro brigade", "im monat", "deliver", "suppl",
                        "package", "worth", "produc", "manufactur", "stockpile", "inventory",
                        "a month", "a week", "per month", "per day", "per week", "sanktion",
                        "sanction")  # fmt: skip
_RUNNING_TOTAL_WORDS = ("seit", "since", "so far this")
_HABITUAL_WORDS = ("täglich", "immer wieder", "regelmäßig", "ständig", "seither", "daily",
                   "every day", "regularly", "routinely", "repeatedly", "constantly",
                   "ever since")  # fmt: skip
_WARNING_WORDS = ("warn", "befürchte", "fear", "bereite", "vorbereit", "prepar", "plan", "kündig")
_DAMAGE_WORDS = ("schäden", "schaden", "beschädigt", "zerstört", "getroffen", "eingeschlagen",
                 "brände", "damag", "destroyed", "hit", "struck", "fire")  # fmt: skip
_STRONG_DAMAGE_WORDS = ("schäden", "beschädigt", "zerstört", "trümmer", "brände", "in brand",
                        "damag", "destroyed", "debris", "fire")  # fmt: skip
_FRONT_WORDS = ("front", "abschnitt", "richtung", "voranzukommen", "vorzurücken", "vorgerückt",
                "vorstoß", "sector", "direction", "advance", "axis")  # fmt: skip
_REPELLED_WORDS = ("abgewehrt", "zurückgeschlagen", "abgeschlagen", "wehrte", "repelled",
                   "repulsed", "fended off", "beat back", "thwarted")  # fmt: skip
_ALL_WORDS = ("all", "sämtliche")  # of _ALL_ALONE
_UA_ATTACKER_WORDS = ("ukrain", "kyiv")
_RU_ATTACKER_WORDS = ("russisch", "russland", "russia", "moskau", "moscow")
_REPORTER_WORDS = (("luftwaffe", "air force"), ("generalstab", "general staff"),
                   ("verteidigungsministerium", "ministry"))  # fmt: skip
register_gates(
    _PREDICATE_WORDS,
    _NOT_AN_ATTACK_WORDS,
    _RUNNING_TOTAL_WORDS,
    _DAMAGE_WORDS,
    _STRONG_DAMAGE_WORDS,
    _FRONT_WORDS,
    _REPELLED_WORDS,
    _UA_ATTACKER_WORDS,
    _RU_ATTACKER_WORDS,
    _ALL_WORDS,
    *_REPORTER_WORDS,
)  # the lists used with cached_gated_search (see traps.register_gates)


def _predicate(text: str, view: SentenceView) -> re.Match[str] | None:
    """``_PREDICATE.search`` over the sentence, once per sentence."""
    memo = view.memo
    if "pred" not in memo:
        memo["pred"] = cached_gated_search(_PREDICATE, _PREDICATE_WORDS, text, view.start, view.end)
    found: re.Match[str] | None = memo["pred"]
    return found


def _ru_cue(text: str, view: SentenceView) -> bool:
    memo = view.memo
    if "ru" not in memo:
        memo["ru"] = (
            cached_gated_search(_RU_ATTACKER, _RU_ATTACKER_WORDS, text, view.start, view.end)
            is not None
        )
    return bool(memo["ru"])


def _ua_cue(text: str, view: SentenceView) -> bool:
    memo = view.memo
    if "ua" not in memo:
        memo["ua"] = (
            cached_gated_search(_UA_ATTACKER, _UA_ATTACKER_WORDS, text, view.start, view.end)
            is not None
        )
    return bool(memo["ua"])


def _merge_adjacent(text: str, mentions: list[WeaponMention]) -> list[WeaponMention]:
    """ "Shahed-Drohnen", "Kinschal-Raketen", "Grad rockets" are one mention."""
    out: list[WeaponMention] = []
    for m in mentions:
        if out and _MODEL_OF_TYPE.match(text[out[-1].end : m.start]) and m.model:
            prev = out[-1]  # "US-Raketen vom Typ ATACMS": the model says which class
            out[-1] = WeaponMention(prev.start, m.end, m.weapon_class, m.model)
            continue
        if out and text[out[-1].end : m.start].strip(" -") == "":
            prev = out[-1]
            specific = prev if prev.model else m
            cls = specific.weapon_class
            if m.weapon_class is WeaponClass.DRONE and prev.weapon_class is not WeaponClass.DRONE:
                cls = prev.weapon_class if prev.model else m.weapon_class
            out[-1] = WeaponMention(prev.start, m.end, cls, prev.model or m.model)
            continue
        out.append(m)
    return out


def _role_for(text: str, view: SentenceView, num: NumberMatch, lo: int) -> CountRole | None:
    """Role of a count from the words after it (to the next clause break), else before it,
    else from the rest of its clause ("397 Drohnen und 20 Raketen abgeschossen")."""
    after_end = view.end
    stop = _ROLE_STOP.search(text, num.end, view.end)
    if stop:
        after_end = stop.start()
    role = count_role(text[num.end : after_end])
    if role:
        return role
    before_start = lo
    for m in _ROLE_STOP.finditer(text, lo, num.start):
        before_start = m.end()
    role = count_role(text[before_start : num.start])
    if role:
        return role
    c_lo, c_hi = clause_span(text, view.start, view.end, num.start)
    return count_role(text[num.end : c_hi]) or count_role(text[c_lo:c_hi])


def _bare_role(
    text: str, view: SentenceView, n: NumberMatch, numbers: list[NumberMatch]
) -> CountRole | None:
    """Role of a count without a weapon noun; "18 von 25 Raketen abgefangen" reads past the
    total."""
    later = [m for m in numbers if m.start >= n.end]
    if later and _OF_TOTAL.match(text[n.end : later[0].start]):
        _, c_hi = clause_span(text, view.start, view.end, later[0].start)
        return count_role(text[later[0].end : c_hi])
    return _role_for(text, view, n, view.start)


def _trapped(text: str, view: SentenceView, pos: int, year: int) -> bool:
    """The clause traps; "no casualties were reported after the drone attack" negates the
    casualties, not the attack."""
    trap = find_trap(text, view.start, view.end, pos, year)
    if trap != "negated":
        return trap is not None
    lo, hi = clause_span(text, view.start, view.end, pos)
    rest = _NO_CASUALTIES.sub(" ", text[lo:hi])
    if _ANY_NEGATION.search(rest):
        return True
    return find_trap(text, view.start, view.end, pos, year, allow_negation=True) is not None


def _sentence_trap(text: str, view: SentenceView, pos: int, year: int) -> bool:
    """Sentence-level reasons why a weapon at ``pos`` reports no attack (see module doc)."""
    memo = view.memo
    key = f"strap{year}"
    whole = memo.get(key)
    if whole is None:
        whole = memo[key] = bool(
            cached_gated_search(_NOT_AN_ATTACK, _NOT_AN_ATTACK_WORDS, text, view.start, view.end)
            or cached_gated_search(_RUNNING_TOTAL, _RUNNING_TOTAL_WORDS, text, view.start, view.end)
            or opens_with_past_year(text, view.start, view.end, year)
        )
    if whole:
        return True
    lo, hi = clause_span(text, view.start, view.end, pos)
    if gated_search(_HABITUAL, _HABITUAL_WORDS, text, lo, hi):
        return True
    warning = gated_search(_WARNING, _WARNING_WORDS, text, view.start, pos)
    return warning is not None


def _weapon_ones(text: str, view: SentenceView, mentions: list[WeaponMention]) -> list[NumberMatch]:
    """Indefinite articles that count one weapon ("eine ballistische Rakete")."""
    out: list[NumberMatch] = []
    for n in find_article_ones(text, view.start, view.end):
        for w in mentions:
            if w.start < n.end or not _ONE_GAP.match(text[n.end : w.start]):
                continue
            gap = text[n.end : w.start]
            if (
                _EVENT_NOUN.search(gap)
                or _ONE_GAP_STOP.search(gap)
                or _EVENT_NOUN.search(text, w.start, w.end)
                or _EVENT_AFTER.match(text, w.end)
                or _PLURAL.search(text, w.start, w.end)
            ):
                break
            out.append(n)
            break
    return out


def extract_attacks(doc: Document) -> list[AttackDraft]:
    text = doc.text
    year = doc.published.year
    drafts: list[AttackDraft] = []
    # Places of a weaponless attack sentence ("hat ... die Hauptstadt Kiew angegriffen") for
    # the drafts its paragraph goes on to count: paragraph -> places.
    pending: dict[int, list[PlaceMatch]] = {}
    for view in doc.sentences:
        mentions = (
            _merge_adjacent(text, find_weapons(text, view.start, view.end))
            if view.cats & WEAPON
            else []
        )
        if len(mentions) > 1:  # "mit Grad-Raketenwerfern ... beschossen": the verb is no weapon
            mentions = [m for m in mentions if not _SHELLING_VERB.fullmatch(text, m.start, m.end)]
        para_drafts = [d for d in drafts if d.paragraph == view.paragraph and not d.merged]
        if not mentions and not para_drafts:
            _weaponless(doc, view, drafts, pending)
            continue
        numbers = [n for n in find_numbers(text, view.start, view.end) if n.kind == "count"]
        if not mentions:
            _bare_counts(doc, view, numbers, set(), para_drafts, [])
            _follow_up(doc, view, para_drafts)
            continue
        ones = _weapon_ones(text, view, mentions)
        counts = sorted([*numbers, *ones], key=lambda n: n.start)
        claimed: set[int] = set()
        last_role: CountRole | None = None
        touched: list[AttackDraft] = []
        for w in mentions:
            if _trapped(text, view, w.start, year) or _sentence_trap(text, view, w.start, year):
                continue
            counted: NumberMatch | None = None
            for n in counts:
                if (
                    n.end <= w.start
                    and n.start not in claimed
                    and _COUNT_GAP.match(text[n.end : w.start])
                ):
                    counted = n
            every = counted is None and _ALL_BEFORE.search(text, max(view.start, w.start - 20),
                                                          w.start)  # fmt: skip
            surface = text[w.start : w.end]
            c_lo, c_hi = clause_span(text, view.start, view.end, w.start)
            if (
                counted is None
                and not every
                and not _EVENT_NOUN.search(surface)
                and not _EVENT_AFTER.match(text, w.end)
                and not _EVENT_BEFORE.search(text, max(view.start, w.start - 60), w.start)
                and not _predicate(text, view)
            ):
                continue  # a bare mention ("die Herkunft der Rakete") reports no attack
            date = incident_date(doc, view, w.start, w.end)
            role: CountRole | None = None
            if counted is not None:
                claimed.add(counted.start)
                role = _role_for(text, view, counted, view.start)
                previous = [n for n in numbers if n.end <= counted.start]
                if previous and _OF_TOTAL.match(text[previous[-1].end : counted.start]):
                    role = "launched"
                role = role or last_role or "launched"
                last_role = role
            elif every:
                _, e_hi = clause_span(text, view.start, view.end, w.start)
                role = count_role(text[w.end : e_hi]) or count_role(text[w.end : view.end])
                if role not in {"shot_down", "diverted", "hit"}:
                    role = None
            draft = _find_or_create(drafts, view, w.weapon_class, date, role)
            draft.add_view(view)
            if view.own_date is not None:
                draft.explicit_date = True
            if w.model and w.model not in draft.models:
                draft.models.append(w.model)
            if counted is not None and role is not None:
                draft.figures[role] = counted.figure
                if counted.article:
                    draft.article_figures.add(role)
            elif every and role is not None and "launched" in draft.figures:
                draft.figures[role] = figure(draft.figures["launched"].value)
            _add_places(text, view, draft, c_lo, c_hi)
            touched.append(draft)
        _bare_counts(doc, view, numbers, claimed, para_drafts, touched)
        _follow_up(doc, view, [d for d in drafts if d.paragraph == view.paragraph])
    for d in drafts:
        if not d.places and not d.regions and d.paragraph in pending:
            regional = region_mentions(text, pending[d.paragraph], 0)
            for i, p in enumerate(pending[d.paragraph]):
                d.add_place(p.place, i in regional)
    return _merge(doc, drafts)


_STRONG_DAMAGE = re.compile(
    r"schäden|beschädigt|zerstört|trümmer\w*|brände|in brand|damag\w*|destroyed|debris|fires?\b",
    re.IGNORECASE,
)
_STRONG_DAMAGE = first_chars(_STRONG_DAMAGE, "bdfistz")


def _weaponless(
    doc: Document,
    view: SentenceView,
    drafts: list[AttackDraft],
    pending: dict[int, list[PlaceMatch]],
) -> None:
    """A sentence without a weapon in a paragraph without attacks: "Russland hat ... Kiew
    angegriffen" (places for the counts that follow), or "Damage was also reported in the
    Chernihiv and Poltava regions" right after the paragraph of an air attack."""
    if not view.places:  # (no places: nothing below can apply)
        return
    text = doc.text
    year = doc.published.year
    matches = _without_rivers(text, places_in(view, view.start, view.end))
    if not matches:
        return
    pred = _predicate(text, view)
    if (
        pred
        and not _trapped(text, view, pred.start(), year)
        and not _sentence_trap(text, view, pred.start(), year)
        and _ru_cue(text, view)
    ):
        pending.setdefault(view.paragraph, []).extend(matches)
        return
    damage = cached_gated_search(_STRONG_DAMAGE, _STRONG_DAMAGE_WORDS, text, view.start, view.end)
    if damage is None or _trapped(text, view, damage.start(), year):
        return
    previous = [
        d for d in drafts
        if d.paragraph == view.paragraph - 1 and not d.merged
        and d.weapon_class is not WeaponClass.GROUND_ASSAULT
    ]  # fmt: skip
    if not previous:
        return
    date = incident_date(doc, view, view.start, view.end)
    target = max(
        reversed(previous),
        key=lambda d: d.figures["launched"].value if "launched" in d.figures else 0,
    )
    if target.date != date:
        return
    regional = region_mentions(text, matches, view.start)
    for i, p in enumerate(matches):
        target.add_place(p.place, i in regional)
    target.add_view(view)


def _bare_counts(
    doc: Document,
    view: SentenceView,
    numbers: list[NumberMatch],
    claimed: set[int],
    para_drafts: list[AttackDraft],
    touched: list[AttackDraft],
) -> None:
    """Counts without a weapon noun: "97 were shot down and 25 were lost to EW", "Die
    Flugabwehr habe 52 davon abgeschossen", "Beide seien abgefangen worden"."""
    text = doc.text
    year = doc.published.year
    candidates = list(numbers)
    every = cached_gated_search(_ALL_ALONE, _ALL_WORDS, text, view.start, view.end)
    for n in candidates:
        if n.start in claimed or _PERSON_NOUN.match(text[n.end : n.end + 40]):
            continue
        role = _bare_role(text, view, n, numbers)
        if role not in {"shot_down", "diverted", "hit"}:
            continue
        if find_trap(text, view.start, view.end, n.start, year):
            continue
        for d in reversed([*para_drafts, *touched]):
            launched = d.figures.get("launched")
            # "claiming to have destroyed 12 of them": the attack of this sentence
            own = launched is None and d in touched and _OF_THEM.match(text, n.end)
            if role not in d.figures and (own or (launched and launched.value >= n.value)):
                d.figures[role] = n.figure
                d.add_view(view)
                if role == "hit":
                    lo, hi = clause_span(text, view.start, view.end, n.start)
                    _add_places(text, view, d, lo, hi)
                break
    if every is not None and not touched:
        role = count_role(text[every.end() : view.end])
        if role in {"shot_down", "diverted"} and para_drafts:
            d = para_drafts[-1]
            launched = d.figures.get("launched")
            if launched is not None and role not in d.figures:
                d.figures[role] = figure(launched.value)
                d.add_view(view)


def _find_or_create(
    drafts: list[AttackDraft],
    view: SentenceView,
    cls: WeaponClass,
    date: dt.date,
    role: CountRole | None,
) -> AttackDraft:
    for d in reversed(drafts):
        if (
            d.paragraph == view.paragraph
            and d.weapon_class is cls
            and d.date == date
            and (role is None or role not in d.figures)
        ):
            return d
    if role in {"shot_down", "diverted", "hit"}:  # "all four missiles were shot down"
        for d in reversed(drafts):
            if (
                d.paragraph == view.paragraph
                and d.date == date
                and is_compatible(d.weapon_class, cls)
                and "launched" in d.figures
                and role not in d.figures
            ):
                return d
    draft = AttackDraft(weapon_class=cls, date=date, paragraph=view.paragraph)
    drafts.append(draft)
    return draft


def _add_places(text: str, view: SentenceView, draft: AttackDraft, lo: int, hi: int) -> None:
    """Places of the weapon's clause ``[lo, hi)`` and what continues it (see module doc)."""
    matches = _without_rivers(text, places_in(view, view.start, view.end))
    if not matches:
        return
    if draft.weapon_class is WeaponClass.GROUND_ASSAULT:
        chosen = list(matches)
    else:
        chosen = [p for p in matches if lo <= p.start < hi]
        including = _INCLUDING_CLAUSE.match(text[hi : view.end])
        if including:  # "..., darunter in Lwiw und Luzk"
            chosen += [p for p in matches if hi <= p.start < hi + including.end()]
        # An enumeration or a "darunter"/"including" clause continues the clause.
        for p in matches:
            if p.start < hi or not chosen:
                continue
            prev = max((q for q in chosen if q.end <= p.start), key=lambda q: q.end, default=None)
            if prev is None:
                continue
            gap = text[prev.end : p.start]
            if (
                _ENUM_GAP.match(gap)
                or (gap.lstrip().startswith(",") and _INCLUDING.match(gap.lstrip()[1:]))
                or _INCLUDING_CLAUSE.match(gap)
            ):
                chosen.append(p)
        # Places in another clause of the sentence with a damage cue and no weapon of its own.
        for p in matches:
            if p in chosen:
                continue
            p_lo, p_hi = clause_span(text, view.start, view.end, p.start)
            if gated_search(_DAMAGE_CUE, _DAMAGE_WORDS, text, p_lo, p_hi) and not find_weapons(
                text, p_lo, p_hi
            ):
                chosen.append(p)
    if not chosen:
        return
    regional = region_mentions(text, matches, view.start)
    for i, p in enumerate(matches):
        if p in chosen:
            draft.add_place(p.place, i in regional)


def _without_rivers(text: str, matches: list[PlaceMatch]) -> list[PlaceMatch]:
    """Drop a place named right after another one with "am"/"on the" ("Nikopol am Dnipro")."""
    out: list[PlaceMatch] = []
    for p in matches:
        if out and _RIVER_AFTER_PLACE.match(text[out[-1].end : p.start]):
            continue
        out.append(p)
    return out


def _follow_up(doc: Document, view: SentenceView, para_drafts: list[AttackDraft]) -> None:
    """Places, outcome and source named in a later sentence of the paragraph."""
    if not para_drafts or not view.cats & FOLLOW_UP:
        return
    text = doc.text
    year = doc.published.year
    latest = para_drafts[-1]
    repelled = cached_gated_search(_REPELLED, _REPELLED_WORDS, text, view.start, view.end)
    if repelled and not find_trap(text, view.start, view.end, repelled.start(), year):
        latest.outcome = "repelled"
        latest.add_view(view)
    matches = places_in(view, view.start, view.end)
    if matches and not latest.has_view(view):
        front = cached_gated_search(_FRONT_CUE, _FRONT_WORDS, text, view.start, view.end)
        damage = cached_gated_search(_DAMAGE_CUE, _DAMAGE_WORDS, text, view.start, view.end)
        target: AttackDraft | None = None
        if front:
            target = next(
                (d for d in reversed(para_drafts) if d.weapon_class is WeaponClass.GROUND_ASSAULT),
                None,
            )
        elif damage:  # the paragraph's main air attack: the one with the most launched
            air = [d for d in para_drafts if d.weapon_class is not WeaponClass.GROUND_ASSAULT]
            if air:
                target = max(
                    reversed(air),
                    key=lambda d: d.figures["launched"].value if "launched" in d.figures else 0,
                )
        cue = front or damage
        if (
            target is not None
            and cue is not None
            and not find_trap(text, view.start, view.end, cue.start(), year)
        ):
            regional = region_mentions(text, matches, view.start)
            for i, p in enumerate(matches):
                target.add_place(p.place, i in regional)
            target.add_view(view)


def _source(text: str, view: SentenceView, draft: AttackDraft) -> None:
    if draft.reported_by is not None:
        return
    memo = view.memo
    found = memo.get("source")
    if found is None:  # index of the first reporter named in the sentence, -1 if none
        found = memo["source"] = next(
            (
                i
                for i, (pattern, _, _) in enumerate(_REPORTERS)
                if cached_gated_search(pattern, _REPORTER_WORDS[i], text, view.start, view.end)
            ),
            -1,
        )
    if found >= 0:
        _, ua_name, ru_name = _REPORTERS[found]
        draft.reported_by = ua_name if draft.target == "UA" else ru_name


_OCCUPIED = frozenset({"UA-43", "UA-40"})  # Crimea, Sevastopol: targets there are Russian


def _sides(doc: Document, draft: AttackDraft) -> tuple[str, str]:
    countries = {p.country for p in draft.places if p.region not in _OCCUPIED} | {
        r[:2] for r in draft.regions if r not in _OCCUPIED
    }
    ua_cue = any(_ua_cue(doc.text, v) for v in draft.views)
    ru_cue = any(_ru_cue(doc.text, v) for v in draft.views)
    if countries == {"RU"} or (ua_cue and not ru_cue and "UA" not in countries):
        return "UA", "RU"
    return draft.attacker, draft.target


def _finalise_sides(doc: Document, draft: AttackDraft) -> None:
    draft.attacker, draft.target = _sides(doc, draft)


_WAVE = frozenset(
    {WeaponClass.DRONE, WeaponClass.CRUISE_MISSILE, WeaponClass.BALLISTIC_MISSILE,
     WeaponClass.MISSILE}
)  # fmt: skip


def _merge(doc: Document, drafts: list[AttackDraft]) -> list[AttackDraft]:
    """Fold figure-less, place-less drafts into a compatible attack of the same day."""
    for weak in drafts:
        if weak.strong:
            continue
        host = next(
            (d for d in drafts
             if d is not weak and not d.merged and d.strong and d.date == weak.date
             and is_compatible(d.weapon_class, weak.weapon_class)),
            None,
        ) or next(
            (d for d in drafts
             if d is not weak and not d.merged and d.date == weak.date
             and d.weapon_class is weak.weapon_class and drafts.index(d) < drafts.index(weak)),
            None,
        )  # fmt: skip
        if host is None:
            continue
        weak.merged = True
        for v in weak.views:
            host.add_view(v)
        for model in weak.models:
            if model not in host.models:
                host.models.append(model)
        host.outcome = host.outcome or weak.outcome
        host.reported_by = host.reported_by or weak.reported_by
    for umbrella in drafts:  # "Luftangriffe auf Kiew" + "426 Drohnen und 24 Raketen": one wave
        if (
            umbrella.merged
            or umbrella.figures
            or umbrella.weapon_class is not WeaponClass.AIR_STRIKE
        ):
            continue
        waves = [
            d for d in drafts
            if d is not umbrella and not d.merged and d.date == umbrella.date
            and "launched" in d.figures and not d.places and not d.regions
            and d.weapon_class in _WAVE and _sides(doc, d) == _sides(doc, umbrella)
        ]  # fmt: skip
        if not waves or not (umbrella.places or umbrella.regions):
            continue
        umbrella.merged = True
        for d in waves:
            for p in umbrella.places:
                d.add_place(p, region_only=False)
            for r in umbrella.regions:
                if r not in d.regions:
                    d.regions.append(r)
            for v in umbrella.views:
                d.add_view(v)
    for late in drafts:  # "87 Drohnen abgefangen" in a later paragraph
        if late.merged or "launched" in late.figures or late.places or not late.figures:
            continue
        host = next(
            (d for d in drafts
             if d is not late and not d.merged and drafts.index(d) < drafts.index(late)
             and d.date == late.date and d.weapon_class is late.weapon_class
             and _sides(doc, d) == _sides(doc, late)
             and not set(d.figures) & set(late.figures)),
            None,
        )  # fmt: skip
        if host is None:
            continue
        late.merged = True
        host.figures.update(late.figures)
        for v in late.views:
            host.add_view(v)
        for r in late.regions:
            if r not in host.regions:
                host.regions.append(r)
    return [d for d in drafts if not d.merged]


def finalise(doc: Document, drafts: list[AttackDraft]) -> None:
    """Decide attacker and target, and the reporting source, once all sentences are read."""
    for d in drafts:
        _finalise_sides(doc, d)
        d.reported_by = None
        for v in sorted(d.views, key=lambda x: x.start):
            _source(doc.text, v, d)
        if d.reported_by is None:  # the source named elsewhere in the paragraph
            for v in doc.paragraph_sentences(d.paragraph):
                _source(doc.text, v, d)
