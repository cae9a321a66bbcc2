"""The bucket index: which incidents an incident key holds, in shards by month.

A key collects incidents for as long as the war lasts (a town attacked on 300 days has 300),
and every event of the key is matched against them. One record with all of them grew without
bound, and so did each event's decoding work and the aggregator's caches of decoded records
(measured in the soak: most of the aggregator's RSS growth). Matching only needs incidents
dated within ``DATE_TOLERANCE`` of the report, so entries live in one :class:`IndexShard` per
month of the incident's date (``"undated"`` for incidents without one), and an event reads the
shards of the months its tolerance window touches. A small :class:`BucketIndex` per key counts
the incidents created (the next one's number: ties go to the most recently created) and lists
the months that have a shard.

An undated report may join any incident (the latest compatible one), so it reads every shard of
its key; such reports are rare, and each shard stays small.

Write order (see :func:`lagebild.aggregation.apply_event` for why every prefix is safe): the
shard the entry belongs to, the shard it left, then the head if its count or months change.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, Field

from lagebild.aggregation.copying import replaced

DATE_TOLERANCE = dt.timedelta(days=1)
UNDATED = "undated"
_seq = operator.attrgetter("seq")


class IndexEntry(BaseModel):
    id: str
    date: str | None = None  # the incident's (earliest) date: what matching measures from
    weapon_class: str = "none"
    seq: int = 0  # creation order within the key (the number in ids of the form key|date|n)


class IndexShard(BaseModel):
    """The entries of one key whose incident date falls in ``month`` (YYYY-MM or undated)."""

    key: str
    month: str
    entries: list[IndexEntry] = Field(default_factory=list)  # by seq


class BucketIndex(BaseModel):
    """Per incident key: incidents created so far and the months that have a shard.

    A record stored before sharding holds every entry under ``entries`` (in creation order)
    and no count; :meth:`Bucket.load` moves them into shards.
    """

    key: str
    count: int = 0
    months: list[str] = Field(default_factory=list)  # sorted; ~12 a year
    entries: list[IndexEntry] = Field(default_factory=list)  # only in records from before


class IndexStore(Protocol):
    def get_index(self, key: str) -> BucketIndex | None: ...
    def put_index(self, index: BucketIndex) -> None: ...
    def get_shard(self, key: str, month: str) -> IndexShard | None: ...
    def put_shard(self, shard: IndexShard) -> None: ...


def shard_month(date: str | None) -> str:
    return date[:7] if date else UNDATED


def months_near(date: str) -> list[str]:
    """The months of every day within ``DATE_TOLERANCE`` of ``date``."""
    return list(_months_near(date))


# Every event of a day asks again: remembered (a few thousand days, ~200 bytes each).
@functools.lru_cache(maxsize=4096)
def _months_near(date: str) -> tuple[str, ...]:
    day = dt.date.fromisoformat(date)
    first, last = day - DATE_TOLERANCE, day + DATE_TOLERANCE
    months = []
    while first <= last:
        months.append(first.isoformat()[:7])
        first = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return tuple(months)


@dataclass
class Bucket:
    """The part of one key's index an event needs: the head and the shards near its date."""

    index: BucketIndex
    shards: dict[str, IndexShard]

    @classmethod
    def load(cls, store: IndexStore, key: str, date: str | None) -> Bucket:
        index = store.get_index(key) or BucketIndex(key=key)
        if index.entries:
            index = _migrate(store, index)
        if date is None:
            months = index.months
        else:
            # Read whether or not the head lists them: a crash can leave a shard written
            # before the head (see apply_event).
            months = [*_months_near(date), *([UNDATED] if UNDATED in index.months else [])]
        shards = {}
        for month in months:
            shard = store.get_shard(key, month)
            if shard is not None:
                shards[month] = shard
        return cls(index, shards)

    def entries(self) -> Iterator[IndexEntry]:
        for shard in self.shards.values():
            yield from shard.entries

    def place(self, store: IndexStore, entry: IndexEntry) -> None:
        """Store ``entry`` in its month's shard and out of any other one read, then the head;
        writes only what changes."""
        key, month = self.index.key, shard_month(entry.date)
        home = self.shards.get(month) or store.get_shard(key, month)
        if home is None:
            home = IndexShard(key=key, month=month)
        # ``entry not in home.entries``, comparing ids first: model equality on every entry of
        # the shard was a hot spot, and an entry can only equal one with its id.
        if not any(e.id == entry.id and e == entry for e in home.entries):
            others = [e for e in home.entries if e.id != entry.id]
            entries = sorted([*others, entry], key=_seq)
            store.put_shard(replaced(home, {"entries": entries}))
        for other, shard in self.shards.items():
            if other != month and any(e.id == entry.id for e in shard.entries):
                kept = [e for e in shard.entries if e.id != entry.id]
                store.put_shard(replaced(shard, {"entries": kept}))
        if entry.seq >= self.index.count or month not in self.index.months:
            count = max(self.index.count, entry.seq + 1)
            months = sorted({*self.index.months, month})
            store.put_index(replaced(self.index, {"count": count, "months": months}))


def _migrate(store: IndexStore, legacy: BucketIndex) -> BucketIndex:
    """Move the entries of a record stored before sharding into shards, then rewrite the head.

    An entry's seq is its position, which the incident ids also count. The writes depend on
    the old record alone, so a migration a crash cut short is redone identically.
    """
    months: dict[str, list[IndexEntry]] = {}
    for seq, entry in enumerate(legacy.entries):
        months.setdefault(shard_month(entry.date), []).append(entry.model_copy(update={"seq": seq}))
    for month, entries in sorted(months.items()):
        store.put_shard(IndexShard(key=legacy.key, month=month, entries=entries))
    index = BucketIndex(key=legacy.key, count=len(legacy.entries), months=sorted(months))
    store.put_index(index)
    return index
