"""Casualty rules: killed/injured figures with place, update and running-total flags.

* Triggers: killed — getötet, tot, Tote, Todesopfer, gestorben, starben, ums Leben, killed,
  dead, died, death toll, deaths; injured — verletzt, Verletzte, verwundet, injured, wounded,
  hurt.
* Each trigger takes the nearest unclaimed number before it (since the previous trigger:
  "drei Menschen getötet und 17 verletzt", "three were killed and 17 injured"), else the next
  one after it ("Zahl der Todesopfer stieg auf zwei", "death toll rose to 12"); a participle
  ("killing 12", "injuring 17") takes the number after it first. An indefinite article before
  a person noun is one ("ein Mann", "eine Frau", "a woman"); "one of" is never a count of
  people; in "stieg von 47 auf 51" only the new figure counts.
  Numbers that count children ("darunter zwei Kinder", "including two children") go to the
  children sub-counts of the nearest trigger.
* "stieg auf", "rose to", "climbed to", "has risen to" → ``is_update`` (of the killed figure,
  or of the injured one when the sentence reports only injured); "seit Kriegsbeginn",
  "since the start of the full-scale invasion" → ``is_running_total`` (never a new incident).
* A sentence that only details the people of the previous report ("Unter den Toten sei ein
  Mädchen", "Unter ihnen seien zwei Kinder", "among them three children") adds the children
  sub-count to it instead of reporting new casualties.
* Nothing for sentences that open with a past year ("Im Jahr 2019 ...", "In 2014, ...").
* Place: the city named nearest to the trigger in the sentence; a sentence without a place
  continues the previous casualty report of the paragraph ("... in Pawlohrad auf zwei. Acht
  Menschen seien verletzt worden."), else takes the place of the attack it reports.
* ``caused_by`` links to the attack of the same paragraph and day (same sentence first, then
  same place or region, then the latest air attack).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

from lagebild.extraction.attacks import AttackDraft
from lagebild.extraction.common import incident_date, places_in, region_mentions
from lagebild.extraction.dates import opens_with_past_year
from lagebild.extraction.document import Document, SentenceView
from lagebild.extraction.lexicon import CASUALTY, lower
from lagebild.extraction.numbers import NumberMatch, find_article_ones, find_numbers
from lagebild.extraction.places import PlaceEntry
from lagebild.extraction.traps import cached_gated_search, find_trap, register_gates
from lagebild.models.events import Figure, WeaponClass

__all__ = ["CasualtyDraft", "extract_casualties"]

Kind = Literal["killed", "injured"]

# The look-ahead after the first ``\b`` lists how the alternatives begin (two letters; same
# matches, the engine gives up at once at word ends and other words).
_TRIGGER = re.compile(  # matched against lower-cased text
    r"\b(?=d[ei]|fa|ge|hu|in|ki|le|st|to|um|ve|wo)"
    r"(?:(?P<killed>getötet|\btot\b|\btote[n]?\b|todesopfer\w*|gestorben|\bstarben\b|"
    r"ums leben|leben verloren|\bstarb\b|\bkilled\b|\bkilling\b|\bdead\b|\bdied\b|death toll|"
    r"\bdeaths\b|"
    r"fatalities)|"
    r"(?P<injured>verletzt\w*|verletzung\w*|verwundet\w*|\binjured\b|\binjuring\b|\bwounded\b|\bwounding\b|"
    r"\bhurt\b|"
    r"injuries))",
)
_CHILD = re.compile(
    r"\s+(?:[\w-]+\s+)?(?:kind|kinder|kindern|minderjährige\w*|jugendliche\w*|mädchen|junge|"
    r"jungen|säugling\w*|baby|babys|child|children|minors|teenagers?|girls?|boys?|infants?|"
    r"bab(?:y|ies))\b",
    re.IGNORECASE,
)
# What an indefinite article must be followed by (up to three words between: "ein 64 Jahre
# alter Mann", "a 12-year-old girl") to count one person.
_ONE_PERSON = re.compile(
    r"(?:\s+[\w-]+){0,3}?\s+(?:mensch|mann|frau|kind|mädchen|junge|säugling|baby|zivilist\w*|"
    r"person|bewohner\w*|anwohner\w*|einwohner\w*|rentner\w*|soldat\w*|polizist\w*|"
    r"arbeiter\w*|mitarbeiter\w*|helfer\w*|sanitäter\w*|feuerwehrmann|fahrer\w*|passant\w*|"
    r"journalist\w*|jugendliche\w*|teenager|tote[nr]?|verletzte[nr]?|todesopfer|"
    r"man|woman|child|girl|boy|infant|civilian|person|"
    r"resident|worker|employee|pensioner|soldier|police\s+officer|policeman|rescuer|firefighter|"
    r"driver|passer-by|journalist|volunteer|teenager|medic|paramedic)\b",
    re.IGNORECASE,
)
_ONE_OF = re.compile(r"\s+(?:of|von|der|unter)\s", re.IGNORECASE)
_FROM_TO_NEXT = re.compile(r"\s+(?:auf|to)\s+", re.IGNORECASE)
_FROM_BEFORE = re.compile(r"\b(?:von|from)\s+$", re.IGNORECASE)
_OR = re.compile(r"\s+(?:or|oder)\s+", re.IGNORECASE)
_PARTICIPLE = frozenset({"killing", "injuring", "wounding"})
_INTRODUCES_SUBSET = re.compile(
    r"(?:darunter|including|among them|unter ihnen|unter den \w+)\s+$", re.IGNORECASE
)
_SUBSET = re.compile(
    r"\W*(?:unter (?:den |ihnen|diesen)|darunter|among (?:them|the)|including)",
    re.IGNORECASE,
)
_NOT_PEOPLE = re.compile(
    r"\s*(?:[\w-]+\s+)?(?:\w*drohn|\w*rakete|drones?\b|missiles?\b|\w*marschflug|prozent|"
    r"percent|%|jahr|years?\b|tage?n?\b|days?\b|stunden?|hours?\b|km\b|kilometer|meter|"
    r"gebäude|häuser|\w*wohn|buildings?|houses?|homes?|dollar|euro|panzer|tanks?\b|"
    r"flugzeug|aircraft|mal\b|times\b|uhr\b)",
    re.IGNORECASE,
)
_UPDATE = re.compile(
    r"\b(?:stieg|steigt|gestiegen|erhöhte|erhöht|rose|risen|rises|climbed|increased|jumped|"
    r"mounted|now stands|up from|previously reported|zuvor war von|bislang war von)\b",
    re.IGNORECASE,
)
_RUNNING_TOTAL = re.compile(
    r"seit (?:dem )?(?:kriegsbeginn|beginn (?:des|der) \w*\s*(?:krieges|kriegs|invasion)|"
    r"(?:februar )?2022|invasionsbeginn)|since the (?:start|beginning|outbreak) of "
    r"(?:the |russia's |moscow's )?(?:full-scale |russian )*(?:invasion|war)|"
    r"since (?:february )?2022|"
    r"since russia(?:'s)? (?:full-scale )?invasion|insgesamt seit",
    re.IGNORECASE,
)
# Necessary words (lower case) of _UPDATE and _RUNNING_TOTAL: a sentence without any of them
# cannot match, so the expression is not run (same results, see traps.cached_gated_search).
_UPDATE_WORDS = ("stieg", "steigt", "gestiegen", "erhöht", "rose", "risen", "rises", "climbed",
                 "increased", "jumped", "mounted", "now stands", "up from", "previously reported",
                 "zuvor war von", "bislang war von")  # fmt: skip
_RUNNING_TOTAL_WORDS = ("seit", "since")
register_gates(_UPDATE_WORDS, _RUNNING_TOTAL_WORDS)  # used with cached_gated_search
_MAX_GAP = 90


@dataclass(slots=True)
class CasualtyDraft:
    date: dt.date
    paragraph: int
    views: list[SentenceView] = field(default_factory=list)
    place: PlaceEntry | None = None
    region: str | None = None
    killed: Figure | None = None
    injured: Figure | None = None
    children_killed: Figure | None = None
    children_injured: Figure | None = None
    is_update: bool = False
    is_running_total: bool = False
    caused_by: AttackDraft | None = None

    def has(self, kind: Kind) -> bool:
        return (self.killed if kind == "killed" else self.injured) is not None

    def set(self, kind: Kind, fig: Figure, child: bool = False) -> None:
        if kind == "killed":
            if child:
                self.children_killed = fig
            else:
                self.killed = fig
        elif child:
            self.children_injured = fig
        else:
            self.injured = fig


@dataclass(slots=True)
class _Hit:
    kind: Kind
    start: int
    end: int
    figure: Figure | None = None
    child: Figure | None = None


def _pair(text: str, view: SentenceView, year: int) -> list[_Hit]:
    if not view.cats & CASUALTY:
        return []
    low = lower(view.sent.text)
    hits = [
        _Hit(
            "killed" if m.group("killed") else "injured",
            view.start + m.start(),
            view.start + m.end(),
        )
        for m in _TRIGGER.finditer(low)
    ]
    running = _running_total(text, view)
    hits = [
        h
        for h in hits
        if not find_trap(text, view.start, view.end, h.start, year, allow_historical=running)
    ]
    # "killed or wounded", "getötet oder verletzt": one combined figure, neither kind
    for a, b in itertools.pairwise(hits):
        if a.kind != b.kind and _OR.fullmatch(text, a.end, b.start):
            hits = [h for h in hits if h is not a and h is not b]
    if not hits:
        return []
    numbers: list[NumberMatch] = []
    children: list[NumberMatch] = []
    found = find_numbers(text, view.start, view.end)
    found += [
        n
        for n in find_article_ones(text, view.start, view.end)
        if _ONE_PERSON.match(text, n.end, n.end + 60)
        and not any(m.start <= n.start < m.end for m in found)
    ]
    found.sort(key=lambda n: n.start)
    for i, n in enumerate(found):
        if n.kind != "count" or (not n.article and _NOT_PEOPLE.match(text, n.end, n.end + 40)):
            continue
        if n.value == 1 and _ONE_OF.match(text, n.end, n.end + 8):
            continue  # "one of its largest attacks", "einer der ..."
        nxt = found[i + 1] if i + 1 < len(found) else None
        if (
            nxt is not None
            and _FROM_TO_NEXT.fullmatch(text, n.end, nxt.start)
            and _FROM_BEFORE.search(text, max(view.start, n.start - 6), n.start)
        ):
            continue  # "stieg von 47 auf 51": the old figure
        (children if _CHILD.match(text, n.end, n.end + 40) else numbers).append(n)
    claimed: set[int] = set()
    prev_end = view.start
    for i, hit in enumerate(hits):
        next_start = hits[i + 1].start if i + 1 < len(hits) else view.end
        before = [
            n for n in numbers
            if prev_end <= n.start and n.end <= hit.start and n.start not in claimed
            and hit.start - n.end <= _MAX_GAP
        ]  # fmt: skip
        after = [
            n for n in numbers
            if hit.end <= n.start < next_start and n.start not in claimed
            and n.start - hit.end <= _MAX_GAP
        ]  # fmt: skip
        if low[hit.start - view.start : hit.end - view.start] in _PARTICIPLE and after:
            chosen: NumberMatch | None = after[0]
        else:
            chosen = before[-1] if before else (after[0] if after else None)
        if chosen is not None:
            claimed.add(chosen.start)
            hit.figure = chosen.figure
        prev_end = hit.end
    for c in children:
        noun = _CHILD.match(text, c.end, c.end + 40)
        c_end = noun.end() if noun else c.end  # "zwei Kinder verletzt": from the noun on
        nearest = min(hits, key=lambda h: min(abs(h.start - c_end), abs(c.start - h.end)))
        if _INTRODUCES_SUBSET.search(text, max(view.start, c.start - 20), c.start):
            earlier = [h for h in hits if h.end <= c.start]  # "killing 8, including a girl"
            nearest = earlier[-1] if earlier else nearest
        nearest.child = c.figure
        if nearest.figure is None:
            nearest.figure = c.figure
    return [h for h in hits if h.figure is not None]


def _running_total(text: str, view: SentenceView) -> bool:
    """Does the sentence speak of a running total ("seit Kriegsbeginn")?"""
    return bool(
        cached_gated_search(_RUNNING_TOTAL, _RUNNING_TOTAL_WORDS, text, view.start, view.end)
    )


def _place_for(text: str, view: SentenceView, pos: int) -> tuple[PlaceEntry | None, str | None]:
    matches = places_in(view, view.start, view.end)
    if not matches:
        return None, None
    regional = region_mentions(text, matches, view.start)
    cities = [p for i, p in enumerate(matches) if i not in regional]
    pool = cities or matches
    best = min(pool, key=lambda p: abs(p.start - pos))
    if cities:
        return best.place, best.place.region
    return None, best.place.region


def extract_casualties(doc: Document, attacks: list[AttackDraft]) -> list[CasualtyDraft]:
    text = doc.text
    year = doc.published.year
    drafts: list[CasualtyDraft] = []
    for view in doc.sentences:
        hits = _pair(text, view, year)
        if not hits and drafts and _SUBSET.match(text, view.start, view.end):
            _subset_without_trigger(text, drafts[-1], view)
        if not hits or opens_with_past_year(text, view.start, view.end, year):
            continue
        date = incident_date(doc, view, view.start, view.end)
        if _SUBSET.match(text, view.start, view.end) and _add_subset(drafts, view, hits, date):
            continue
        update = bool(cached_gated_search(_UPDATE, _UPDATE_WORDS, text, view.start, view.end))
        only_injured = all(h.kind == "injured" for h in hits)
        running = _running_total(text, view)
        by_place: dict[str | None, CasualtyDraft] = {}
        for hit in hits:
            place, region = _place_for(text, view, hit.start)
            key = place.name if place else region
            draft = by_place.get(key)
            if draft is None:
                draft = _continuation(drafts, view, place, region, hit.kind, date)
            if draft is None:
                draft = CasualtyDraft(
                    date=date, paragraph=view.paragraph, place=place, region=region
                )
                drafts.append(draft)
            by_place[key] = draft
            if draft.has(hit.kind):
                continue
            if all(v.start != view.start for v in draft.views):
                draft.views.append(view)
            assert hit.figure is not None
            draft.set(hit.kind, hit.figure)
            if hit.child is not None:
                draft.set(hit.kind, hit.child, child=True)
            if update and (hit.kind == "killed" or only_injured):
                draft.is_update = True
            draft.is_running_total = draft.is_running_total or running
    for draft in drafts:
        _link(doc, draft, attacks)
    return drafts


def _subset_without_trigger(text: str, last: CasualtyDraft, view: SentenceView) -> None:
    """ "Unter ihnen seien zwei Kinder", "among them three children" after a casualty report."""
    if last.paragraph != view.paragraph or view.sent.index - last.views[-1].sent.index != 1:
        return
    for n in find_numbers(text, view.start, view.end):
        if n.kind == "count" and _CHILD.match(text, n.end, n.end + 40):
            last.set("killed" if last.has("killed") else "injured", n.figure, child=True)
            last.views.append(view)
            return


def _add_subset(
    drafts: list[CasualtyDraft], view: SentenceView, hits: list[_Hit], date: dt.date
) -> bool:
    """ "Unter den Toten sei ein Mädchen": children of the previous report, not new casualties."""
    if not drafts or any(h.child is None for h in hits):
        return False
    last = drafts[-1]
    if last.paragraph != view.paragraph or last.date != date:
        return False
    for h in hits:
        kind: Kind = h.kind if last.has(h.kind) else ("killed" if last.has("killed") else "injured")
        assert h.child is not None
        last.set(kind, h.child, child=True)
    if all(v.start != view.start for v in last.views):
        last.views.append(view)
    return True


def _continuation(
    drafts: list[CasualtyDraft],
    view: SentenceView,
    place: PlaceEntry | None,
    region: str | None,
    kind: Kind,
    date: dt.date,
) -> CasualtyDraft | None:
    """The previous casualty report this sentence continues (same paragraph, no new place)."""
    if not drafts or place is not None or region is not None:
        return None
    last = drafts[-1]
    if (
        last.paragraph == view.paragraph
        and last.date == date
        and not last.has(kind)
        and view.sent.index - last.views[-1].sent.index <= 2
    ):
        return last
    return None


def _link(doc: Document, draft: CasualtyDraft, attacks: list[AttackDraft]) -> None:
    same = [a for a in attacks if a.paragraph == draft.paragraph and a.date == draft.date]
    if not same:
        starts = {v.start for v in draft.views}
        same = [
            a
            for a in attacks
            if a.date == draft.date
            and (
                any(v.start in starts for v in a.views)
                or (draft.region is not None and draft.region in a.regions)
            )
        ]
    if not same:
        return
    starts = {v.start for v in draft.views}
    for a in same:
        if any(v.start in starts for v in a.views):
            draft.caused_by = a
            break
    else:
        for a in same:
            if (draft.place and any(p.name == draft.place.name for p in a.places)) or (
                draft.region and draft.region in a.regions
            ):
                draft.caused_by = a
                break
        else:
            air = [a for a in same if a.weapon_class is not WeaponClass.GROUND_ASSAULT]
            draft.caused_by = (air or same)[-1]
    if draft.place is None and draft.region is None and draft.caused_by is not None:
        a = draft.caused_by
        if len(a.places) == 1:
            draft.place = a.places[0]
            draft.region = a.places[0].region
        elif len(a.regions) == 1:
            draft.region = a.regions[0]
