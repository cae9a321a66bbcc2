"""The bucket index in month shards matches events exactly as the rules say (against a
reference that keeps every incident in one list), and reads an index stored before sharding."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild.aggregation import MemoryStore, apply_event
from lagebild.aggregation.incidents import BucketIndex, Incident, IndexEntry
from lagebild.aggregation.index import months_near
from lagebild.models import CasualtiesEvent, Evidence, Figure

KEY = "casualties|Kharkiv"
START = dt.date(2025, 1, 27)  # the days drawn cross the ends of January, February and March


def event(n: int, day: dt.date | None) -> CasualtiesEvent:
    return CasualtiesEvent(
        event_id=f"e{n}",
        incident_key=KEY,
        article_id=f"a{n}",
        published_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n),
        date=day,
        extractor_version="test",
        evidence=[Evidence(article_id=f"a{n}", sentence="s", start=0, end=1, confidence=1)],
        region="UA-63",
        killed=Figure(value=1),
    )


def reference(days: list[dt.date | None]) -> list[set[str]]:
    """The matching rules on one list of incidents in creation order: a dated report joins
    the incident whose earliest date is closest within one day (an undated incident is at
    distance 0), ties to the latest created; an undated report joins the latest created."""
    incidents: list[tuple[dt.date | None, set[str]]] = []
    for n, day in enumerate(days):
        best: tuple[dt.timedelta, int] | None = None
        for position, (date, _) in enumerate(incidents):
            gap = dt.timedelta(0) if day is None or date is None else abs(date - day)
            if gap <= dt.timedelta(days=1) and (best is None or (gap, -position) < best):
                best = (gap, -position)
        if best is None:
            incidents.append((day, {f"e{n}"}))
            continue
        date, members = incidents[-best[1]]
        dates = [d for d in (date, day) if d is not None]
        incidents[-best[1]] = (min(dates) if dates else None, members | {f"e{n}"})
    return [members for _, members in incidents]


def grouped(store: MemoryStore) -> list[set[str]]:
    by_incident: dict[str, set[str]] = {}
    for (_, event_id), incident_id in store.events.items():
        by_incident.setdefault(incident_id, set()).add(event_id)
    # Incident ids end in their creation number: the reference's order.
    return [by_incident[i] for i in sorted(by_incident, key=lambda i: int(i.rsplit("|", 1)[1]))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-6, 70), min_size=1, max_size=40))
def test_sharded_matching_equals_the_rules_on_one_list(offsets: list[int]) -> None:
    # About one report in twelve undated (an undated first report would take all the rest).
    days = [None if o < 0 else START + dt.timedelta(days=o) for o in offsets]
    store = MemoryStore()
    for n, day in enumerate(days):
        apply_event(store, event(n, day), partition=0)
    assert grouped(store) == reference(days)
    for (_, month), shard in store.shards.items():
        assert all((e.date or "undated")[:7] == month for e in shard.entries)


def test_months_near_a_month_boundary() -> None:
    assert months_near("2025-03-01") == ["2025-02", "2025-03"]
    assert months_near("2025-03-15") == ["2025-03"]
    assert months_near("2024-12-31") == ["2024-12", "2025-01"]


def test_an_index_stored_before_sharding_is_moved_into_shards() -> None:
    ids = [f"{KEY}|2025-01-31|0", f"{KEY}|2025-02-10|1", f"{KEY}|undated|2"]
    dates = ["2025-01-31", "2025-02-10", None]
    store = MemoryStore()
    for incident_id, date in zip(ids, dates, strict=True):
        store.incidents[incident_id] = Incident(
            id=incident_id, bucket=KEY, type="casualties", date=date, partition=0
        )
    store.indexes[KEY] = BucketIndex.model_validate_json(
        '{"key":"casualties|Kharkiv","entries":['
        f'{{"id":"{ids[0]}","date":"2025-01-31","weapon_class":"none"}},'
        f'{{"id":"{ids[1]}","date":"2025-02-10","weapon_class":"none"}},'
        f'{{"id":"{ids[2]}","date":null,"weapon_class":"none"}}]}}'
    )
    # The undated incident is at distance 0: it takes the report and the report's date.
    joined = apply_event(store, event(0, dt.date(2025, 2, 11)), partition=0)
    assert (joined.result, joined.incident and joined.incident.id) == ("updated", ids[2])
    # Far from every dated incident: a new one, numbered after the three of the old index.
    created = apply_event(store, event(1, dt.date(2025, 3, 20)), partition=0)
    assert (created.result, created.incident and created.incident.id) == (
        "created",
        f"{KEY}|2025-03-20|3",
    )
    assert store.indexes[KEY] == BucketIndex(
        key=KEY, count=4, months=["2025-01", "2025-02", "2025-03", "undated"]
    )
    assert {month: shard.entries for (_, month), shard in store.shards.items()} == {
        "2025-01": [IndexEntry(id=ids[0], date="2025-01-31", seq=0)],
        "2025-02": [
            IndexEntry(id=ids[1], date="2025-02-10", seq=1),
            IndexEntry(id=ids[2], date="2025-02-11", seq=2),
        ],
        "undated": [],
        "2025-03": [IndexEntry(id=f"{KEY}|2025-03-20|3", date="2025-03-20", seq=3)],
    }
