"""The German seed article must give exactly the gold events (tests/fixtures/*.gold.json)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from lagebild.extraction import ENGINE_VERSION, extract
from lagebild.models.article import Article
from lagebild.models.events import (
    AttackEvent,
    CasualtiesEvent,
    MeetingEvent,
    MeetingStatus,
    Qualifier,
    WeaponClass,
)
from tests.unit.extraction_helpers import AnyEvent, counters

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOLD: dict[str, Any] = json.loads((FIXTURES / "article-de-2025-04-25.gold.json").read_text("utf-8"))
TEXT = (FIXTURES / GOLD["article"]["file"]).read_text("utf-8")
GOLD_EVENTS: dict[str, dict[str, Any]] = {g["id"]: g for g in GOLD["events"]}
DAY = dt.date.fromisoformat(GOLD["article"]["published"])

# A Friday-morning European live blog ("am frühen Freitagmorgen" in the text), and the bare
# publication date as a UTC midnight timestamp: both must give the gold events.
PUBLISHED = [
    dt.datetime.combine(DAY, dt.time(7, 0), tzinfo=dt.timezone(dt.timedelta(hours=2))),
    dt.datetime.combine(DAY, dt.time(0, 0), tzinfo=dt.UTC),
]


def _article(published: dt.datetime) -> Article:
    return Article(
        id="article-de-2025-04-25",
        title="",
        text=TEXT,
        published_at=published,
        language=GOLD["article"]["language"],
        source="fixture",
    )


@pytest.fixture(params=PUBLISHED, ids=["07:00+02:00", "00:00Z"])
def events(request: pytest.FixtureRequest) -> list[AnyEvent]:
    return extract(_article(request.param))


def _of(events: list[AnyEvent], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def _gold(kind: str) -> list[dict[str, Any]]:
    return [g for g in GOLD["events"] if g["type"] == kind]


def _attack_for(events: list[AnyEvent], gold: dict[str, Any]) -> AttackEvent:
    attacks: list[AttackEvent] = _of(events, AttackEvent)
    if gold["id"] == "attack-drones-2025-04-25":
        found = [a for a in attacks if a.weapon_class is WeaponClass.DRONE]
    elif "place" in gold:
        found = [a for a in attacks if any(p.name == gold["place"] for p in a.places)]
    else:
        found = []
    assert len(found) == 1, (gold["id"], attacks)
    return found[0]


def test_exactly_the_gold_events(events: list[AnyEvent]) -> None:
    for kind, cls in (("attack", AttackEvent), ("casualties", CasualtiesEvent),
                      ("meeting", MeetingEvent)):  # fmt: skip
        assert len(_of(events, cls)) == len(_gold(kind)), kind
    assert len(events) == len(GOLD["events"])


def test_drone_attack(events: list[AnyEvent]) -> None:
    gold = GOLD_EVENTS["attack-drones-2025-04-25"]
    a = _attack_for(events, gold)
    assert a.date == dt.date.fromisoformat(gold["date"])
    assert (a.attacker, a.target_country) == (gold["attacker"], gold["target_country"])
    assert a.weapon_class.value == gold["weapon"]
    assert a.launched is not None and a.launched.value == gold["launched"]
    assert a.shot_down is not None and a.shot_down.value == gold["shot_down"]
    assert a.diverted is not None and a.diverted.value == gold["diverted_by_electronic_warfare"]
    for fig in (a.launched, a.shot_down, a.diverted):
        assert fig.qualifier is Qualifier.EXACT
    assert sorted(a.regions) == sorted(gold["regions_damaged"])
    assert a.reported_by == gold["reported_by"]
    joined = " ".join(e.sentence for e in a.evidence)
    for fragment in gold["evidence"].split(". "):
        assert fragment.rstrip(".") in joined


def test_kyiv_air_strike_includes_the_north_korean_missile(events: list[AnyEvent]) -> None:
    gold = GOLD_EVENTS["attack-kyiv-2025-04-24"]
    a = _attack_for(events, gold)
    assert a.date == dt.date.fromisoformat(gold["date"])
    assert (a.attacker, a.target_country) == (gold["attacker"], gold["target_country"])
    assert a.weapon_class is WeaponClass.AIR_STRIKE
    assert gold["region"] in a.regions
    assert any("North Korea" in m for m in a.weapon_models)
    assert gold["evidence"] in [e.sentence for e in a.evidence]
    # The missile is part of Thursday's attacks, never an incident of its own.
    assert not [x for x in _of(events, AttackEvent) if x.weapon_class.name.endswith("MISSILE")]


def test_ground_assault_pokrovsk(events: list[AnyEvent]) -> None:
    gold = GOLD_EVENTS["attack-ground-pokrovsk-2025-04-24"]
    a = _attack_for(events, gold)
    assert a.weapon_class is WeaponClass.GROUND_ASSAULT
    assert a.date == dt.date.fromisoformat(gold["date"])
    assert a.regions == [gold["region"]]
    assert a.outcome == gold["outcome"]
    assert (a.attacker, a.target_country) == (gold["attacker"], gold["target_country"])


@pytest.mark.parametrize(
    "gold_id", ["casualties-pavlohrad-2025-04-25", "casualties-kyiv-2025-04-24"]
)
def test_casualties(events: list[AnyEvent], gold_id: str) -> None:
    gold = GOLD_EVENTS[gold_id]
    found = [c for c in _of(events, CasualtiesEvent) if c.place and c.place.name == gold["place"]]
    assert len(found) == 1
    c: CasualtiesEvent = found[0]
    assert c.date == dt.date.fromisoformat(gold["date"])
    assert c.region == gold["region"]
    assert c.killed is not None and c.killed.value == gold["killed"]
    assert c.killed.qualifier.value == gold.get("killed_qualifier", "exact")
    assert c.is_update == gold.get("killed_is_update", False)
    assert not c.is_running_total
    if "injured" in gold:
        assert c.injured is not None and c.injured.value == gold["injured"]
    else:
        assert c.injured is None
    cause = _attack_for(events, GOLD_EVENTS[gold["caused_by"]])
    assert c.caused_by == cause.incident_key


@pytest.mark.parametrize("gold", _gold("meeting"), ids=lambda g: g["id"])
def test_meetings(events: list[AnyEvent], gold: dict[str, Any]) -> None:
    found = [
        m for m in _of(events, MeetingEvent)
        if {p.name for p in m.participants} == set(gold["participants"])
    ]  # fmt: skip
    assert len(found) == 1, [m.participants for m in _of(events, MeetingEvent)]
    m: MeetingEvent = found[0]
    assert m.status is MeetingStatus.HELD
    assert m.date == dt.date.fromisoformat(gold["date"])
    assert {p.name: p.role for p in m.participants} == gold["roles"]
    if "place" in gold:
        assert m.place is not None
        assert m.place.name in gold["place"]
    assert any(gold["evidence"] in e.sentence for e in m.evidence)


def test_must_not_extract(events: list[AnyEvent]) -> None:
    """A sentence with a trap yields no event unless it is the gold evidence of one."""
    gold_fragments = [
        frag.strip().rstrip(".")
        for g in GOLD["events"]
        for frag in g["evidence"].replace(" ... ", ". ").split(". ")
    ]
    for item in GOLD["must_not_extract"]:
        for e in events:
            for ev in e.evidence:
                if item["text"] in ev.sentence:
                    assert any(f in ev.sentence for f in gold_fragments), (item["why"], e)
    # No planned meeting or summit is counted as held; no attack counts the shot-down drones.
    for e in _of(events, AttackEvent):
        assert e.launched is None or e.launched.value not in {41, 40}


def test_counters_match_gold(events: list[AnyEvent]) -> None:
    expected = {
        k: v for k, v in GOLD["expected_counters_after_this_article"].items() if isinstance(v, int)
    }
    got = counters(events)
    assert {k: got[k] for k in expected} == expected
    # Republishing the same article must not change the counters.
    assert counters([*events, *extract(_article(PUBLISHED[0]))]) == got


def test_deterministic_ids_and_evidence(events: list[AnyEvent]) -> None:
    again = extract(_article(events[0].published_at))
    assert [e.event_id for e in events] == [e.event_id for e in again]
    assert len({e.event_id for e in events}) == len(events)
    for e in events:
        assert e.extractor_version == ENGINE_VERSION
        assert e.article_id == "article-de-2025-04-25"
        for ev in e.evidence:
            assert TEXT[ev.start : ev.end] == ev.sentence
            assert 0.0 <= ev.confidence <= 1.0
