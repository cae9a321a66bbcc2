"""A wire-style English article: the same rules in English."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from lagebild.extraction import extract
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

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "article-en-sample.json"
WEDNESDAY = dt.date(2025, 5, 14)


@pytest.fixture(params=["en", None], ids=["language-given", "language-detected"])
def events(request: pytest.FixtureRequest) -> list[AnyEvent]:
    data = json.loads(FIXTURE.read_text("utf-8"))
    data["language"] = request.param
    return extract(Article.model_validate(data))


def _attack(events: list[AnyEvent], cls: WeaponClass) -> AttackEvent:
    found = [e for e in events if isinstance(e, AttackEvent) and e.weapon_class is cls]
    assert len(found) == 1
    return found[0]


def test_overnight_drone_and_missile_attack(events: list[AnyEvent]) -> None:
    drones = _attack(events, WeaponClass.DRONE)
    assert drones.date == WEDNESDAY
    assert (drones.attacker, drones.target_country) == ("RU", "UA")
    assert drones.launched is not None and drones.launched.value == 147
    assert drones.shot_down is not None and drones.shot_down.value == 97
    assert drones.diverted is not None and drones.diverted.value == 25
    assert sorted(drones.regions) == ["UA-51", "UA-59", "UA-63"]
    assert drones.reported_by == "Ukrainian Air Force"
    missiles = _attack(events, WeaponClass.BALLISTIC_MISSILE)
    assert missiles.launched is not None and missiles.launched.value == 7
    assert missiles.date == WEDNESDAY


def test_ground_assaults_repelled(events: list[AnyEvent]) -> None:
    ground = _attack(events, WeaponClass.GROUND_ASSAULT)
    assert ground.outcome == "repelled"
    assert ground.launched is not None and ground.launched.value == 120


def test_casualties(events: list[AnyEvent]) -> None:
    cas = {e.place.name if e.place else None: e for e in events if isinstance(e, CasualtiesEvent)}
    kharkiv = cas["Kharkiv"]
    assert kharkiv.killed is not None and kharkiv.killed.value == 3
    assert kharkiv.killed.qualifier is Qualifier.AT_LEAST
    assert kharkiv.injured is not None and kharkiv.injured.value == 17
    assert kharkiv.children_injured is not None and kharkiv.children_injured.value == 2
    assert kharkiv.region == "UA-63"
    assert kharkiv.caused_by == _attack(events, WeaponClass.DRONE).incident_key
    sumy = cas["Sumy"]
    assert sumy.killed is not None and sumy.killed.value == 5 and sumy.is_update
    total = cas[None]
    assert total.is_running_total
    assert total.killed is not None and total.killed.value == 12000
    assert total.killed.qualifier is Qualifier.MORE_THAN


def test_meetings(events: list[AnyEvent]) -> None:
    meetings = {
        frozenset(p.name for p in e.participants): e for e in events if isinstance(e, MeetingEvent)
    }
    assert len(meetings) == 3  # "did not meet" gives nothing
    paris = meetings[frozenset({"Volodymyr Zelensky", "Emmanuel Macron"})]
    assert paris.status is MeetingStatus.HELD
    assert paris.date == dt.date(2025, 5, 13)
    assert paris.place is not None and paris.place.name == "Paris"
    call = meetings[frozenset({"Volodymyr Zelensky", "Keir Starmer"})]  # "He" = Zelensky
    assert call.status is MeetingStatus.PHONE_CALL
    planned = meetings[frozenset({"Donald Trump", "Vladimir Putin"})]
    assert planned.status is MeetingStatus.PLANNED


def test_traps_and_counters(events: list[AnyEvent]) -> None:
    # "If Russia launched a new offensive, it could hit Kharkiv" and "annexed Crimea in 2014"
    # give no attack; the running total is not counted.
    assert len([e for e in events if isinstance(e, AttackEvent)]) == 3
    assert counters(events) == {
        "attacks": 3,
        "drones_launched": 147,
        "drones_shot_down": 97,
        "drones_diverted": 25,
        "killed": 8,
        "injured": 17,
        "meetings": 1,
    }


def test_a_meeting_and_a_separate_phone_call_in_one_sentence() -> None:
    # Used to raise IndexError: the "by phone" verb has no "phone"/"video" groups.
    article = Article(
        id="meet-and-call",
        text="Zelensky met Macron in Paris on Tuesday and spoke with Keir Starmer by phone.",
        published_at=dt.datetime(2025, 5, 14, 12, tzinfo=dt.UTC),
        language="en",
    )
    found = {
        (e.status, tuple(p.name for p in e.participants))
        for e in extract(article)
        if isinstance(e, MeetingEvent)
    }
    assert found == {
        (MeetingStatus.HELD, ("Volodymyr Zelensky", "Emmanuel Macron")),
        (MeetingStatus.PHONE_CALL, ("Volodymyr Zelensky", "Keir Starmer")),
    }
