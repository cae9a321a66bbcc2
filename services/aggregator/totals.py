"""The counters this worker serves, kept up to date instead of recomputed per scrape.

Summing every incident on each ``/metrics`` scrape cost seconds and most of the worker's memory
churn once the table held tens of thousands of incidents (worse on the SQLite store, which
decodes each one from disk). Instead each owned events partition has :class:`RunningTotals`,
built once from the table after an assignment and then changed by each applied event.

A partition's running totals are only valid while this worker owns it without interruption:
every rebalance drops them (faust revokes all partitions first), and while the worker is
rebalancing or recovering, when the table is being rewritten from changelogs, totals are
computed by scanning instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lagebild.aggregation import Incident, Totals
from lagebild.aggregation.counters import RunningTotals


class OwnedTotals:
    def __init__(self, scan: Callable[[set[int]], Iterable[Incident]]) -> None:
        self._scan = scan  # incidents stored for the given partitions
        self._partitions: dict[int, RunningTotals] = {}
        self.builds = 0  # partitions built from a scan (exposed for tests and metrics)

    def invalidate(self) -> None:
        self._partitions.clear()

    def applied(self, partition: int, previous: Incident | None, incident: Incident) -> None:
        """An event changed ``incident`` (``previous``: the version it replaced, if any)."""
        running = self._partitions.get(partition)
        if running is not None:
            running.replace(previous, incident)

    def totals(self, active: set[int], stable: bool) -> Totals:
        """Totals over the ``active`` partitions; ``stable``: no rebalance or recovery running."""
        if not stable:
            self.invalidate()
            running = RunningTotals()
            for incident in self._scan(active):
                running.add(incident)
            return running.totals()
        for partition in set(self._partitions) - active:
            del self._partitions[partition]
        missing = active - set(self._partitions)
        if missing:
            # One scan for all of them: each scan reads every key of the table.
            built = {partition: RunningTotals() for partition in missing}
            for incident in self._scan(missing):
                built[incident.partition].add(incident)
            self._partitions.update(built)
            self.builds += len(built)
        combined = RunningTotals()
        for partition in sorted(active):
            combined.merge(self._partitions[partition])
        return combined.totals()
