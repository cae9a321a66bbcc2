"""An incident is the set of reports (events) that share an incident key.

Its figures are a pure function of that set, never a running sum, so applying the same event
twice, or in another order, gives the same incident: redelivery cannot double-count.

Rules (v1) for each figure (launched, shot down, diverted, hit, killed, injured):
- explicit updates ("stieg auf", "rose to") win over plain reports; among several updates the
  most recently published one wins (ties: the larger figure);
- otherwise the largest reported figure ("at least 12" then "15" gives 15).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from lagebild.models import (
    AttackEvent,
    CasualtiesEvent,
    MeetingEvent,
    MeetingStatus,
)

AnyEvent = AttackEvent | CasualtiesEvent | MeetingEvent

FIGURES = ("launched", "shot_down", "diverted", "hit", "killed", "injured")
_REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class Report(BaseModel):
    """What one event contributed to its incident."""

    event_id: str
    article_id: str
    published_at: str
    is_update: bool = False
    figures: dict[str, int] = Field(default_factory=dict)
    sentence: str = ""


class Incident(BaseModel):
    key: str
    type: str
    date: str | None = None
    weapon_class: str = "none"
    region: str = "unknown"
    counted: bool = True  # running totals and planned meetings are kept but never counted
    partition: int = -1  # events-topic partition that owns this incident
    reports: dict[str, Report] = Field(default_factory=dict)

    def figures(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for name in FIGURES:
            updates = [
                (r.published_at, r.figures[name])
                for r in self.reports.values()
                if r.is_update and name in r.figures
            ]
            if updates:
                merged[name] = max(updates)[1]
                continue
            values = [r.figures[name] for r in self.reports.values() if name in r.figures]
            if values:
                merged[name] = max(values)
        return merged


def region_label(codes: list[str]) -> str:
    """A bounded label: one ISO 3166-2 code, 'multiple', or 'unknown'."""
    valid = sorted({c for c in codes if _REGION_CODE.match(c)})
    if not valid:
        return "unknown"
    return valid[0] if len(valid) == 1 else "multiple"


def _report(event: AnyEvent) -> Report:
    figures: dict[str, int] = {}
    is_update = False
    if isinstance(event, AttackEvent):
        for name in ("launched", "shot_down", "diverted", "hit"):
            figure = getattr(event, name)
            if figure is not None:
                figures[name] = figure.value
    elif isinstance(event, CasualtiesEvent):
        for name in ("killed", "injured"):
            figure = getattr(event, name)
            if figure is not None:
                figures[name] = figure.value
        is_update = event.is_update
    return Report(
        event_id=event.event_id,
        article_id=event.article_id,
        published_at=event.published_at.isoformat(),
        is_update=is_update,
        figures=figures,
        sentence=event.evidence[0].sentence[:500],
    )


def _new_incident(event: AnyEvent, partition: int) -> Incident:
    weapon_class = "none"
    counted = True
    if isinstance(event, AttackEvent):
        weapon_class = event.weapon_class.value
        region = region_label(event.regions or [p.region for p in event.places if p.region])
    elif isinstance(event, CasualtiesEvent):
        region = region_label([event.region] if event.region else [])
        counted = not event.is_running_total
    else:
        region = region_label([event.place.region] if event.place and event.place.region else [])
        counted = event.status != MeetingStatus.PLANNED
    return Incident(
        key=event.incident_key,
        type=event.type,
        date=event.date.isoformat() if event.date else None,
        weapon_class=weapon_class,
        region=region,
        counted=counted,
        partition=partition,
    )


def apply_event(incident: Incident | None, event: AnyEvent, partition: int) -> Incident | None:
    """The incident after ``event``; ``None`` when the event was already applied (no change)."""
    if incident is not None and event.event_id in incident.reports:
        return None
    base = incident or _new_incident(event, partition)
    reports = {**base.reports, event.event_id: _report(event)}
    return base.model_copy(update={"reports": reports, "partition": partition})
