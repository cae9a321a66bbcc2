"""Incident merging and counters, without a broker."""

from __future__ import annotations

import datetime as dt
import itertools

from lagebild.aggregation import Incident, MemoryStore, apply_event, summarize
from lagebild.aggregation.incidents import BucketIndex, IndexShard
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
    before = (dict(store.indexes), dict(store.shards), dict(store.incidents), dict(store.events))
    assert apply_event(store, first, partition=0).result == "duplicate"
    assert (store.indexes, store.shards, store.incidents, store.events) == before


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
    merged = next(i for i in table.values() if i.report_count == 2)
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
        self.shards = dict(base.shards)
        self.events = dict(base.events)
        self.allowed = allowed
        self.writes: list[str] = []

    def _allow(self, kind: str) -> bool:
        self.writes.append(kind)
        if self.allowed > 0:
            self.allowed -= 1
            return True
        return False

    def put_incident(self, incident: Incident) -> None:
        if self._allow("incident"):
            super().put_incident(incident)

    def put_index(self, index: BucketIndex) -> None:
        if self._allow("index"):
            super().put_index(index)

    def put_shard(self, shard: IndexShard) -> None:
        if self._allow("shard"):
            super().put_shard(shard)

    def put_event(self, key: str, event_id: str, incident_id: str) -> None:
        if self._allow("event"):
            super().put_event(key, event_id, incident_id)


CRASH_EVENTS: list[AttackEvent | CasualtiesEvent | MeetingEvent] = [
    attack_on("k1", DAY, "air_strike"),  # a new incident
    attack_on("k2", DAY + dt.timedelta(days=1), "ballistic_missile"),  # widens, more specific
    attack_on("k3", DAY + dt.timedelta(days=7), "drone"),  # a new incident
    attack_on("k4", DAY + dt.timedelta(days=1), "air_strike"),  # joins, index unchanged
    attack_on("k5", DAY - dt.timedelta(days=1), "missile"),  # joins, earlier date
    attack_on("k6", DAY + dt.timedelta(days=7), "drone", hour=9),  # joins the second
]
UNDATED = casualties("u1", 7, hour=9).model_copy(update={"date": None})
CRASH_CASUALTIES: list[AttackEvent | CasualtiesEvent | MeetingEvent] = [
    casualties("c1", 5, hour=6),
    UNDATED,  # joins the latest incident, marks it undated
    casualties("c2", 4, update=True, hour=7),  # the base
    casualties("c3", 6, hour=8),  # later and higher: raises the base
    casualties("c4", 9, hour=7).model_copy(update={"date": DAY + dt.timedelta(days=5)}),  # new
]


def test_redelivery_after_a_crash_at_any_write_counts_once() -> None:
    _crash_at_every_write(CRASH_EVENTS)
    reference = fold(CRASH_EVENTS)
    assert len(reference) == 2
    assert sorted(i.report_count for i in reference.values()) == [2, 4]
    _crash_at_every_write(CRASH_CASUALTIES)
    figures = sorted(i.figures()["killed"] for i in fold(CRASH_CASUALTIES).values())
    assert figures == [7, 9]  # u1 (09:00) is later than the base c2 (07:00) and higher


def _dated(event: CasualtiesEvent, day: dt.date | None) -> CasualtiesEvent:
    return event.model_copy(update={"date": day})


MAY = dt.date(2025, 5, 1)
# Index entries that change shard: undated → May, May → April (the date moves earlier).
CRASH_MOVES: list[AttackEvent | CasualtiesEvent | MeetingEvent] = [
    _dated(casualties("m1", 3, hour=6), None),  # a new undated incident
    _dated(casualties("m2", 4, hour=7), MAY),  # joins it, which is now dated May 1
    _dated(casualties("m3", 5, hour=8), MAY - dt.timedelta(days=1)),  # joins: April 30
    _dated(casualties("m4", 2, hour=9), MAY + dt.timedelta(days=1)),  # 2 days off: new
    _dated(casualties("m5", 6, hour=10), None),  # joins the latest incident, m4's
]


def test_redelivery_after_a_crash_while_an_incident_changes_month_counts_once() -> None:
    _crash_at_every_write(CRASH_MOVES)
    incidents = sorted(fold(CRASH_MOVES).values(), key=lambda i: i.date or "")
    assert [(i.date, i.report_count, i.undated) for i in incidents] == [
        ("2025-04-30", 3, True),
        ("2025-05-02", 2, True),
    ]
    store = fold_store(CRASH_MOVES)
    months = {month: [e.id for e in shard.entries] for (_, month), shard in store.shards.items()}
    assert months == {
        "undated": [],
        "2025-05": [incidents[1].id],
        "2025-04": [incidents[0].id],
    }


def _crash_at_every_write(events: list[AttackEvent | CasualtiesEvent | MeetingEvent]) -> None:
    reference = fold(events)
    for crash_at, event in enumerate(events):
        base = MemoryStore()
        for earlier in events[:crash_at]:
            apply_event(base, earlier, partition=0)
        complete = CrashingStore(base, 1_000)
        apply_event(complete, event, partition=0)
        # Every prefix of the event's writes: nothing, incident, incident + index, all.
        for allowed in range(len(complete.writes) + 1):
            crashed = CrashingStore(base, allowed)
            apply_event(crashed, event, partition=0)
            assert crashed.writes == complete.writes  # incident, [index,] event record
            crashed.allowed = 1_000  # the restarted worker writes normally
            results = [apply_event(crashed, e, partition=0).result for e in events]
            # At-least-once: redelivery from before the crash; all up to the crash and the
            # crashed event itself are duplicates once anything of it was written.
            seen = crash_at + (1 if allowed else 0)
            assert results[:seen] == ["duplicate"] * seen
            assert "duplicate" not in results[seen:]
            assert crashed.incidents == reference
            assert crashed.indexes == fold_store(events).indexes
            assert crashed.shards == fold_store(events).shards
            assert crashed.events == fold_store(events).events
            assert summarize(crashed.incidents.values()) == summarize(reference.values())


def fold_store(events: list[AttackEvent | CasualtiesEvent | MeetingEvent]) -> MemoryStore:
    store = MemoryStore()
    for event in events:
        apply_event(store, event, partition=0)
    return store


def test_stored_values_stay_small_however_many_incidents_a_key_collects() -> None:
    store = MemoryStore()
    for n in range(300):  # a year of nightly waves under one "nationwide" key
        day = DAY + dt.timedelta(days=3 * n)
        apply_event(store, attack_on(f"w{n}", day, "drone"), partition=0)
    (index,) = store.indexes.values()
    assert len(store.incidents) == 300
    # 2025-04-25 to 2027-10-09: 31 month shards of at most 11 incidents (3 days apart).
    assert len(store.shards) == len(index.months) == 31
    assert max(len(shard.entries) for shard in store.shards.values()) == 11
    assert len(index.model_dump_json()) < 31 * 10 + 100
    assert max(len(i.model_dump_json()) for i in store.incidents.values()) < 2_000


# An incident record as stored before the figure fold: every report under "reports".
_STORED_BEFORE_THE_FOLD = (
    '{"id":"casualties|P|2025-04-25|0","bucket":"casualties|P","type":"casualties",'
    '"date":"2025-04-25","weapon_class":"none","region":"UA-12","place":null,"partition":3,'
    '"reports":{'
    '"c1":{"event_id":"c1","article_id":"a1","published_at":"2025-04-25T06:00:00+00:00",'
    '"date":"2025-04-25","is_update":true,"weapon_class":"none","status":null,'
    '"participants":[],"figures":{"killed":2},"sentence":"s","start":0,"end":1},'
    '"c2":{"event_id":"c2","article_id":"a2","published_at":"2025-04-25T07:00:00+00:00",'
    '"date":"2025-04-25","is_update":false,"weapon_class":"none","status":null,'
    '"participants":[],"figures":{"killed":1},"sentence":"s","start":0,"end":1},'
    '"c3":{"event_id":"c3","article_id":"a3","published_at":"2025-04-25T08:00:00+00:00",'
    '"date":null,"is_update":false,"weapon_class":"none","status":null,'
    '"participants":[],"figures":{"killed":3},"sentence":"s","start":0,"end":1}}}'
)


def test_a_record_stored_before_the_fold_reads_with_the_same_figures() -> None:
    incident = Incident.from_json(_STORED_BEFORE_THE_FOLD.encode())
    ranges = incident.figure_ranges()["killed"]
    assert (ranges.best, ranges.low, ranges.high) == (3, 1, 3)
    assert (incident.report_count, incident.last_event_id, incident.partition) == (3, "c3", 3)
    assert (incident.date, incident.last, incident.undated) == ("2025-04-25", "2025-04-25", True)
    assert [s.event_id for s in incident.sources] == ["c1", "c2", "c3"]
    assert "reports" not in incident.model_dump_json()


def test_a_hot_incident_stays_small() -> None:
    store = MemoryStore()
    for n in range(500):  # one place, one day, ever more outlets
        event = casualties(f"c{n}", n % 37, update=n % 11 == 0, hour=n % 24)
        apply_event(store, event, partition=0)
    (incident,) = store.incidents.values()
    assert incident.report_count == 500
    assert len(incident.sources) == 10
    assert len(incident.model_dump_json()) < 6_000
    assert len(store.events) == 500
