"""A synthetic stream of events whose correct totals are known by construction.

Every incident is reported several times (different articles, lower figures, an explicit
update, a stale repeat after the update), and every event is sent twice, so the aggregator
must merge and deduplicate to get the totals right. The expected totals are written down
from the construction (max or update value per incident), not computed by lagebild code.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from lagebild.models import AttackEvent, CasualtiesEvent, Evidence, Figure

REGIONS = ["UA-05", "UA-12", "UA-14", "UA-18", "UA-23", "UA-30", "UA-46", "UA-51", "UA-63"]
FIRST_DAY = dt.date(2025, 3, 1)


@dataclass
class Stream:
    events: list[AttackEvent | CasualtiesEvent]
    expected: dict[str, int]
    incidents: int


def _evidence(article_id: str) -> list[Evidence]:
    return [Evidence(article_id=article_id, sentence="synthetic", start=0, end=9, confidence=1)]


def build_stream(incidents_per_region: int = 6, seed: int = 7) -> Stream:
    rng = random.Random(seed)
    events: list[AttackEvent | CasualtiesEvent] = []
    expected = {"attacks": 0, "drones_launched": 0, "drones_shot_down": 0, "killed": 0}
    count = 0
    for region in REGIONS:
        for n in range(incidents_per_region):
            # Three days apart: never within the one-day matching tolerance of each other.
            day = FIRST_DAY + dt.timedelta(days=3 * n)
            published = dt.datetime.combine(day, dt.time(6), dt.UTC)
            launched, shot_down = rng.randint(10, 200), 0
            shot_down = rng.randint(0, launched)
            reports = rng.randint(2, 4)
            for r in range(reports):
                # The first report carries the true figures; the others report less.
                scale = 1.0 if r == 0 else rng.uniform(0.3, 0.9)
                article = f"a-{region}-{n}-{r}"
                events.append(
                    AttackEvent(
                        event_id=f"attack-{region}-{n}-{r}",
                        incident_key=f"attack|UA|{region}",
                        article_id=article,
                        published_at=published + dt.timedelta(hours=r),
                        date=day,
                        extractor_version="synthetic",
                        evidence=_evidence(article),
                        weapon_class="drone",
                        regions=[region],
                        launched=Figure(value=int(launched * scale)),
                        shot_down=Figure(value=int(shot_down * scale)),
                    )
                )
            expected["attacks"] += 1
            expected["drones_launched"] += launched
            expected["drones_shot_down"] += shot_down
            # Casualties: plain "at least" report, explicit update (lower or higher), then a
            # stale repeat of the first figure published after the update. The update wins.
            first, updated = rng.randint(1, 30), rng.randint(1, 30)
            stale = min(first, updated)
            place = f"Town-{region}-{n}"
            for r, (killed, is_update) in enumerate(
                ((first, False), (updated, True), (stale, False))
            ):
                article = f"c-{region}-{n}-{r}"
                events.append(
                    CasualtiesEvent(
                        event_id=f"casualties-{region}-{n}-{r}",
                        incident_key=f"casualties|{place}",
                        article_id=article,
                        published_at=published + dt.timedelta(hours=r),
                        date=day,
                        extractor_version="synthetic",
                        evidence=_evidence(article),
                        region=region,
                        killed=Figure(value=killed),
                        is_update=is_update,
                    )
                )
            expected["killed"] += updated
            count += 2
    doubled = events + events  # at-least-once delivery, simulated
    rng.shuffle(doubled)
    return Stream(events=doubled, expected=expected, incidents=count)
