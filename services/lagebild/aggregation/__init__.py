"""Pure aggregation logic: merge events into incidents and sum incidents into counters.

Nothing here knows Kafka or faust; the aggregator service keeps incidents in a changelog-backed
table behind :class:`IncidentStore` and calls these functions.
"""

from lagebild.aggregation.counters import COUNTER_NAMES, Totals, summarize
from lagebild.aggregation.incidents import (
    Applied,
    BucketIndex,
    Incident,
    IncidentStore,
    MemoryStore,
    apply_event,
)
from lagebild.aggregation.index import IndexShard

__all__ = [
    "COUNTER_NAMES",
    "Applied",
    "BucketIndex",
    "Incident",
    "IncidentStore",
    "IndexShard",
    "MemoryStore",
    "Totals",
    "apply_event",
    "summarize",
]
