"""Orchestration: article → document → attack, casualty and meeting drafts → events.

Deterministic: the same article (id and text) gives the same events with the same ids. The
engine keeps no state between articles; the gazetteer and people index are loaded once.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from lagebild.extraction.attacks import AttackDraft, extract_attacks, finalise
from lagebild.extraction.casualties import CasualtyDraft, extract_casualties
from lagebild.extraction.common import evidence, to_place
from lagebild.extraction.document import Document
from lagebild.extraction.meetings import MeetingDraft, extract_meetings
from lagebild.extraction.people import PeopleIndex, Person
from lagebild.extraction.places import Gazetteer
from lagebild.identity import attack_key, casualties_key, event_id, meeting_key
from lagebild.models.article import Article
from lagebild.models.events import (
    AttackEvent,
    CasualtiesEvent,
    MeetingEvent,
    Participant,
)

__all__ = ["ENGINE_VERSION", "Extractor", "default_extractor"]

ENGINE_VERSION = "rules-1.1"  # 1.1: language gate, corpus-driven rule fixes

AnyEvent = AttackEvent | CasualtiesEvent | MeetingEvent


class Extractor:
    """Rule-based event extraction for German and English war reporting."""

    def __init__(self, gazetteer: Gazetteer, people: PeopleIndex) -> None:
        self.gazetteer = gazetteer
        self.people = people

    def extract(self, article: Article) -> list[AnyEvent]:
        doc = Document(article, self.gazetteer, self.people)
        attacks = extract_attacks(doc)
        finalise(doc, attacks)
        keys = {id(a): _attack_key(a) for a in attacks}
        events: list[AnyEvent] = [self._attack(doc, a, keys[id(a)]) for a in attacks]
        for c in extract_casualties(doc, attacks):
            events.append(self._casualties(doc, c, keys))
        for m in extract_meetings(doc, self.people):
            events.append(self._meeting(doc, m))
        events.sort(key=lambda e: (e.evidence[0].start, e.type, e.incident_key))
        return events

    def _attack(self, doc: Document, a: AttackDraft, key: str) -> AttackEvent:
        confidence = 0.55
        confidence += 0.2 if a.figures else 0.0
        confidence += 0.1 if (a.places or a.regions) else 0.0
        confidence += 0.05 if a.explicit_date else 0.0
        confidence += 0.05 if a.reported_by else 0.0
        ev = evidence(doc, a.views, confidence)
        outcome = a.outcome or ("hit" if "hit" in a.figures else None)
        return AttackEvent(
            event_id=event_id(doc.article.id, "attack", ev[0].start, key, a.weapon_class.value),
            incident_key=key,
            article_id=doc.article.id,
            published_at=doc.published_at,
            date=a.date,
            extractor_version=ENGINE_VERSION,
            evidence=ev,
            attacker=a.attacker,
            target_country=a.target,
            weapon_class=a.weapon_class,
            weapon_models=list(a.models),
            places=[to_place(p) for p in a.places],
            regions=list(a.regions),
            launched=a.figures.get("launched"),
            shot_down=a.figures.get("shot_down"),
            diverted=a.figures.get("diverted"),
            hit=a.figures.get("hit"),
            outcome=outcome,
            reported_by=a.reported_by,
        )

    def _casualties(self, doc: Document, c: CasualtyDraft, keys: dict[int, str]) -> CasualtiesEvent:
        key = casualties_key(c.region, c.place.name if c.place else None)
        confidence = 0.6 + (0.15 if c.place or c.region else 0.0) + (0.1 if c.caused_by else 0.0)
        ev = evidence(doc, c.views, confidence)
        return CasualtiesEvent(
            event_id=event_id(doc.article.id, "casualties", ev[0].start, key),
            incident_key=key,
            article_id=doc.article.id,
            published_at=doc.published_at,
            date=c.date,
            extractor_version=ENGINE_VERSION,
            evidence=ev,
            place=to_place(c.place) if c.place else None,
            region=c.region,
            killed=c.killed,
            injured=c.injured,
            children_killed=c.children_killed,
            children_injured=c.children_injured,
            is_update=c.is_update,
            is_running_total=c.is_running_total,
            caused_by=keys.get(id(c.caused_by)) if c.caused_by is not None else None,
        )

    def _meeting(self, doc: Document, m: MeetingDraft) -> MeetingEvent:
        key = meeting_key(m.names)
        confidence = 0.7 + (0.1 if m.place else 0.0)
        ev = evidence(doc, m.views, confidence)
        day = m.date or doc.published
        return MeetingEvent(
            event_id=event_id(doc.article.id, "meeting", ev[0].start, key),
            incident_key=key,
            article_id=doc.article.id,
            published_at=doc.published_at,
            date=m.date,
            extractor_version=ENGINE_VERSION,
            evidence=ev,
            participants=[_participant(p, day) for p in m.people],
            place=to_place(m.place) if m.place else None,
            status=m.status,
        )


def _attack_key(a: AttackDraft) -> str:
    # A counted wave ("103 drones") without one single place is a country-wide attack.
    nationwide = "launched" in a.figures and len(a.places) != 1
    return attack_key(a.target, [p.name for p in a.places], a.regions, nationwide)


def _participant(person: Person, day: dt.date) -> Participant:
    role = person.role_on(day)
    if role is None:
        return _named(person.name)
    return _with_role(person.name, role.title, role.affiliation)


# Participants are immutable and the same few recur: each is built (validated) once.
@lru_cache(maxsize=4096)
def _named(name: str) -> Participant:
    return Participant(name=name)


@lru_cache(maxsize=4096)
def _with_role(name: str, title: str, affiliation: str | None) -> Participant:
    return Participant(name=name, role=title, affiliation=affiliation)


_DEFAULT: Extractor | None = None


def default_extractor() -> Extractor:
    """The extractor over the packaged gazetteer and people index (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Extractor(Gazetteer.default(), PeopleIndex.default())
    return _DEFAULT
