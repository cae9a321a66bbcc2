"""The fold's shortcuts give exactly what the plain pydantic calls they replace gave: copies
equal to ``model_copy`` (fields, fields set, stored bytes), ``FigureFold.of`` equal to its
definition, and matching and region labels equal to the plain versions kept here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from lagebild.aggregation.copying import replaced
from lagebild.aggregation.incidents import (
    _REGION_CODE,
    DATE_TOLERANCE,
    FigureFold,
    Incident,
    MemoryStore,
    Report,
    _match,
    _weapons_compatible,
    region_label,
)
from lagebild.aggregation.index import Bucket, BucketIndex, IndexEntry, IndexShard
from lagebild.models import AttackEvent, CasualtiesEvent, Evidence, WeaponClass

T1, T2 = "2025-04-25T01:00:00+00:00", "2025-04-25T02:00:00+00:00"


def same(a: BaseModel, b: BaseModel) -> None:
    assert type(a) is type(b)
    assert a.__dict__ == b.__dict__
    assert a.model_fields_set == b.model_fields_set
    assert a.__pydantic_extra__ == b.__pydantic_extra__
    assert a.__pydantic_private__ == b.__pydantic_private__
    assert a.__pydantic_serializer__.to_json(a) == b.__pydantic_serializer__.to_json(b)


def test_replaced_is_model_copy() -> None:
    fold = FigureFold.of(T1, "e1", 3, False)
    incident = Incident(id="k|2025-04-25|0", bucket="k", type="casualties", folds={"killed": fold})
    entry = IndexEntry(id=incident.id, date="2025-04-25", seq=0)
    cases: list[tuple[BaseModel, dict[str, Any]]] = [
        (incident, {"date": "2025-04-25", "report_count": 1, "last_event_id": "e1"}),
        (Incident.model_validate_json(incident.model_dump_json()), {"partition": 2}),
        (IndexShard(key="k", month="2025-04"), {"entries": [entry]}),
        (BucketIndex(key="k"), {"count": 1, "months": ["2025-04"]}),
        (fold, {"low": 1, "high": 3, "base": None, "later": [(T2, 1)]}),
    ]
    for model, changes in cases:
        before = model.model_copy()
        same(replaced(model, changes), model.model_copy(update=changes))
        same(model, before)  # the original is left as it was


@given(
    value=st.integers(min_value=0, max_value=50),
    is_update=st.booleans(),
    published_at=st.sampled_from([T1, T2]),
)
def test_figure_fold_of_is_an_empty_fold_plus_one_report(
    value: int, is_update: bool, published_at: str
) -> None:
    direct = FigureFold(low=value, high=value).add(published_at, "e1", value, is_update)
    same(FigureFold.of(published_at, "e1", value, is_update), direct)


CODES = ["UA-63", "UA-30", "UA-9", "ua-63", "UA", "DE-BY", "unknown", ""]


@given(st.lists(st.sampled_from(CODES), max_size=5))
def test_region_label_is_the_set_rule(codes: list[str]) -> None:
    valid = sorted({c for c in codes if _REGION_CODE.match(c)})
    expected = "unknown" if not valid else (valid[0] if len(valid) == 1 else "multiple")
    assert region_label(codes) == expected


def plain_match(entries: list[IndexEntry], attack: bool, report: Report) -> IndexEntry | None:
    """Matching as written before day numbers: dates parsed per candidate, min() over them."""
    candidates = []
    for entry in entries:
        if report.date is None or entry.date is None:
            distance: dt.timedelta | None = dt.timedelta(0)
        else:
            gap = abs(dt.date.fromisoformat(entry.date) - dt.date.fromisoformat(report.date))
            distance = gap if gap <= DATE_TOLERANCE else None
        if distance is None:
            continue
        if attack and not _weapons_compatible(entry.weapon_class, report.weapon_class):
            continue
        candidates.append((distance, -entry.seq, entry))
    return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


DAYS = [None, *(dt.date(2024, 12, 29) + dt.timedelta(days=n) for n in range(6))]
WEAPONS = ["drone", "missile", "cruise_missile", "ballistic_missile", "artillery", "other"]


def event(day: dt.date | None, weapon: str, is_attack: bool) -> AttackEvent | CasualtiesEvent:
    common: dict[str, Any] = {
        "event_id": "e",
        "incident_key": "k",
        "article_id": "a",
        "published_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        "date": day,
        "extractor_version": "test",
        "evidence": [Evidence(article_id="a", sentence="s", start=0, end=1, confidence=1)],
    }
    if is_attack:
        return AttackEvent(**common, weapon_class=WeaponClass(weapon))
    return CasualtiesEvent(**common)


@settings(max_examples=300)
@given(
    entries=st.lists(
        st.tuples(st.sampled_from(DAYS), st.sampled_from(WEAPONS), st.integers(0, 4)),
        max_size=8,
    ),
    day=st.sampled_from(DAYS),
    weapon=st.sampled_from(WEAPONS),
    is_attack=st.booleans(),
)
def test_matching_is_the_plain_rule(
    entries: list[tuple[dt.date | None, str, int]],
    day: dt.date | None,
    weapon: str,
    is_attack: bool,
) -> None:
    # Repeated seqs stand for an entry read in two shards (old and new version after a crash).
    index = [
        IndexEntry(id=f"i{n}", date=d.isoformat() if d else None, weapon_class=w, seq=seq)
        for n, (d, w, seq) in enumerate(entries)
    ]
    report = Report(
        event_id="e",
        article_id="a",
        published_at=T1,
        date=day.isoformat() if day else None,
        weapon_class=weapon if is_attack else "none",
    )
    expected = plain_match(index, is_attack, report)
    assert _match(index, event(day, weapon, is_attack), report) is expected


class CountingStore(MemoryStore):
    writes = 0

    def put_shard(self, shard: IndexShard) -> None:
        self.writes += 1
        super().put_shard(shard)


def test_placing_an_entry_already_in_its_shard_writes_nothing() -> None:
    store = CountingStore()
    entry = IndexEntry(id="k|2025-04-25|0", date="2025-04-25", weapon_class="drone", seq=0)
    Bucket.load(store, "k", "2025-04-25").place(store, entry)
    assert store.writes == 1
    Bucket.load(store, "k", "2025-04-25").place(store, entry.model_copy())  # equal: no write
    assert store.writes == 1
    moved = entry.model_copy(update={"weapon_class": "missile"})  # same id, changed: rewritten
    Bucket.load(store, "k", "2025-04-25").place(store, moved)
    assert store.writes == 2 and store.shards[("k", "2025-04")].entries == [moved]
