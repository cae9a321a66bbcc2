"""Many outlets reporting the same incidents while the extractor is killed (-9) ten times."""

from __future__ import annotations

import json
import random
import time

import pytest

from lagebild.ingest import read_articles
from lagebild.processes import http_json
from tests.integration.conftest import FIXTURES, Pipeline, metric_sum, start_service, wait_for

pytestmark = pytest.mark.integration

FOLDER = FIXTURES / "incidents"
EXPECTED = json.loads((FOLDER / "expected.json").read_text())
OUTLETS = 25  # each outlet republishes every article under its own id: new event ids


def copies() -> list[str]:
    articles = list(read_articles(FOLDER / "articles.jsonl"))
    lines = [
        json.dumps({**a.model_dump(mode="json"), "id": f"{a.id}@outlet-{n}"})
        for n in range(OUTLETS)
        for a in articles
    ]
    random.Random(5).shuffle(lines)
    return lines


def test_incident_totals_survive_ten_extractor_crashes(pipeline: Pipeline) -> None:
    lines = copies()
    chunks = [lines[i::10] for i in range(10)]
    rng = random.Random(3)
    extractor = pipeline.extractor
    for chunk in chunks:
        result = pipeline.cli("publish", "-", stdin="\n".join(chunk).encode())
        assert result.returncode == 0, result.stderr.decode()
        time.sleep(rng.uniform(0.0, 0.6))  # a random point while the chunk is processed
        extractor.kill()
        extractor = start_service(
            "extractor",
            "LAGEBILD_EXTRACTOR_",
            pipeline.kafka.bootstrap_servers,
            pipeline.workdir,
            extractor.env["LAGEBILD_EXTRACTOR_APP_ID"],
        )
        pipeline.extractor = extractor
        pipeline.services.append(extractor)  # so the fixture stops it at teardown
        extractor.wait_ready(60)

    def counters() -> dict[str, int]:
        values = http_json(pipeline.aggregator.base_url + "/counters")["counters"]
        return {name: values[name] for name in EXPECTED["counters"]}

    def caught_up() -> bool:
        lag = metric_sum(pipeline.extractor_metrics(), "lagebild_consumer_lag_messages")
        lag += metric_sum(pipeline.aggregator_metrics(), "lagebild_consumer_lag_messages")
        return lag == 0 and counters() == EXPECTED["counters"]

    wait_for(caught_up, 90, f"counters {EXPECTED['counters']}", status=counters)
    incidents = http_json(pipeline.aggregator.base_url + "/incidents")["incidents"]
    assert len(incidents) == EXPECTED["incidents"]
    # Every outlet's report is kept as a source of its incident, none counted twice.
    kharkiv = next(i for i in incidents if i["type"] == "casualties" and i["place"] == "Kharkiv")
    assert kharkiv["reports"] == 3 * OUTLETS
    assert kharkiv["figures"]["killed"] == {"best": 6, "low": 3, "high": 6}
