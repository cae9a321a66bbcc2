"""`lagebild replay` rebuilds the live totals from the articles topic."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from lagebild import batch_replay
from lagebild.broker import EmbeddedBroker
from lagebild.kafka.clients import start_producer
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.processes import http_json
from lagebild.replay import CONSUMED
from tests.integration.conftest import FIXTURES, Pipeline, metric_sum, wait_for

pytestmark = pytest.mark.integration


def test_replay_reaches_the_live_totals(pipeline: Pipeline) -> None:
    for path in (FIXTURES / "article-de-2025-04-25.txt", FIXTURES / "incidents" / "articles.jsonl"):
        result = pipeline.cli("publish", str(path))
        assert result.returncode == 0, result.stderr.decode()

    def live() -> dict[str, int]:
        return dict(http_json(pipeline.aggregator.base_url + "/counters")["counters"])

    def idle() -> bool:
        lag = metric_sum(pipeline.extractor_metrics(), "lagebild_consumer_lag_messages")
        lag += metric_sum(pipeline.aggregator_metrics(), "lagebild_consumer_lag_messages")
        read = metric_sum(pipeline.extractor_metrics(), "lagebild_articles_consumed_total")
        return lag == 0 and read == 7

    wait_for(idle, 60, "the live pipeline to process 7 articles", status=live)
    expected = live()
    assert expected["attacks"] > 0 and expected["meetings"] > 0

    result = pipeline.cli("replay", "--timeout", "90", timeout=120)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    replayed = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert replayed["counters"] == expected
    # The live counters were not disturbed by the replay's own topics.
    assert live() == expected

    result = pipeline.cli("replay", "--batch", "--workers", "2", timeout=120)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    rebuilt = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert rebuilt["counters"] == expected
    assert rebuilt["articles"] == 7 and rebuilt["dead_letters"] == {}

    # The live events topic folded again, without extraction.
    result = pipeline.cli("replay", "--from-events", timeout=120)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    refolded = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert refolded["counters"] == expected
    assert refolded["events"] == metric_sum(pipeline.aggregator_metrics(), CONSUMED)
    assert refolded["dead_letters"] == {}


def test_batch_read_does_not_stop_while_extraction_is_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader pauses while the pool is behind (bounded read-ahead); that pause is not the
    topic being idle. Counting it as idle ended a 100k-article read after ~18 % of the topic."""
    monkeypatch.setattr(batch_replay, "READ_BATCH", 10)  # many batches ...
    monkeypatch.setattr(batch_replay, "READ_AHEAD", 1)  # ... and a queue that fills at once
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        topics = TopicSettings(articles="articles.slow-read")
        asyncio.run(ensure_topics(kafka, topics))
        asyncio.run(_send(kafka, topics.articles, 60))
        read = 0
        for batch in batch_replay.read_topic(kafka, topics.articles, idle_s=0.5):
            read += len(batch)
            time.sleep(1.0)  # a slow pool: the reader waits on the full queue (> idle_s)
    assert read == 60


async def _send(kafka: KafkaSettings, topic: str, count: int) -> None:
    producer = await start_producer(kafka)
    try:
        for i in range(count):
            await producer.send(topic, b"{}", key=str(i).encode())
        await producer.flush()
    finally:
        await producer.stop()
