"""Aggregator metrics: pipeline counters plus gauges computed from the incidents table.

The situation gauges are read at scrape time from the running totals of the incidents this
worker *owns* (active partitions only; see aggregator/totals.py), so with several workers
Prometheus can sum them without counting an incident twice. They are gauges, not counters:
an explicit correction can lower a figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from lagebild.aggregation import Totals

# The *_created series double the output and no dashboard uses them.
disable_created_metrics()


DAILY_WINDOW_DAYS = 31  # keeps the date label bounded


def recent_days(daily: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """The per-day series of the last days up to the newest incident date."""
    dates = sorted({date for _, date in daily if date != "undated"})
    if not dates:
        return {}
    oldest = (
        dt.date.fromisoformat(dates[-1]) - dt.timedelta(days=DAILY_WINDOW_DAYS - 1)
    ).isoformat()
    return {key: value for key, value in daily.items() if key[1] != "undated" and key[1] >= oldest}


class SituationCollector(Collector):
    def __init__(self, owned_totals: Callable[[], Totals | None]) -> None:
        self._owned_totals = owned_totals

    def collect(self) -> Iterator[GaugeMetricFamily]:
        totals = self._owned_totals()
        if totals is None:  # still being built after a start or rebalance: no series yet
            return
        incidents = GaugeMetricFamily(
            "lagebild_incidents",
            "Distinct incidents (attacks, casualty reports, held meetings) owned by this worker.",
            labels=["type", "weapon_class", "region"],
        )
        for (kind, weapon_class, region), value in sorted(totals.incidents.items()):
            incidents.add_metric([kind, weapon_class, region], value)
        yield incidents
        weapons = GaugeMetricFamily(
            "lagebild_weapons",
            "Drones, missiles and other munitions by outcome, summed over attack incidents.",
            labels=["outcome", "weapon_class", "region"],
        )
        for (outcome, weapon_class, region), value in sorted(totals.weapons.items()):
            weapons.add_metric([outcome, weapon_class, region], value)
        yield weapons
        casualties = GaugeMetricFamily(
            "lagebild_casualties",
            "People killed or injured, summed over casualty incidents.",
            labels=["kind", "region"],
        )
        for (kind, region), value in sorted(totals.casualties.items()):
            casualties.add_metric([kind, region], value)
        yield casualties
        people = GaugeMetricFamily(
            "lagebild_meetings_by_participant",
            "Meetings held, by canonical participant (names come from the people data file).",
            labels=["participant"],
        )
        for name, value in sorted(totals.participants.items()):
            people.add_metric([name], value)
        yield people
        daily = GaugeMetricFamily(
            "lagebild_daily",
            f"Headline counters by the day incidents happened (the last {DAILY_WINDOW_DAYS} days).",
            labels=["counter", "date"],
        )
        for (counter, date), value in sorted(recent_days(totals.daily).items()):
            daily.add_metric([counter, date], value)
        yield daily


class AggregatorMetrics:
    def __init__(self, owned_totals: Callable[[], Totals | None]) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "lagebild_events_consumed_total",
            "Events read from the events topic, by result.",
            ["result"],  # created | updated | duplicate | dead_lettered
            registry=self.registry,
        )
        self.changelog_failures = Counter(
            "lagebild_changelog_send_failures_total",
            "Incidents-table changelog records the producer gave up on (not retried: the table "
            "is intact on this worker, but a worker recovering from the changelog would miss "
            "the change).",
            registry=self.registry,
        )
        self.registry.register(SituationCollector(owned_totals))
