"""Pure aggregation logic: merge events into incidents and sum incidents into counters.

Nothing here knows Kafka or faust; the aggregator service stores :class:`Bucket` values in a
changelog-backed table and calls these functions.
"""

from lagebild.aggregation.counters import COUNTER_NAMES, Totals, summarize
from lagebild.aggregation.incidents import Applied, Bucket, Incident, apply_event

__all__ = ["COUNTER_NAMES", "Applied", "Bucket", "Incident", "Totals", "apply_event", "summarize"]
