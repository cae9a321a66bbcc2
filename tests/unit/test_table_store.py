"""The aggregator's table-backed incident store, over a plain dict (no faust, no broker)."""

from __future__ import annotations

import datetime as dt

from aggregator.store import EVENT_PREFIX, INCIDENT_PREFIX, INDEX_PREFIX, SHARD_PREFIX, TableStore
from lagebild.aggregation import (
    BucketIndex,
    Incident,
    IndexShard,
    MemoryStore,
    apply_event,
    summarize,
)
from lagebild.models import CasualtiesEvent, Evidence, Figure

DAY = dt.date(2025, 4, 25)


def casualties(n: int, key: str = "casualties|Kharkiv") -> CasualtiesEvent:
    return CasualtiesEvent(
        event_id=f"c{n}",
        incident_key=key,
        article_id=f"article-{n}",
        published_at=dt.datetime(2025, 4, 25, n % 24, tzinfo=dt.UTC),
        date=DAY + dt.timedelta(days=3 * (n % 2)),
        extractor_version="test",
        evidence=[Evidence(article_id=f"article-{n}", sentence="s", start=0, end=1, confidence=1)],
        region="UA-63",
        killed=Figure(value=n % 7),
        is_update=n % 5 == 0,
    )


class CountingDict(dict[bytes, bytes]):
    """A table that counts reads of values, as a faust table would deserialize them."""

    reads = 0

    def __getitem__(self, key: bytes) -> bytes:
        self.reads += 1
        return super().__getitem__(key)

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
        self.reads += 1
        return super().get(key, default)


def test_the_table_store_agrees_with_the_memory_store_and_marks_each_event() -> None:
    events = [casualties(n) for n in range(40)] + [casualties(n) for n in range(0, 40, 3)]
    table: dict[bytes, bytes] = {}
    store, memory = TableStore(table), MemoryStore()
    results = [apply_event(store, e, partition=1).result for e in events]
    expected = [apply_event(memory, e, partition=1).result for e in events]
    assert results == expected and results.count("duplicate") == 14
    assert sorted(store.incidents({1}), key=lambda i: i.id) == sorted(
        memory.incidents.values(), key=lambda i: i.id
    )
    assert list(store.incidents({0})) == []
    assert sum(k.startswith(EVENT_PREFIX) for k in table) == 40
    assert store.get_event("casualties|Kharkiv", "c3") == memory.get_event(
        "casualties|Kharkiv", "c3"
    )
    # Records are pydantic's JSON of the model, byte for byte (what earlier versions wrote).
    for key, stored in table.items():
        model = {INCIDENT_PREFIX: Incident, INDEX_PREFIX: BucketIndex, SHARD_PREFIX: IndexShard}
        if key[:2] in model:
            assert model[key[:2]].model_validate_json(stored).model_dump_json().encode() == stored
    # A fresh store over the same bytes (a restarted worker) decodes the same incidents.
    again = TableStore(dict(table))
    assert summarize(again.incidents({1})) == summarize(memory.incidents.values())


def test_listing_incidents_never_reads_event_records() -> None:
    table = CountingDict()
    store = TableStore(table)
    for n in range(200):
        apply_event(store, casualties(n), partition=0)
    table.reads = 0
    incidents = list(TableStore(table).incidents({0}))  # nothing cached: every value decoded
    assert len(incidents) == 2
    assert table.reads == sum(k.startswith(INCIDENT_PREFIX) for k in table) == 2


def test_an_incident_stored_before_the_fold_is_read_and_extended() -> None:
    old = (
        '{"id":"casualties|Kharkiv|2025-04-25|0","bucket":"casualties|Kharkiv",'
        '"type":"casualties","date":"2025-04-25","weapon_class":"none","region":"UA-63",'
        '"place":null,"partition":0,"reports":{"x1":{"event_id":"x1","article_id":"a",'
        '"published_at":"2025-04-25T23:00:00+00:00","date":"2025-04-25","is_update":false,'
        '"figures":{"killed":9},"sentence":"s","start":0,"end":1}}}'
    )
    table = {
        INCIDENT_PREFIX + b"casualties|Kharkiv|2025-04-25|0": old.encode(),
        b"b:casualties|Kharkiv": b'{"key":"casualties|Kharkiv","entries":[{"id":'
        b'"casualties|Kharkiv|2025-04-25|0","date":"2025-04-25","first":"2025-04-25",'
        b'"last":"2025-04-25","weapon_class":"none","undated":false}]}',
    }
    store = TableStore(table)
    applied = apply_event(store, casualties(0), partition=0)  # an update at 00:00 with 0
    assert applied.result == "updated"
    assert applied.incident is not None
    assert applied.incident.report_count == 2
    assert applied.incident.figures() == {"killed": 9}  # published later than the update
