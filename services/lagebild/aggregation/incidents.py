"""Incidents: reports of the same real-world event, merged deterministically.

Events arrive keyed by a *bucket* (``incident_key``: type + where, or the participants of a
meeting; see :mod:`lagebild.identity`), so all candidate reports of one incident are on one
partition. Inside a bucket an event joins the incident whose date is closest within
``DATE_TOLERANCE`` (overnight attacks straddle two dates, and outlets date them differently)
and, for attacks, whose weapon is compatible; otherwise it opens a new incident.

An incident's figures are a pure function of its set of reports, never a running sum, so
applying the same event twice changes nothing: redelivery cannot double-count. The record does
not keep the reports, though: it keeps a *fold* of them (see :class:`FigureFold`) that is
order-independent and idempotent, and the first ``SENTENCES_KEPT`` reports as evidence, so its
size does not grow with the number of reports (a record that kept them all passed Kafka's 1 MB
message limit with a hot incident; the one part that can grow is described in FigureFold).

Storage (see :class:`IncidentStore`): a bucket index per incident key, sharded by month (id,
earliest date and weapon of each incident; see :mod:`lagebild.aggregation.index`), one record
per incident, and one tiny record per applied event (its incident's id), so no stored value
grows with the number of incidents a key collects over months or with the number of reports an
incident collects. Writes of one event go incident, index, event record, through one changelog
partition, so after a crash the store holds a prefix of them; see :func:`apply_event` for why
every prefix is safe.

Figure rules (per figure: launched, shot down, diverted, hit, killed, injured):
- an explicit update ("stieg auf", "rose to") replaces what was known when it was published:
  the most recently published update is the base;
- any figure published later than that base which is higher raises it ("at least 12", then
  "15" gives 15); a lower plain figure never lowers it;
- without updates the highest figure wins;
- ``low``/``high`` keep the range of all reported values where sources disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from lagebild.aggregation.copying import replaced
from lagebild.aggregation.index import (
    DATE_TOLERANCE,
    Bucket,
    BucketIndex,
    IndexEntry,
    IndexShard,
    IndexStore,
)
from lagebild.models import AttackEvent, CasualtiesEvent, MeetingEvent, MeetingStatus

AnyEvent = AttackEvent | CasualtiesEvent | MeetingEvent
Result = Literal["created", "updated", "duplicate", "ignored"]
SENTENCES_KEPT = 10  # reports kept in full (evidence) per incident; later ones are only folded

FIGURES = ("launched", "shot_down", "diverted", "hit", "killed", "injured")
# Umbrella classes a report may use for an attack another report names precisely.
_UNSPECIFIC_WEAPONS = {"air_strike", "missile", "other"}
_MISSILES = {"missile", "cruise_missile", "ballistic_missile"}
_STATUS_STRENGTH = [
    s.value
    for s in (
        MeetingStatus.HELD,
        MeetingStatus.VIDEO_CALL,
        MeetingStatus.PHONE_CALL,
        MeetingStatus.PLANNED,
    )
]
_REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class Report(BaseModel):
    """What one event contributed to its incident (kept in full for the first few only)."""

    event_id: str
    article_id: str
    published_at: str
    date: str | None = None
    is_update: bool = False
    weapon_class: str = "none"
    status: str | None = None
    participants: list[str] = Field(default_factory=list)
    figures: dict[str, int] = Field(default_factory=dict)
    sentence: str = ""
    start: int = 0
    end: int = 0


class FigureRange(BaseModel):
    best: int
    low: int
    high: int


class FigureFold(BaseModel):
    """One figure of an incident, folded over its reports in any order, any number of times.

    The rules (module docstring) as a function of the set of reports R that carry the figure:
    ``low``/``high`` are min/max; the *base* is the update that sorts last by (published_at,
    event_id); ``best`` is max(base value, values published strictly after the base) with a
    base, else the max. The fold keeps ``low``, ``high``, ``base`` and ``later``: the points
    (published_at, value) of R published after the base that no other such point matches or
    beats in both time and value (a staircase: times rising, values falling). For any time T,
    the highest value published after T is the highest such staircase point after T, because a
    dominated point published after T is dominated by a point published after T too; and
    dropping points not after the base loses nothing, because the base only moves later. Every
    part is a function of the set R alone, so order and repetition do not matter
    (``tests/unit/test_figure_fold.py`` checks this against the direct computation).

    Size: the staircase holds only reports published after the last update whose values fall
    as their times rise, which real reporting (figures grow or are repeated) keeps to a few
    points; exactness needs all of them, so an adversarial series of ever lower figures grows
    it by ~35 bytes per report.
    """

    low: int
    high: int
    base: tuple[str, str, int] | None = None  # (published_at, event_id, value) of the base
    later: list[tuple[str, int]] = Field(default_factory=list)  # the staircase after the base

    @classmethod
    def of(cls, published_at: str, event_id: str, value: int, is_update: bool) -> FigureFold:
        # What ``cls(low=value, high=value).add(...)`` gives, built once: an update is the
        # base and leaves nothing after it, a plain figure is the staircase's one point.
        if is_update:
            return cls(low=value, high=value, base=(published_at, event_id, value), later=[])
        return cls(low=value, high=value, base=None, later=[(published_at, value)])

    def add(self, published_at: str, event_id: str, value: int, is_update: bool) -> FigureFold:
        base = self.base
        if is_update and (base is None or (published_at, event_id) > base[:2]):
            base = (published_at, event_id, value)
        later = self.later
        if not any(t >= published_at and v >= value for t, v in later):
            later = sorted(
                [(t, v) for t, v in later if not (t <= published_at and v <= value)]
                + [(published_at, value)]
            )
        if base is not None:
            later = [(t, v) for t, v in later if t > base[0]]
        # Every part is built from valid parts above: no need to validate them again.
        return replaced(
            self,
            {
                "low": min(self.low, value),
                "high": max(self.high, value),
                "base": base,
                "later": later,
            },
        )

    def range(self) -> FigureRange:
        best = self.high if self.base is None else max([self.base[2], *(v for _, v in self.later)])
        return FigureRange(best=best, low=self.low, high=self.high)


class Incident(BaseModel):
    """One incident: identity, location, and a fold of its reports (bounded in size)."""

    id: str
    bucket: str
    type: str
    date: str | None = None  # the earliest reported day
    last: str | None = None  # the latest reported day
    undated: bool = False  # has reports without a date
    weapon_class: str = "none"
    region: str = "unknown"
    place: str | None = None
    partition: int = -1  # events-topic partition that owns this incident
    status: str | None = None  # a meeting's strongest reported status
    participants: list[str] = Field(default_factory=list)  # union over reports, sorted
    folds: dict[str, FigureFold] = Field(default_factory=dict)
    report_count: int = 0  # distinct events merged
    last_event_id: str | None = None  # the event merged last: what crash repair looks for
    sources: list[Report] = Field(default_factory=list)  # the first SENTENCES_KEPT reports

    @classmethod
    def from_json(cls, stored: bytes) -> Incident:
        """Decode a stored record, also one stored before the fold (all reports under
        ``reports``; folded here, with the same figures). A JSON key is the only place where
        ``"reports":`` can occur, since quotes inside strings are escaped."""
        if b'"reports":' not in stored:
            return cls.model_validate_json(stored)
        data = json.loads(stored)
        reports = data.pop("reports")
        incident = cls.model_validate({**data, "date": None})
        for value in reports.values():
            incident = _add_report(incident, Report.model_validate(value), incident.partition)
        return incident.model_copy(update={"weapon_class": data.get("weapon_class", "none")})

    @property
    def counted(self) -> bool:
        """Meetings count once any report says they took place (not only planned)."""
        return self.type != "meeting" or self.status != MeetingStatus.PLANNED.value

    def figure_ranges(self) -> dict[str, FigureRange]:
        return {name: self.folds[name].range() for name in FIGURES if name in self.folds}

    def figures(self) -> dict[str, int]:
        return {name: r.best for name, r in self.figure_ranges().items()}


class IncidentStore(IndexStore, Protocol):
    """Where incidents live: a dict in tests, the aggregator's faust table in production."""

    def get_incident(self, incident_id: str) -> Incident | None: ...
    def put_incident(self, incident: Incident) -> None: ...
    def get_event(self, key: str, event_id: str) -> str | None:
        """The id of the incident event ``event_id`` (of incident key ``key``) was merged into."""
        ...

    def put_event(self, key: str, event_id: str, incident_id: str) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self.indexes: dict[str, BucketIndex] = {}
        self.shards: dict[tuple[str, str], IndexShard] = {}
        self.incidents: dict[str, Incident] = {}
        self.events: dict[tuple[str, str], str] = {}

    def get_index(self, key: str) -> BucketIndex | None:
        return self.indexes.get(key)

    def put_index(self, index: BucketIndex) -> None:
        self.indexes[index.key] = index

    def get_shard(self, key: str, month: str) -> IndexShard | None:
        return self.shards.get((key, month))

    def put_shard(self, shard: IndexShard) -> None:
        self.shards[(shard.key, shard.month)] = shard

    def get_incident(self, incident_id: str) -> Incident | None:
        return self.incidents.get(incident_id)

    def put_incident(self, incident: Incident) -> None:
        self.incidents[incident.id] = incident

    def get_event(self, key: str, event_id: str) -> str | None:
        return self.events.get((key, event_id))

    def put_event(self, key: str, event_id: str, incident_id: str) -> None:
        self.events[(key, event_id)] = incident_id


class Applied(BaseModel):
    """Outcome of one event: the incident it created, updated or repeated."""

    incident: Incident | None
    result: Result
    # The incident as stored before this event (None if created, or if nothing changed):
    # what running totals subtract before adding ``incident``.
    previous: Incident | None = None


def region_label(codes: list[str]) -> str:
    """A bounded label: one ISO 3166-2 code, 'multiple', or 'unknown'."""
    # One pass, no set or sort: only whether a second distinct valid code exists matters.
    label = None
    for code in codes:
        if _REGION_CODE.match(code):
            if label is None:
                label = code
            elif code != label:
                return "multiple"
    return "unknown" if label is None else label


def _weapons_compatible(a: str, b: str) -> bool:
    if a == b or a in _UNSPECIFIC_WEAPONS or b in _UNSPECIFIC_WEAPONS:
        return True
    return a in _MISSILES and b in _MISSILES and "missile" in (a, b)


def _more_specific(current: str, new: str) -> str:
    return (
        current
        if new in _UNSPECIFIC_WEAPONS or current == new
        else (new if current in _UNSPECIFIC_WEAPONS else current)
    )


def _report(event: AnyEvent) -> Report:
    figures: dict[str, int] = {}
    names: tuple[str, ...] = ()
    if isinstance(event, AttackEvent):
        names = ("launched", "shot_down", "diverted", "hit")
    elif isinstance(event, CasualtiesEvent):
        names = ("killed", "injured")
    for name in names:
        figure = getattr(event, name)
        if figure is not None:
            figures[name] = figure.value
    evidence = event.evidence[0]
    return Report(
        event_id=event.event_id,
        article_id=event.article_id,
        published_at=event.published_at.astimezone(dt.UTC).isoformat(),
        date=event.date.isoformat() if event.date else None,
        is_update=isinstance(event, CasualtiesEvent) and event.is_update,
        weapon_class=event.weapon_class.value if isinstance(event, AttackEvent) else "none",
        status=event.status.value if isinstance(event, MeetingEvent) else None,
        participants=[p.name for p in event.participants]
        if isinstance(event, MeetingEvent)
        else [],
        figures=figures,
        sentence=evidence.sentence[:500],
        start=evidence.start,
        end=evidence.end,
    )


def _location(event: AnyEvent) -> tuple[str, str | None]:
    if isinstance(event, AttackEvent):
        codes = event.regions or [p.region for p in event.places if p.region]
        place = event.places[0].name if len(event.places) == 1 else None
        return region_label(codes), place
    if isinstance(event, CasualtiesEvent):
        codes = [event.region] if event.region else []
        return region_label(codes), event.place.name if event.place else None
    place_region = event.place.region if event.place and event.place.region else None
    return region_label([place_region] if place_region else []), (
        event.place.name if event.place else None
    )


# Dates are compared as day numbers: whole days, so within the tolerance iff within its days.
_TOLERANCE_DAYS = DATE_TOLERANCE // dt.timedelta(days=1)


# Matching compares every candidate's date: parse each ISO date once (a few thousand days).
@functools.lru_cache(maxsize=4096)
def _day(date: str) -> int:
    return dt.date.fromisoformat(date).toordinal()


def _match(entries: Iterable[IndexEntry], event: AnyEvent, report: Report) -> IndexEntry | None:
    day = _day(report.date) if report.date is not None else None
    attack = isinstance(event, AttackEvent)
    best: tuple[int, int] | None = None
    chosen = None
    for entry in entries:
        # Distance between dates in days; undated reports (or incidents) join the latest.
        distance = 0 if day is None or entry.date is None else abs(_day(entry.date) - day)
        if distance > _TOLERANCE_DAYS:
            continue
        if attack and not _weapons_compatible(entry.weapon_class, report.weapon_class):
            continue
        # Closest date first; ties go to the most recently created incident (the first
        # such entry read, as min() picks).
        rank = (distance, -entry.seq)
        if best is None or rank < best:
            best, chosen = rank, entry
    return chosen


def _entry(incident: Incident, seq: int) -> IndexEntry:
    return IndexEntry(
        id=incident.id, date=incident.date, weapon_class=incident.weapon_class, seq=seq
    )


def _stronger(current: str | None, new: str | None) -> str | None:
    known = [s for s in (current, new) if s in _STATUS_STRENGTH]
    return min(known, key=_STATUS_STRENGTH.index) if known else None


def _add_report(incident: Incident, report: Report, partition: int) -> Incident:
    """``incident`` with ``report`` folded in (a new object: stored values are never mutated)."""
    folds = dict(incident.folds)
    for name, value in report.figures.items():
        current = folds.get(name)
        args = (report.published_at, report.event_id, value, report.is_update)
        folds[name] = current.add(*args) if current is not None else FigureFold.of(*args)
    dates = [d for d in (incident.date, incident.last, report.date) if d]
    participants = incident.participants
    if not set(report.participants) <= set(participants):
        participants = sorted({*participants, *report.participants})
    sources = incident.sources
    if len(sources) < SENTENCES_KEPT:
        sources = [*sources, report]
    return replaced(
        incident,
        {
            # The earliest reported day: "overnight" reports dated the morning after join it.
            "date": min(dates) if dates else None,
            "last": max(dates) if dates else None,
            "undated": incident.undated or report.date is None,
            "weapon_class": _more_specific(incident.weapon_class, report.weapon_class),
            "status": _stronger(incident.status, report.status),
            "participants": participants,
            "folds": folds,
            "report_count": incident.report_count + 1,
            "last_event_id": report.event_id,
            "sources": sources,
            "partition": partition,
        },
    )


def _repaired(
    store: IncidentStore, bucket: Bucket, held: Incident, seq: int, event: AnyEvent
) -> Applied:
    """Finish the writes a crash cut short after ``held`` (holding ``event`` last) was stored."""
    bucket.place(store, _entry(held, seq))
    store.put_event(event.incident_key, event.event_id, held.id)
    return Applied(incident=held, result="duplicate")


def apply_event(store: IncidentStore, event: AnyEvent, partition: int) -> Applied:
    """Merge ``event`` into the store; idempotent per event id.

    Writes go incident, index (only what changed: the entry's shard, the shard it left when its
    date moved to another month, the head when a shard or an incident is new), event record
    (``put_event``), and the event record is what marks an event as merged: a redelivered
    event that finds it is a duplicate and writes nothing. Crash safety: the writes of one
    partition's events go through one changelog partition in order, so after a crash the store
    holds a prefix of them, and only the last event's writes can be incomplete. That event's
    incident record, if written, names it as ``last_event_id`` (no later write touched it). On
    redelivery:

    - nothing written: the event is merged as new;
    - incident only: the index is as before the event, so matching picks the same incident
      again, or none and the same new incident id (the head's count is unchanged); that record
      names the event as its last: repair index and event record, report a duplicate;
    - incident and part or all of the index: the event reads the shards of the months near its
      date whether the head lists them or not (an undated event never moves an entry, and
      finds a new incident by its id as above), so it sees the entry's new version, perhaps
      also its old one: matching still picks that incident (its entry only moved closer: an
      earlier or equal date, a more specific but still compatible weapon; a new incident is at
      distance 0 with the highest number, which wins ties): repair the rest, report a
      duplicate;
    - all of them: the event record says duplicate.

    Re-merging an event would not change any figure anyway (the fold is idempotent); the event
    record keeps ``report_count`` and the created/updated/duplicate result exact.
    """
    if isinstance(event, CasualtiesEvent) and event.is_running_total:
        return Applied(incident=None, result="ignored")
    merged_into = store.get_event(event.incident_key, event.event_id)
    if merged_into is not None:
        held = store.get_incident(merged_into)  # written before the event record: present
        if held is not None:
            return Applied(incident=held, result="duplicate")
    report = _report(event)
    bucket = Bucket.load(store, event.incident_key, report.date)
    target = _match(bucket.entries(), event, report)
    result: Result = "updated"
    incident = store.get_incident(target.id) if target is not None else None
    if incident is not None and target is not None:
        seq = target.seq
        if incident.last_event_id == event.event_id:
            return _repaired(store, bucket, incident, seq, event)
    else:
        seq = bucket.index.count
        region, place = _location(event)
        incident_id = f"{event.incident_key}|{report.date or 'undated'}|{seq}"
        leftover = store.get_incident(incident_id)
        if leftover is not None and leftover.last_event_id == event.event_id:
            return _repaired(store, bucket, leftover, seq, event)
        incident = Incident(
            id=incident_id,
            bucket=event.incident_key,
            type=event.type,
            weapon_class=report.weapon_class,
            region=region,
            place=place,
            partition=partition,
        )
        result = "created"
    previous = incident if result == "updated" else None
    merged = _add_report(incident, report, partition)
    store.put_incident(merged)
    bucket.place(store, _entry(merged, seq))
    store.put_event(event.incident_key, event.event_id, merged.id)
    return Applied(incident=merged, result=result, previous=previous)
