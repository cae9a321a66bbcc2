"""The incidents table behind :class:`lagebild.aggregation.IncidentStore`.

One faust table, two kinds of keys: ``b:<incident key>`` → :class:`BucketIndex` and
``i:<incident id>`` → :class:`Incident`, both JSON bytes. Every write of one event goes to the
partition of that event (faust writes table changes to the source message's partition), so
both land in one changelog partition in order: after a crash the changelog holds a prefix of
them, which is what :func:`lagebild.aggregation.apply_event` relies on.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, MutableMapping
from typing import TypeVar

from pydantic import BaseModel

from lagebild.aggregation import BucketIndex, Incident

INDEX_PREFIX = b"b:"
INCIDENT_PREFIX = b"i:"
DECODED_CACHE = 4_096

Model = TypeVar("Model", bound=BaseModel)


class TableStore:
    def __init__(self, table: MutableMapping[bytes, bytes]) -> None:
        self._table = table
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
        value = model.model_validate_json(stored)
        self._remember(key, stored, value)
        return value

    def _put(self, key: bytes, value: BaseModel) -> None:
        stored = value.model_dump_json().encode()
        self._table[key] = stored
        self._remember(key, stored, value)

    def _remember(self, key: bytes, stored: bytes, value: BaseModel) -> None:
        self._decoded[key] = (stored, value)
        self._decoded.move_to_end(key)
        while len(self._decoded) > DECODED_CACHE:
            self._decoded.popitem(last=False)

    def get_index(self, key: str) -> BucketIndex | None:
        return self._get(INDEX_PREFIX + key.encode(), BucketIndex)

    def put_index(self, index: BucketIndex) -> None:
        self._put(INDEX_PREFIX + index.key.encode(), index)

    def get_incident(self, incident_id: str) -> Incident | None:
        return self._get(INCIDENT_PREFIX + incident_id.encode(), Incident)

    def put_incident(self, incident: Incident) -> None:
        self._put(INCIDENT_PREFIX + incident.id.encode(), incident)

    def incidents(self, partitions: set[int]) -> Iterator[Incident]:
        """Every incident stored for the given events partitions."""
        for key in list(self._table.keys()):
            if key.startswith(INCIDENT_PREFIX):
                incident = self._get(key, Incident)
                if incident is not None and incident.partition in partitions:
                    yield incident
