"""`lagebild replay` rebuilds the live totals from the articles topic."""

from __future__ import annotations

import json

import pytest

from lagebild.processes import http_json
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
