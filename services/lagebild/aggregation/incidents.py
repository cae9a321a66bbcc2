"""Incidents: reports of the same real-world event, merged deterministically.

Events arrive keyed by a *bucket* (``incident_key``: type + where, or the participants of a
meeting; see :mod:`lagebild.identity`), so all candidate reports of one incident are on one
partition. Inside a bucket an event joins the incident whose date is closest within
``DATE_TOLERANCE`` (overnight attacks straddle two dates, and outlets date them differently)
and, for attacks, whose weapon is compatible; otherwise it opens a new incident.

An incident's figures are a pure function of its set of reports, never a running sum, so
applying the same event twice changes nothing: redelivery cannot double-count.

Storage (see :class:`IncidentStore`): one small :class:`BucketIndex` per incident key (id,
date range and weapon of each incident) and one record per incident, so no stored value grows
with the number of incidents a key collects over months (a single value per key did, until
it passed Kafka's 1 MB message limit). Writes go incident first, index second, through one
changelog partition, so after a crash the store holds a prefix of them; see
:func:`apply_event` for why both possible prefixes are safe.

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
import re
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from lagebild.models import AttackEvent, CasualtiesEvent, MeetingEvent, MeetingStatus

AnyEvent = AttackEvent | CasualtiesEvent | MeetingEvent
Result = Literal["created", "updated", "duplicate", "ignored"]
SENTENCES_KEPT = 10  # evidence sentences stored per incident; later reports keep ids only

FIGURES = ("launched", "shot_down", "diverted", "hit", "killed", "injured")
DATE_TOLERANCE = dt.timedelta(days=1)
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
    """What one event contributed to its incident."""

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


class Incident(BaseModel):
    id: str
    bucket: str
    type: str
    date: str | None = None
    weapon_class: str = "none"
    region: str = "unknown"
    place: str | None = None
    partition: int = -1  # events-topic partition that owns this incident
    reports: dict[str, Report] = Field(default_factory=dict)

    @property
    def status(self) -> str | None:
        """A meeting's strongest reported status: held > video call > phone call > planned."""
        statuses = {r.status for r in self.reports.values() if r.status}
        return next((s for s in _STATUS_STRENGTH if s in statuses), None)

    @property
    def participants(self) -> list[str]:
        return sorted({name for r in self.reports.values() for name in r.participants})

    @property
    def counted(self) -> bool:
        """Meetings count once any report says they took place (not only planned)."""
        return self.type != "meeting" or self.status != MeetingStatus.PLANNED.value

    def figure_ranges(self) -> dict[str, FigureRange]:
        ranges: dict[str, FigureRange] = {}
        ordered = sorted(self.reports.values(), key=lambda r: (r.published_at, r.event_id))
        for name in FIGURES:
            reported = [r for r in ordered if name in r.figures]
            if not reported:
                continue
            values = [r.figures[name] for r in reported]
            updates = [r for r in reported if r.is_update]
            if updates:
                base = updates[-1]
                later = [r.figures[name] for r in reported if r.published_at > base.published_at]
                best = max([base.figures[name], *later])
            else:
                best = max(values)
            ranges[name] = FigureRange(best=best, low=min(values), high=max(values))
        return ranges

    def figures(self) -> dict[str, int]:
        return {name: r.best for name, r in self.figure_ranges().items()}


class IndexEntry(BaseModel):
    id: str
    date: str | None = None  # the incident's (earliest) date: what matching measures from
    first: str | None = None  # date range of its reports: what duplicate checks look in
    last: str | None = None
    weapon_class: str = "none"
    undated: bool = False  # has reports without a date


class BucketIndex(BaseModel):
    """The incidents that share an incident key: small, one entry per incident."""

    key: str
    entries: list[IndexEntry] = Field(default_factory=list)


class IncidentStore(Protocol):
    """Where incidents live: a dict in tests, the aggregator's faust table in production."""

    def get_index(self, key: str) -> BucketIndex | None: ...
    def put_index(self, index: BucketIndex) -> None: ...
    def get_incident(self, incident_id: str) -> Incident | None: ...
    def put_incident(self, incident: Incident) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self.indexes: dict[str, BucketIndex] = {}
        self.incidents: dict[str, Incident] = {}

    def get_index(self, key: str) -> BucketIndex | None:
        return self.indexes.get(key)

    def put_index(self, index: BucketIndex) -> None:
        self.indexes[index.key] = index

    def get_incident(self, incident_id: str) -> Incident | None:
        return self.incidents.get(incident_id)

    def put_incident(self, incident: Incident) -> None:
        self.incidents[incident.id] = incident


class Applied(BaseModel):
    """Outcome of one event: the incident it created, updated or repeated."""

    incident: Incident | None
    result: Result


def region_label(codes: list[str]) -> str:
    """A bounded label: one ISO 3166-2 code, 'multiple', or 'unknown'."""
    valid = sorted({c for c in codes if _REGION_CODE.match(c)})
    if not valid:
        return "unknown"
    return valid[0] if len(valid) == 1 else "multiple"


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


def _date_distance(entry: IndexEntry, date: str | None) -> dt.timedelta | None:
    """Distance between dates, None if incompatible; undated reports join the latest."""
    if date is None or entry.date is None:
        return dt.timedelta(0)
    gap = abs(dt.date.fromisoformat(entry.date) - dt.date.fromisoformat(date))
    return gap if gap <= DATE_TOLERANCE else None


def _match(index: BucketIndex, event: AnyEvent, report: Report) -> IndexEntry | None:
    candidates = []
    for position, entry in enumerate(index.entries):
        distance = _date_distance(entry, report.date)
        if distance is None:
            continue
        if isinstance(event, AttackEvent) and not _weapons_compatible(
            entry.weapon_class, report.weapon_class
        ):
            continue
        # Closest date first; ties go to the most recently created incident.
        candidates.append((distance, -position, entry))
    return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


def _may_hold(entry: IndexEntry, date: str | None) -> bool:
    """Could this incident already contain a report dated ``date``? (Its range only grows.)"""
    if date is None:
        return entry.undated
    return entry.first is not None and entry.last is not None and entry.first <= date <= entry.last


def _entry(incident: Incident) -> IndexEntry:
    dates = sorted(r.date for r in incident.reports.values() if r.date)
    return IndexEntry(
        id=incident.id,
        date=incident.date,
        first=dates[0] if dates else None,
        last=dates[-1] if dates else None,
        weapon_class=incident.weapon_class,
        undated=any(r.date is None for r in incident.reports.values()),
    )


def _with_entry(index: BucketIndex, entry: IndexEntry) -> BucketIndex:
    entries = [e for e in index.entries if e.id != entry.id]
    position = next((i for i, e in enumerate(index.entries) if e.id == entry.id), len(entries))
    entries.insert(position, entry)
    return index.model_copy(update={"entries": entries})


def _add_report(incident: Incident, event: AnyEvent, report: Report) -> Incident:
    if len(incident.reports) >= SENTENCES_KEPT:
        report = report.model_copy(update={"sentence": ""})
    reports = {**incident.reports, event.event_id: report}
    dates = sorted(r.date for r in reports.values() if r.date)
    return incident.model_copy(
        update={
            "reports": reports,
            # The earliest reported day: "overnight" reports dated the morning after join it.
            "date": dates[0] if dates else None,
            "weapon_class": _more_specific(incident.weapon_class, report.weapon_class),
        }
    )


def apply_event(store: IncidentStore, event: AnyEvent, partition: int) -> Applied:
    """Merge ``event`` into the store; idempotent per event id.

    Crash safety: writes go incident, then index. If only the incident write survived, a
    redelivered event either finds itself in an incident its index entry says may hold it
    (range containment) or recomputes the same new incident id, finds that record already
    holding it, and only repairs the index. Either way it is reported as a duplicate.
    """
    if isinstance(event, CasualtiesEvent) and event.is_running_total:
        return Applied(incident=None, result="ignored")
    index = store.get_index(event.incident_key) or BucketIndex(key=event.incident_key)
    report = _report(event)
    for entry in index.entries:
        if not _may_hold(entry, report.date):
            continue
        held = store.get_incident(entry.id)
        if held is not None and event.event_id in held.reports:
            return Applied(incident=held, result="duplicate")
    target = _match(index, event, report)
    result: Result = "updated"
    incident = store.get_incident(target.id) if target is not None else None
    if incident is not None and event.event_id in incident.reports:
        store.put_index(_with_entry(index, _entry(incident)))  # repair after a crash
        return Applied(incident=incident, result="duplicate")
    if incident is None:
        region, place = _location(event)
        incident_id = f"{event.incident_key}|{report.date or 'undated'}|{len(index.entries)}"
        leftover = store.get_incident(incident_id)
        if leftover is not None and event.event_id in leftover.reports:
            store.put_index(_with_entry(index, _entry(leftover)))  # repair after a crash
            return Applied(incident=leftover, result="duplicate")
        incident = Incident(
            id=incident_id,
            bucket=event.incident_key,
            type=event.type,
            date=report.date,
            weapon_class=report.weapon_class,
            region=region,
            place=place,
            partition=partition,
        )
        result = "created"
    merged = _add_report(incident, event, report).model_copy(update={"partition": partition})
    store.put_incident(merged)
    store.put_index(_with_entry(index, _entry(merged)))
    return Applied(incident=merged, result=result)
