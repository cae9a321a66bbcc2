"""The incidents table behind :class:`lagebild.aggregation.IncidentStore`.

One faust table, four kinds of keys: ``b:<incident key>`` → :class:`BucketIndex` (the head of
the key's index), ``m:<incident key>|<month>`` → :class:`IndexShard` and ``i:<incident id>`` →
:class:`Incident`, all JSON bytes, and ``e:<event id>|<incident key>`` →
the id of the incident the event was merged into, plain UTF-8 (one small record per event: it
marks the event as merged). Every write of one event goes to the partition of that event (the
table's changelog partition is the source message's), so all land in one changelog partition
in order (the aggregator writes through :class:`aggregator.changelog.DirectTable`, which sends
them in write order): after a crash the changelog holds a prefix of them, which is what
:func:`lagebild.aggregation.apply_event` relies on.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, MutableMapping
from typing import TypeVar, cast

from pydantic import BaseModel

from lagebild.aggregation import BucketIndex, Incident
from lagebild.aggregation.index import IndexShard

INDEX_PREFIX = b"b:"
SHARD_PREFIX = b"m:"
INCIDENT_PREFIX = b"i:"
EVENT_PREFIX = b"e:"
DECODED_CACHE = 256  # hot incidents and index shards; 4,096 decoded records held ~40 MB (soak)

Model = TypeVar("Model", bound=BaseModel)


class TableStore:
    def __init__(
        self, table: MutableMapping[bytes, bytes], cache_size: int = DECODED_CACHE
    ) -> None:
        self._table = table
        self._cache_size = cache_size
        # Decoded values with the exact bytes object they came from; valid only while the
        # table still holds that object, so recovered or foreign values are decoded afresh.
        self._decoded: OrderedDict[bytes, tuple[bytes, BaseModel]] = OrderedDict()

    def _get(self, key: bytes, model: type[Model]) -> Model | None:
        stored = self._table.get(key)
        if stored is None:
            return None
        cached = self._decoded.get(key)
        if cached is not None and cached[0] is stored and isinstance(cached[1], model):
            self._decoded.move_to_end(key)
            return cached[1]
        value = _decode(model, stored)
        self._remember(key, stored, value)
        return value

    def _put(self, key: bytes, value: BaseModel) -> None:
        # The bytes of value.model_dump_json().encode(), without its argument handling and the
        # round trip through str (~40 % of the encoding time of an incident: measured).
        stored = value.__pydantic_serializer__.to_json(value)
        self._table[key] = stored
        self._remember(key, stored, value)

    def _remember(self, key: bytes, stored: bytes, value: BaseModel) -> None:
        self._decoded[key] = (stored, value)
        self._decoded.move_to_end(key)
        while len(self._decoded) > self._cache_size:
            self._decoded.popitem(last=False)

    def get_index(self, key: str) -> BucketIndex | None:
        return self._get(INDEX_PREFIX + key.encode(), BucketIndex)

    def put_index(self, index: BucketIndex) -> None:
        self._put(INDEX_PREFIX + index.key.encode(), index)

    def get_shard(self, key: str, month: str) -> IndexShard | None:
        return self._get(_shard_key(key, month), IndexShard)

    def put_shard(self, shard: IndexShard) -> None:
        self._put(_shard_key(shard.key, shard.month), shard)

    def get_incident(self, incident_id: str) -> Incident | None:
        return self._get(INCIDENT_PREFIX + incident_id.encode(), Incident)

    def put_incident(self, incident: Incident) -> None:
        self._put(INCIDENT_PREFIX + incident.id.encode(), incident)

    def get_event(self, key: str, event_id: str) -> str | None:
        stored = self._table.get(_event_key(key, event_id))
        return None if stored is None else stored.decode()

    def put_event(self, key: str, event_id: str, incident_id: str) -> None:
        self._table[_event_key(key, event_id)] = incident_id.encode()

    def incidents(self, partitions: set[int]) -> Iterator[Incident]:
        """Every incident stored for the given events partitions.

        Event records outnumber incidents; they are skipped on their key, never decoded (and
        never enter the decoded-value cache, which they would flush).
        """
        keys = [key for key in self._table if key.startswith(INCIDENT_PREFIX)]
        for key in keys:
            incident = self._get(key, Incident)
            if incident is not None and incident.partition in partitions:
                yield incident


def _decode(model: type[Model], stored: bytes) -> Model:
    if issubclass(model, Incident):
        return cast(Model, model.from_json(stored))  # also reads records from before the fold
    return model.model_validate_json(stored)


def _shard_key(key: str, month: str) -> bytes:
    return SHARD_PREFIX + key.encode() + b"|" + month.encode()


def _event_key(key: str, event_id: str) -> bytes:
    # The incident key is part of it, as in the duplicate check before event records: an event
    # id is unique per incident key (identity.event_id hashes it in, but tests make ids up).
    return EVENT_PREFIX + event_id.encode() + b"|" + key.encode()
