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
    "missiles_launched",
    "missiles_shot_down",
    "killed",
    "injured",
    "meetings",
)
MISSILE_CLASSES = {"cruise_missile", "ballistic_missile", "missile"}


class Totals(BaseModel):
    """Headline counters plus the labelled series behind the Prometheus gauges."""

    headline: dict[str, int]
    incidents: dict[tuple[str, str, str], int]  # (type, weapon_class, region) -> count
    weapons: dict[tuple[str, str, str], int]  # (outcome, weapon_class, region) -> count
    casualties: dict[tuple[str, str], int]  # (kind, region) -> people


def summarize(incidents: Iterable[Incident]) -> Totals:
    headline: Counter[str] = Counter({name: 0 for name in COUNTER_NAMES})
    by_incident: Counter[tuple[str, str, str]] = Counter()
    weapons: Counter[tuple[str, str, str]] = Counter()
    casualties: Counter[tuple[str, str]] = Counter()
    for incident in incidents:
        if not incident.counted:
            continue
        by_incident[(incident.type, incident.weapon_class, incident.region)] += 1
        figures = incident.figures()
        if incident.type == "attack":
            headline["attacks"] += 1
            for outcome in ("launched", "shot_down", "diverted", "hit"):
                if outcome in figures:
                    weapons[(outcome, incident.weapon_class, incident.region)] += figures[outcome]
            family = (
                "drones"
                if incident.weapon_class == "drone"
                else "missiles"
                if incident.weapon_class in MISSILE_CLASSES
                else None
            )
            if family:
                for outcome in ("launched", "shot_down", "diverted"):
                    key = f"{family}_{outcome}"
                    if key in headline:
                        headline[key] += figures.get(outcome, 0)
        elif incident.type == "casualties":
            for kind in ("killed", "injured"):
                if kind in figures:
                    headline[kind] += figures[kind]
                    casualties[(kind, incident.region)] += figures[kind]
        elif incident.type == "meeting":
            headline["meetings"] += 1
    return Totals(
        headline=dict(headline),
        incidents=dict(by_incident),
        weapons=dict(weapons),
        casualties=dict(casualties),
    )
