"""Sum incidents into the live counters (the numbers on the dashboard)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

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


def summarize(incidents: Iterable[Incident]) -> Totals:
    headline: Counter[str] = Counter({name: 0 for name in COUNTER_NAMES})
    by_incident: Counter[tuple[str, str, str]] = Counter()
    weapons: Counter[tuple[str, str, str]] = Counter()
    casualties: Counter[tuple[str, str]] = Counter()
    daily: Counter[tuple[str, str]] = Counter()
    participants: Counter[str] = Counter()
    for incident in incidents:
        if not incident.counted:
            continue
        by_incident[(incident.type, incident.weapon_class, incident.region)] += 1
        contributions = _contributions(incident)
        headline.update(contributions)
        for name, value in contributions.items():
            daily[(name, incident.date or "undated")] += value
        figures = incident.figures()
        if incident.type == "attack":
            for outcome in ("launched", "shot_down", "diverted", "hit"):
                if outcome in figures:
                    weapons[(outcome, incident.weapon_class, incident.region)] += figures[outcome]
        elif incident.type == "casualties":
            for kind in ("killed", "injured"):
                if kind in figures:
                    casualties[(kind, incident.region)] += figures[kind]
        elif incident.status == "held":
            participants.update(incident.participants)
    return Totals(
        headline=dict(headline),
        incidents=dict(by_incident),
        weapons=dict(weapons),
        casualties=dict(casualties),
        daily=dict(daily),
        participants=dict(participants),
    )
