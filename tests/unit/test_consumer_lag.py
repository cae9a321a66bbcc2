"""The consumer-lag gauge: high watermark minus committed offset, changelogs left out."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from lagebild.kafka.lag import register_consumer_lag


class TP(SimpleNamespace):
    def __lt__(self, other: Any) -> bool:
        return bool((self.topic, self.partition) < (other.topic, other.partition))

    def __hash__(self) -> int:
        return hash((self.topic, self.partition))


def fake_app(highwaters: dict[Any, int | None], committed: dict[Any, int | None]) -> Any:
    changelog = SimpleNamespace(get_topic_name=lambda: "app-incidents-changelog")
    return SimpleNamespace(
        tables={"incidents": SimpleNamespace(changelog_topic=changelog)},
        assignor=SimpleNamespace(assigned_actives=lambda: set(highwaters)),
        consumer=SimpleNamespace(highwater=highwaters.get, _committed_offset=committed),
    )


def scrape(app: Any) -> str:
    registry = CollectorRegistry()
    register_consumer_lag(app, registry)
    return generate_latest(registry).decode()


def test_lag_per_owned_source_partition() -> None:
    events0, events1 = TP(topic="events", partition=0), TP(topic="events", partition=1)
    changelog, idle = (
        TP(topic="app-incidents-changelog", partition=0),
        TP(topic="events", partition=2),
    )
    text = scrape(
        fake_app({events0: 10, events1: 5, changelog: 99, idle: None}, {events0: 7, events1: None})
    )
    assert 'lagebild_consumer_lag_messages{partition="0",topic="events"} 3.0' in text
    assert 'lagebild_consumer_lag_messages{partition="1",topic="events"} 5.0' in text
    assert "changelog" not in text and 'partition="2"' not in text


def test_no_consumer_yet_exports_nothing() -> None:
    text = scrape(SimpleNamespace())
    assert "# TYPE lagebild_consumer_lag_messages gauge" in text
    assert "lagebild_consumer_lag_messages{" not in text
