"""Sum incidents into the live counters (the numbers on the dashboard)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Generic, TypeVar

from pydantic import BaseModel

from lagebild.aggregation.incidents import Incident

COUNTER_NAMES = (
    "attacks",
    "drones_launched",
    "drones_shot_down",
    "drones_diverted",
    "drones_hit",
    "missiles_launched",
    "missiles_shot_down",
    "missiles_diverted",
    "missiles_hit",
    "killed",
    "injured",
    "meetings",
    "calls",
)
K = TypeVar("K")
MISSILE_CLASSES = {"cruise_missile", "ballistic_missile", "missile"}


def weapon_family(weapon_class: str) -> str | None:
    if weapon_class == "drone":
        return "drones"
    return "missiles" if weapon_class in MISSILE_CLASSES else None


class Totals(BaseModel):
    """Headline counters plus the labelled series behind the Prometheus gauges."""

    headline: dict[str, int]
    incidents: dict[tuple[str, str, str], int]  # (type, weapon_class, region) -> count
    weapons: dict[tuple[str, str, str], int]  # (outcome, weapon_class, region) -> count
    casualties: dict[tuple[str, str], int]  # (kind, region) -> people
    daily: dict[tuple[str, str], int]  # (headline counter, ISO date) -> value
    participants: dict[str, int]  # canonical person -> meetings held (calls excluded)
    stored: int = 0  # incidents, counted or not (e.g. meetings only planned so far)


def _contributions(incident: Incident) -> dict[str, int]:
    """What one incident adds to each headline counter."""
    figures = incident.figures()
    if incident.type == "attack":
        out = {"attacks": 1}
        if family := weapon_family(incident.weapon_class):
            for outcome in ("launched", "shot_down", "diverted", "hit"):
                if outcome in figures:
                    out[f"{family}_{outcome}"] = figures[outcome]
        return out
    if incident.type == "casualties":
        return {kind: figures[kind] for kind in ("killed", "injured") if kind in figures}
    return {"meetings" if incident.status == "held" else "calls": 1}


class _Series(Generic[K]):
    """Sums per label set, and how many incidents contribute to each (a figure may be 0)."""

    def __init__(self) -> None:
        self.values: Counter[K] = Counter()
        self.members: Counter[K] = Counter()

    def add(self, key: K, value: int, sign: int) -> None:
        self.values[key] += sign * value
        self.members[key] += sign
        if not self.members[key]:  # no incident left under these labels: drop the series
            del self.values[key], self.members[key]

    def merge(self, other: _Series[K]) -> None:
        self.values.update(other.values)
        self.members.update(other.members)

    def snapshot(self) -> dict[K, int]:
        return dict(self.values)


class RunningTotals:
    """Totals kept up to date one incident change at a time: ``replace(old, new)``.

    Every series is a sum over incidents, so replacing an incident subtracts what its old
    version contributed and adds the new one; the result equals :func:`summarize` over the
    current incidents (property-tested), without reading every incident on each scrape.
    """

    def __init__(self) -> None:
        self.stored = 0
        self.headline: Counter[str] = Counter()
        self.incidents: _Series[tuple[str, str, str]] = _Series()
        self.weapons: _Series[tuple[str, str, str]] = _Series()
        self.casualties: _Series[tuple[str, str]] = _Series()
        self.daily: _Series[tuple[str, str]] = _Series()
        self.participants: _Series[str] = _Series()

    def add(self, incident: Incident, sign: int = 1) -> None:
        """Count ``incident`` in (sign 1) or out (sign -1, the same version that was counted)."""
        self.stored += sign
        if not incident.counted:
            return
        self.incidents.add((incident.type, incident.weapon_class, incident.region), 1, sign)
        for name, value in _contributions(incident).items():
            self.headline[name] += sign * value
            self.daily.add((name, incident.date or "undated"), value, sign)
        figures = incident.figures()
        if incident.type == "attack":
            for outcome in ("launched", "shot_down", "diverted", "hit"):
                if outcome in figures:
                    key = (outcome, incident.weapon_class, incident.region)
                    self.weapons.add(key, figures[outcome], sign)
        elif incident.type == "casualties":
            for kind in ("killed", "injured"):
                if kind in figures:
                    self.casualties.add((kind, incident.region), figures[kind], sign)
        elif incident.status == "held":
            for name in incident.participants:
                self.participants.add(name, 1, sign)

    def replace(self, old: Incident | None, new: Incident) -> None:
        if old is not None:
            self.add(old, sign=-1)
        self.add(new)

    def merge(self, other: RunningTotals) -> None:
        self.stored += other.stored
        self.headline.update(other.headline)
        self.incidents.merge(other.incidents)
        self.weapons.merge(other.weapons)
        self.casualties.merge(other.casualties)
        self.daily.merge(other.daily)
        self.participants.merge(other.participants)

    def totals(self) -> Totals:
        return Totals(
            headline={name: self.headline[name] for name in COUNTER_NAMES},
            incidents=self.incidents.snapshot(),
            weapons=self.weapons.snapshot(),
            casualties=self.casualties.snapshot(),
            daily=self.daily.snapshot(),
            participants=self.participants.snapshot(),
            stored=self.stored,
        )


def summarize(incidents: Iterable[Incident]) -> Totals:
    running = RunningTotals()
    for incident in incidents:
        running.add(incident)
    return running.totals()
