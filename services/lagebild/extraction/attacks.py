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
   a compatible weapon class and is merged into it (its weapon model is kept).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from lagebild.extraction.common import incident_date, places_in, region_mentions
from lagebild.extraction.document import Document, SentenceView
from lagebild.extraction.lexicon import FOLLOW_UP, WEAPON
from lagebild.extraction.numbers import NumberMatch, find_numbers
from lagebild.extraction.places import PlaceEntry
from lagebild.extraction.traps import clause_span, find_trap
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

    @property
    def strong(self) -> bool:
        return bool(self.figures or self.places or self.regions)

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
    r"eingesetzt|setzte\w*|schlug\w*|eingeschlagen|beschossen|abgeschossen|abgefangen|"
    r"umgeleitet|zerstört|launched|fired|attacked|struck|targeted|hit|used|shot down|"
    r"intercepted|downed|destroyed)\b",
    re.IGNORECASE,
)
_COUNT_GAP = re.compile(r"^(?:\s+|\s*-\s*)(?:[\w-]+\s+){0,2}$")
_PERSON_NOUN = re.compile(
    r"^\s+(?:\w+\s+)?(?:menschen|personen|zivilisten|tote|verletzte|kinder|soldaten|people|"
    r"persons|civilians|children|soldiers|dead|injured|wounded|leben|lives)\b",
    re.IGNORECASE,
)
_ROLE_STOP = re.compile(r"[,;]|\s(?:und|and|sowie|while|während)\s|\d")
_OF_TOTAL = re.compile(r"^\s*(?:of|von|out of|aus)\s*$", re.IGNORECASE)
_DAMAGE_CUE = re.compile(
    r"schäden|schaden|beschädigt|zerstört|getroffen|eingeschlagen|brände|damage\w*|destroyed|"
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
    r"ukrainisch\w*\s+(?:drohnen|raketen|streitkräfte|armee|truppen|angriff\w*|militär)|"
    r"ukrain(?:e|ian)\s+(?:drones|missiles|forces|army|military|launched|attacked|struck)|"
    r"\bkyiv\s+(?:launched|struck)|die ukraine (?:griff|hat|attackierte|beschoss)",
    re.IGNORECASE,
)
_RU_ATTACKER = re.compile(
    r"russisch\w*\s+(?:streitkräfte|armee|truppen|militär|drohnen|raketen|angriff\w*)|"
    r"\brussland\b|\brussia\b|\brussian\b|\bmoskau\b|\bmoscow\b",
    re.IGNORECASE,
)
_REPORTERS: list[tuple[re.Pattern[str], str, str]] = [
    # (pattern, name if the target is Ukraine, name if the target is Russia)
    (re.compile(r"luftwaffe|air force", re.I), "Ukrainian Air Force",
     "Russian Ministry of Defence"),
    (re.compile(r"generalstab|general staff", re.I), "Ukrainian General Staff",
     "Russian General Staff"),
    (re.compile(r"verteidigungsministerium|defen[cs]e ministry|ministry of defen[cs]e", re.I),
     "Ukrainian Ministry of Defence", "Russian Ministry of Defence"),
]  # fmt: skip


def _merge_adjacent(text: str, mentions: list[WeaponMention]) -> list[WeaponMention]:
    """ "Shahed-Drohnen", "Kinschal-Raketen", "Grad rockets" are one mention."""
    out: list[WeaponMention] = []
    for m in mentions:
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
    """Role of a count from the words after it (to the next clause break), else before it."""
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
    return count_role(text[before_start : num.start])


def extract_attacks(doc: Document) -> list[AttackDraft]:
    text = doc.text
    year = doc.published.year
    drafts: list[AttackDraft] = []
    for view in doc.sentences:
        mentions = (
            _merge_adjacent(text, find_weapons(text, view.start, view.end))
            if view.cats & WEAPON
            else []
        )
        para_drafts = [d for d in drafts if d.paragraph == view.paragraph and not d.merged]
        if not mentions:
            if para_drafts:
                _follow_up(doc, view, para_drafts)
            continue
        numbers = [n for n in find_numbers(text, view.start, view.end) if n.kind == "count"]
        claimed: set[int] = set()
        last_role: CountRole | None = None
        touched: list[AttackDraft] = []
        for w in mentions:
            if find_trap(text, view.start, view.end, w.start, year):
                continue
            counted: NumberMatch | None = None
            for n in numbers:
                if n.end <= w.start and _COUNT_GAP.match(text[n.end : w.start]):
                    counted = n
            surface = text[w.start : w.end]
            c_lo, c_hi = clause_span(text, view.start, view.end, w.start)
            if (
                counted is None
                and not _EVENT_NOUN.search(surface)
                and not _PREDICATE.search(text, view.start, view.end)
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
            draft = _find_or_create(drafts, view, w.weapon_class, date, role)
            draft.add_view(view)
            if view.own_date is not None:
                draft.explicit_date = True
            if w.model and w.model not in draft.models:
                draft.models.append(w.model)
            if counted is not None and role is not None:
                draft.figures[role] = counted.figure
            _add_places(text, view, draft, c_lo, c_hi)
            touched.append(draft)
        # Counts without a weapon noun: "97 were shot down and 25 were lost to EW".
        for n in numbers:
            if n.start in claimed or _PERSON_NOUN.match(text[n.end : n.end + 40]):
                continue
            role = _role_for(text, view, n, view.start)
            if role not in {"shot_down", "diverted", "hit"}:
                continue
            if find_trap(text, view.start, view.end, n.start, year):
                continue
            for d in reversed([*para_drafts, *touched]):
                launched = d.figures.get("launched")
                if role not in d.figures and launched and launched.value >= n.value:
                    d.figures[role] = n.figure
                    d.add_view(view)
                    break
        _follow_up(doc, view, [d for d in drafts if d.paragraph == view.paragraph])
    return _merge(drafts)


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
    draft = AttackDraft(weapon_class=cls, date=date, paragraph=view.paragraph)
    drafts.append(draft)
    return draft


def _add_places(text: str, view: SentenceView, draft: AttackDraft, lo: int, hi: int) -> None:
    matches = places_in(view, view.start, view.end)
    # Places in the weapon's clause, or after "auf"/"on" later in the sentence.
    in_clause = [p for p in matches if lo <= p.start < hi]
    if not in_clause:
        return
    regional = region_mentions(text, matches, view.start)
    for i, p in enumerate(matches):
        if p in in_clause:
            draft.add_place(p.place, i in regional)


def _follow_up(doc: Document, view: SentenceView, para_drafts: list[AttackDraft]) -> None:
    """Places, outcome and source named in a later sentence of the paragraph."""
    if not para_drafts or not view.cats & FOLLOW_UP:
        return
    text = doc.text
    year = doc.published.year
    latest = para_drafts[-1]
    repelled = _REPELLED.search(text, view.start, view.end)
    if repelled and not find_trap(text, view.start, view.end, repelled.start(), year):
        latest.outcome = "repelled"
        latest.add_view(view)
    matches = places_in(view, view.start, view.end)
    if matches and not latest.has_view(view):
        front = _FRONT_CUE.search(text, view.start, view.end)
        damage = _DAMAGE_CUE.search(text, view.start, view.end)
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
    for pattern, ua_name, ru_name in _REPORTERS:
        if pattern.search(text, view.start, view.end):
            draft.reported_by = ua_name if draft.target == "UA" else ru_name
            return


def _finalise_sides(doc: Document, draft: AttackDraft) -> None:
    countries = {p.country for p in draft.places} | {r[:2] for r in draft.regions}
    ua_cue = any(_UA_ATTACKER.search(doc.text, v.start, v.end) for v in draft.views)
    ru_cue = any(_RU_ATTACKER.search(doc.text, v.start, v.end) for v in draft.views)
    if countries == {"RU"} or (ua_cue and not ru_cue and "UA" not in countries):
        draft.attacker, draft.target = "UA", "RU"


def _merge(drafts: list[AttackDraft]) -> list[AttackDraft]:
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
    return [d for d in drafts if not d.merged]


def finalise(doc: Document, drafts: list[AttackDraft]) -> None:
    """Decide attacker and target, and the reporting source, once all sentences are read."""
    for d in drafts:
        _finalise_sides(doc, d)
        d.reported_by = None
        for v in sorted(d.views, key=lambda x: x.start):
            _source(doc.text, v, d)
