"""End to end on real processes: publish → extractor → events → aggregator → /metrics."""

from __future__ import annotations

import asyncio
import json

import pytest

from lagebild.kafka.clients import follow, start_producer
from lagebild.processes import http_json
from tests.integration.conftest import FIXTURES, Pipeline, metric_sum, wait_for

pytestmark = pytest.mark.integration

SEED_TEXT = FIXTURES / "article-de-2025-04-25.txt"
GOLD = json.loads((FIXTURES / "article-de-2025-04-25.gold.json").read_text())

# How each gold counter is read from the aggregator's /metrics.
COUNTER_QUERIES = {
    "attacks": ("lagebild_incidents", {"type": "attack"}),
    "drones_launched": ("lagebild_weapons", {"outcome": "launched", "weapon_class": "drone"}),
    "drones_shot_down": ("lagebild_weapons", {"outcome": "shot_down", "weapon_class": "drone"}),
    "drones_diverted": ("lagebild_weapons", {"outcome": "diverted", "weapon_class": "drone"}),
    "killed": ("lagebild_casualties", {"kind": "killed"}),
    "injured": ("lagebild_casualties", {"kind": "injured"}),
    "meetings": ("lagebild_incidents", {"type": "meeting"}),
}


def situation(pipeline: Pipeline) -> dict[str, float]:
    samples = pipeline.aggregator_metrics()
    return {
        name: metric_sum(samples, metric, **labels)
        for name, (metric, labels) in COUNTER_QUERIES.items()
    }


def consumed_and_produced(pipeline: Pipeline) -> tuple[float, float, float]:
    """(articles processed or dead-lettered, events produced, events consumed downstream)."""
    extractor = pipeline.extractor_metrics()
    aggregator = pipeline.aggregator_metrics()
    return (
        metric_sum(extractor, "lagebild_articles_consumed_total"),
        metric_sum(extractor, "lagebild_events_produced_total"),
        metric_sum(aggregator, "lagebild_events_consumed_total"),
    )


def settled(pipeline: Pipeline, articles: int, extra_events: int = 0) -> bool:
    """True when the extractor has read ``articles`` and the aggregator every event since."""
    read, produced, consumed = consumed_and_produced(pipeline)
    return read >= articles and produced > 0 and consumed >= produced + extra_events


def test_seed_article_counters_and_republish(pipeline: Pipeline) -> None:
    expected = {
        name: value
        for name, value in GOLD["expected_counters_after_this_article"].items()
        if name in COUNTER_QUERIES
    }
    assert set(expected) == set(COUNTER_QUERIES)

    result = pipeline.cli("publish", str(SEED_TEXT))
    assert result.returncode == 0, result.stderr.decode()
    wait_for(lambda: situation(pipeline) == expected, 60, f"counters {expected}")
    wait_for(lambda: settled(pipeline, articles=1), 30, "all seed events aggregated")
    _, produced_once, _ = consumed_and_produced(pipeline)

    # The same article again: same event ids, same incidents, so nothing may move.
    result = pipeline.cli("publish", str(SEED_TEXT))
    assert result.returncode == 0, result.stderr.decode()
    wait_for(lambda: settled(pipeline, articles=2), 60, "republished events aggregated")
    _, produced_twice, consumed = consumed_and_produced(pipeline)
    assert produced_twice == 2 * produced_once
    assert consumed == produced_twice
    duplicates = metric_sum(
        pipeline.aggregator_metrics(), "lagebild_events_consumed_total", result="duplicate"
    )
    assert duplicates == produced_once
    assert situation(pipeline) == expected

    # The JSON endpoint agrees with the metrics.
    counters = http_json(pipeline.aggregator.base_url + "/counters")["counters"]
    assert {name: counters[name] for name in expected} == expected


def test_bad_input_goes_to_the_dlq_and_workers_keep_running(pipeline: Pipeline) -> None:
    topics = pipeline.topics
    read_before, produced_before, consumed_before = consumed_and_produced(pipeline)
    assert consumed_before == produced_before  # the pipeline is idle

    async def send_bad_messages() -> None:
        producer = await start_producer(pipeline.kafka)
        try:
            await producer.send_and_wait(topics.articles, b"{not json", key=b"bad-1")
            await producer.send_and_wait(
                topics.articles,
                json.dumps({"id": "bad-2", "title": "no text"}).encode(),
                key=b"bad-2",
            )
            await producer.send_and_wait(topics.events, b'{"type": "attack"}', key=b"bad-3")
        finally:
            await producer.stop()

    async def read_dlq(count: int) -> list[tuple[bytes | None, bytes | None, dict[str, str]]]:
        from lagebild.kafka.dlq import read_dlq_headers

        found = []
        async for key, value, headers in follow(
            pipeline.kafka, topics.dlq, from_beginning=True, idle_timeout=20
        ):
            found.append((key, value, read_dlq_headers(headers)))
            if len(found) >= count:
                break
        return found

    asyncio.run(send_bad_messages())
    letters = {key: (value, errors) for key, value, errors in asyncio.run(read_dlq(3))}
    assert set(letters) == {b"bad-1", b"bad-2", b"bad-3"}
    assert letters[b"bad-1"][0] == b"{not json"  # original bytes untouched
    assert letters[b"bad-1"][1]["reason"] == "not_json"
    assert letters[b"bad-2"][1]["reason"] == "missing_field"
    assert "text" in letters[b"bad-2"][1]["exception.message"]
    assert letters[b"bad-3"][1]["stage"] == "aggregate"
    for _, errors in letters.values():
        assert errors["topic"] in (topics.articles, topics.events)
        assert int(errors["offset"]) >= 0

    assert (
        metric_sum(pipeline.extractor_metrics(), "lagebild_dead_letters_total", reason="not_json")
        >= 1
    )

    # Both workers are alive and still process valid input afterwards.
    article = {
        "id": "after-bad-input",
        "text": "Bei einem russischen Raketenangriff auf Odessa wurden am Donnerstag "
        "mindestens drei Menschen getötet und elf verletzt.",
        "published_at": "2025-04-26T08:00:00+00:00",
        "language": "de",
    }
    result = pipeline.cli("publish", "-", stdin=json.dumps(article).encode())
    assert result.returncode == 0, result.stderr.decode()

    def caught_up() -> bool:
        read, produced, consumed = consumed_and_produced(pipeline)
        # +1: the malformed event went to the aggregator without passing the extractor.
        return read == read_before + 3 and produced > produced_before and consumed == produced + 1

    wait_for(caught_up, 60, "the valid article after the bad ones to pass both workers")
    assert pipeline.extractor.alive() and pipeline.aggregator.alive()
