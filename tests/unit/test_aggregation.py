"""Incident merging and counters, without a broker."""

from __future__ import annotations

import datetime as dt
import itertools

from lagebild.aggregation import Incident, MemoryStore, apply_event, summarize
from lagebild.aggregation.incidents import BucketIndex
from lagebild.models import (
    AttackEvent,
    CasualtiesEvent,
    Evidence,
    Figure,
    MeetingEvent,
    MeetingStatus,
    Participant,
    Qualifier,
)

DAY = dt.date(2025, 4, 25)


def _evidence(article_id: str) -> list[Evidence]:
    return [Evidence(article_id=article_id, sentence="s", start=0, end=1, confidence=0.9)]


def _published(hour: int) -> dt.datetime:
    return dt.datetime(2025, 4, 25, hour, tzinfo=dt.UTC)


def attack(event_id: str, launched: int, shot_down: int, hour: int = 6) -> AttackEvent:
    return AttackEvent(
        event_id=event_id,
        incident_key="attack|2025-04-25|drone|UA-12",
        article_id=f"article-{event_id}",
        published_at=_published(hour),
        date=DAY,
        extractor_version="test",
        evidence=_evidence(event_id),
        weapon_class="drone",
        regions=["UA-12"],
        launched=Figure(value=launched),
        shot_down=Figure(value=shot_down),
    )


def casualties(
    event_id: str,
    killed: int,
    *,
    update: bool = False,
    running_total: bool = False,
    hour: int = 6,
    key: str = "casualties|2025-04-25|Pavlohrad",
) -> CasualtiesEvent:
    return CasualtiesEvent(
        event_id=event_id,
        incident_key=key,
        article_id=f"article-{event_id}",
        published_at=_published(hour),
        date=DAY,
        extractor_version="test",
        evidence=_evidence(event_id),
        region="UA-12",
        killed=Figure(value=killed, qualifier=Qualifier.AT_LEAST),
        is_update=update,
        is_running_total=running_total,
    )


def meeting(
    event_id: str, status: MeetingStatus, key: str | None = None, day: dt.date = DAY
) -> MeetingEvent:
    return MeetingEvent(
        event_id=event_id,
        incident_key=key or f"meeting|A+B|{status}",
        article_id="a",
        published_at=_published(6),
        date=day,
        extractor_version="test",
        evidence=_evidence("a"),
        participants=[Participant(name="A"), Participant(name="B")],
        status=status,
    )


def fold(events: list[AttackEvent | CasualtiesEvent | MeetingEvent]) -> dict[str, Incident]:
    """Apply events like the aggregator does; returns the incidents by id."""
    store = MemoryStore()
    for event in events:
        apply_event(store, event, partition=0)
    return store.incidents


def test_same_event_twice_changes_nothing() -> None:
    first = attack("e1", 103, 41)
    store = MemoryStore()
    assert apply_event(store, first, partition=0).result == "created"
    before = (dict(store.indexes), dict(store.incidents))
    assert apply_event(store, first, partition=0).result == "duplicate"
    assert (store.indexes, store.incidents) == before


def test_two_reports_of_one_attack_count_once_with_the_larger_figures() -> None:
    table = fold([attack("e1", 100, 41), attack("e2", 103, 40)])
    totals = summarize(table.values())
    assert totals.headline["attacks"] == 1
    assert totals.headline["drones_launched"] == 103
    assert totals.headline["drones_shot_down"] == 41


def test_order_of_reports_does_not_matter() -> None:
    events = [
        casualties("c1", 1),
        casualties("c2", 2, update=True, hour=8),
        casualties("c3", 5),
        attack("e1", 90, 30),
        attack("e2", 103, 41),
    ]
    results = set()
    for order in itertools.permutations(events):
        totals = summarize(fold(list(order)).values())
        results.add(tuple(sorted(totals.headline.items())))
    assert len(results) == 1


def test_an_update_replaces_even_when_lower_than_a_plain_report() -> None:
    # "at least 5" early, then an explicit update "rose to 4" is a correction: it wins.
    table = fold([casualties("c1", 5, hour=6), casualties("c2", 4, update=True, hour=9)])
    assert summarize(table.values()).headline["killed"] == 4


def test_latest_update_wins() -> None:
    table = fold(
        [casualties("c1", 2, update=True, hour=6), casualties("c2", 3, update=True, hour=9)]
    )
    assert summarize(table.values()).headline["killed"] == 3


def test_running_totals_and_planned_meetings_are_not_counted() -> None:
    table = fold(
        [
            casualties("c1", 12_000, running_total=True, key="casualties|total"),
            meeting("m1", MeetingStatus.PLANNED),
            meeting("m2", MeetingStatus.HELD),
        ]
    )
    totals = summarize(table.values())
    assert totals.headline["killed"] == 0
    assert totals.headline["meetings"] == 1
    # The running total never becomes an incident; the planned meeting is kept, not counted.
    assert sorted(i.type for i in table.values()) == ["meeting", "meeting"]


def test_labelled_series_add_up_to_the_headline() -> None:
    table = fold([attack("e1", 103, 41), casualties("c1", 2), casualties("c2", 8, key="k2")])
    totals = summarize(table.values())
    launched = sum(v for (outcome, _, _), v in totals.weapons.items() if outcome == "launched")
    killed = sum(v for (kind, _), v in totals.casualties.items() if kind == "killed")
    assert launched == totals.headline["drones_launched"] == 103
    assert killed == totals.headline["killed"] == 10


def attack_on(event_id: str, day: dt.date, weapon: str, hour: int = 6) -> AttackEvent:
    return AttackEvent(
        event_id=event_id,
        incident_key="attack|UA|Kyiv",
        article_id=f"article-{event_id}",
        published_at=_published(hour),
        date=day,
        extractor_version="test",
        evidence=_evidence(event_id),
        weapon_class=weapon,
        regions=["UA-30"],
    )


def test_reports_a_day_apart_merge_and_a_week_apart_do_not() -> None:
    table = fold(
        [
            attack_on("k1", DAY, "air_strike"),
            attack_on("k2", DAY + dt.timedelta(days=1), "ballistic_missile"),
            attack_on("k3", DAY + dt.timedelta(days=7), "drone"),
        ]
    )
    assert len(table) == 2
    merged = next(i for i in table.values() if len(i.reports) == 2)
    assert merged.date == DAY.isoformat()  # the earliest reported day
    assert merged.weapon_class == "ballistic_missile"  # the more specific report wins


def test_drones_and_missiles_on_one_day_are_separate_attacks() -> None:
    table = fold([attack_on("k1", DAY, "drone"), attack_on("k2", DAY, "cruise_missile")])
    assert len(table) == 2


def test_a_later_higher_figure_raises_an_update_and_a_lower_one_does_not() -> None:
    table = fold(
        [
            casualties("c1", 2, update=True, hour=6),
            casualties("c2", 1, hour=7),  # an outlet repeating an old figure
            casualties("c3", 3, hour=8),  # newer and higher: raises
        ]
    )
    (incident,) = table.values()
    ranges = incident.figure_ranges()["killed"]
    assert (ranges.best, ranges.low, ranges.high) == (3, 1, 3)


def test_a_planned_meeting_that_then_takes_place_counts_once() -> None:
    key = "meeting|A+B"
    table = fold(
        [
            meeting("p", MeetingStatus.PLANNED, key=key),
            meeting("h", MeetingStatus.HELD, key=key),
        ]
    )
    assert len(table) == 1
    assert summarize(table.values()).headline["meetings"] == 1


def test_per_day_series_add_up_to_the_headline() -> None:
    table = fold(
        [
            attack_on("k1", DAY, "drone"),
            attack_on("k2", DAY + dt.timedelta(days=5), "drone"),
            casualties("c1", 4),
        ]
    )
    totals = summarize(table.values())
    for name, value in totals.headline.items():
        assert sum(v for (n, _), v in totals.daily.items() if n == name) == value
    assert totals.daily[("attacks", DAY.isoformat())] == 1


def test_meetings_by_participant_count_held_meetings_only() -> None:
    def talks(event_id: str, names: list[str], status: MeetingStatus) -> MeetingEvent:
        return MeetingEvent(
            event_id=event_id,
            incident_key="meeting|" + "+".join(sorted(names)),
            article_id="a",
            published_at=_published(6),
            date=DAY,
            extractor_version="test",
            evidence=_evidence("a"),
            participants=[Participant(name=n) for n in names],
            status=status,
        )

    table = fold(
        [
            talks("m1", ["Mark Rutte", "Donald Trump"], MeetingStatus.HELD),
            talks("m2", ["Donald Trump", "Mark Rutte"], MeetingStatus.HELD),  # same meeting
            talks("m3", ["Mark Rutte", "Pete Hegseth"], MeetingStatus.HELD),
            talks("m4", ["Donald Trump", "Vladimir Putin"], MeetingStatus.PHONE_CALL),
            talks("m5", ["Donald Trump", "Xi Jinping"], MeetingStatus.PLANNED),
        ]
    )
    totals = summarize(table.values())
    assert totals.participants == {"Mark Rutte": 2, "Donald Trump": 1, "Pete Hegseth": 1}
    assert totals.headline["meetings"] == 2
    assert totals.headline["calls"] == 1


class CrashingStore(MemoryStore):
    """Loses every write after the first ``allowed`` ones, like a worker killed mid-event."""

    def __init__(self, base: MemoryStore, allowed: int) -> None:
        super().__init__()
        self.indexes, self.incidents = dict(base.indexes), dict(base.incidents)
        self.allowed = allowed

    def put_incident(self, incident: Incident) -> None:
        if self.allowed > 0:
            self.allowed -= 1
            super().put_incident(incident)

    def put_index(self, index: BucketIndex) -> None:
        if self.allowed > 0:
            self.allowed -= 1
            super().put_index(index)


def test_redelivery_after_a_crash_between_the_two_writes_counts_once() -> None:
    events = [
        attack_on("k1", DAY, "air_strike"),
        attack_on("k2", DAY + dt.timedelta(days=1), "ballistic_missile"),  # widens the range
        attack_on("k3", DAY + dt.timedelta(days=7), "drone"),  # a new incident
    ]
    for crash_at, event in enumerate(events):
        for allowed in (0, 1):  # nothing written, or only the incident record
            store = MemoryStore()
            for earlier in events[:crash_at]:
                apply_event(store, earlier, partition=0)
            crashed = CrashingStore(store, allowed)
            apply_event(crashed, event, partition=0)
            crashed.allowed = 1_000  # the restarted worker writes normally
            for redelivered in events[crash_at:]:  # at-least-once: from the crash on
                apply_event(crashed, redelivered, partition=0)
            reference = fold(events)
            assert summarize(crashed.incidents.values()) == summarize(reference.values())
            assert len(crashed.incidents) == len(reference) == 2


def test_stored_values_stay_small_however_many_incidents_a_key_collects() -> None:
    store = MemoryStore()
    for n in range(300):  # a year of nightly waves under one "nationwide" key
        day = DAY + dt.timedelta(days=3 * n)
        apply_event(store, attack_on(f"w{n}", day, "drone"), partition=0)
    (index,) = store.indexes.values()
    assert len(store.incidents) == 300
    assert len(index.model_dump_json()) < 300 * 200  # ~150 bytes per incident in the index
    assert max(len(i.model_dump_json()) for i in store.incidents.values()) < 2_000
