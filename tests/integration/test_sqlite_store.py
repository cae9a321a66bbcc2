"""Workers on the SQLite table store.

Aggregator: exact after kill -9, and restarts read only the changelog tail.

The worker keeps its incidents table in ``<datadir>/v1/tables/incidents-<partition>.sqlite3``
with the offset of the last changelog record each file holds. It is killed (-9) mid-stream
and restarted on the same data directory; the totals must be exact. Then, once idle (every
change committed), it is killed again: the restarted worker must read no changelog record at
all, where the memory store would re-read the whole changelog.

Extractor: its article revision memory (table ``revisions``) survives kill -9, so a new
version of an article seen before the crash still counts as ``revised``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import re
import sqlite3
import time
import uuid
from pathlib import Path

import orjson
import pytest

from lagebild.kafka.clients import start_producer
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.sqlite_store import DEFAULT_COMMIT_INTERVAL
from lagebild.processes import ServiceProcess
from tests.integration.conftest import metric_sum, scrape, start_service, wait_for
from tests.integration.event_stream import Stream, build_stream
from tests.integration.test_exactness import (
    PREFIX,
    broker,
    incident_count,
    lag,
    publish,
    settled,
    totals,
)

pytestmark = pytest.mark.integration

__all__ = ["broker"]  # the fixture, shared with test_exactness

RECOVERED = re.compile(rb"table incidents: recovery applied (\d+) changelog records")


def stored_offsets(tables: Path) -> dict[int, int]:
    """Partition → offset of the last changelog record its SQLite file holds."""
    offsets: dict[int, int] = {}
    for path in sorted(tables.glob("incidents-*.sqlite3")):
        partition = int(path.name.removeprefix("incidents-").removesuffix(".sqlite3"))
        with sqlite3.connect(path) as db:
            row = db.execute('SELECT "offset" FROM changelog_offsets').fetchone()
        if row is not None:
            offsets[partition] = int(row[0])
    return offsets


def recovered_records(worker: ServiceProcess) -> list[int]:
    """The store's "recovery applied N changelog records" lines in this run's log."""
    with open(worker.log_file, "rb") as log:
        log.seek(worker._log_offset)
        return [int(n) for n in RECOVERED.findall(log.read())]


def start(bootstrap: str, workdir: Path, app_id: str) -> ServiceProcess:
    worker = start_service("aggregator", PREFIX, bootstrap, workdir, app_id)
    worker.wait_ready(60)
    wait_for(lambda: bool(recovered_records(worker)), 30, "the store's recovery report")
    return worker


def test_sqlite_store_is_exact_after_kill_9_and_restarts_from_its_offsets(
    broker: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap, workdir = broker
    monkeypatch.setenv(f"{PREFIX}WORKER__STORE", "sqlite://")  # the default, made explicit
    stream = build_stream(seed=5)
    half = len(stream.events) // 2
    first_half = Stream(stream.events[:half], {}, 0)
    second_half = Stream(stream.events[half:], {}, 0)
    app_id = f"aggregator-{uuid.uuid4().hex[:6]}"
    tables = workdir / "aggregator" / "v1" / "tables"
    rng = random.Random(5)
    worker = start(bootstrap, workdir, app_id)
    try:
        assert recovered_records(worker) == [0]  # a new table: nothing to read
        publish(bootstrap, first_half)
        # Processed within a second here; then every change is acknowledged and committed.
        time.sleep(3 + DEFAULT_COMMIT_INTERVAL)
        committed = sum(offset + 1 for offset in stored_offsets(tables).values())
        assert committed > 0
        worker.kill()
        worker = start(bootstrap, workdir, app_id)
        assert recovered_records(worker) == [0]  # the memory store would read `committed`

        publish(bootstrap, second_half)
        read_after_kills = []
        for _ in range(3):
            time.sleep(rng.uniform(0.1, 1.0))  # a random point in the second half
            worker.kill()
            worker = start(bootstrap, workdir, app_id)
            read_after_kills += recovered_records(worker)
        wait_for(
            lambda: settled([worker], stream),
            90,
            f"exact totals {stream.expected}",
            status=lambda: (totals([worker]), lag([worker])),
        )
        assert incident_count([worker]) == stream.incidents

        # Idle again: the next restart reads nothing.
        time.sleep(DEFAULT_COMMIT_INTERVAL + 1.5)
        before = stored_offsets(tables)
        total = sum(offset + 1 for offset in before.values())
        print(f"changelog records: {committed} after the first half, {total} in all;")
        print(f"read on restart after kill -9 in the second half: {read_after_kills}")
        # Only changelog records written after the first half's commit were ever re-read.
        assert all(n <= total - committed for n in read_after_kills)
        worker.kill()
        worker = start(bootstrap, workdir, app_id)
        assert recovered_records(worker) == [0]
        wait_for(
            lambda: settled([worker], stream),
            60,
            f"exact totals {stream.expected} after the restart",
            status=lambda: (totals([worker]), lag([worker])),
        )
        assert incident_count([worker]) == stream.incidents
        assert stored_offsets(tables) == before
    finally:
        worker.stop()


def publish_article(bootstrap: str, article_id: str, text: str) -> None:
    published = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    value = orjson.dumps(
        {"id": article_id, "title": "t", "text": text, "published_at": published.isoformat()}
    )

    async def run() -> None:
        producer = await start_producer(KafkaSettings(bootstrap_servers=bootstrap))
        try:
            await (await producer.send(TopicSettings().articles, value, key=article_id.encode()))
        finally:
            await producer.stop()

    asyncio.run(run())


def outcomes(worker: ServiceProcess) -> dict[str, float]:
    samples = scrape(worker.base_url + "/metrics")
    return {
        outcome: metric_sum(samples, "lagebild_articles_consumed_total", outcome=outcome)
        for outcome in ("processed", "revised", "dead_lettered")
    }


def test_extractor_revisions_survive_kill_9(
    broker: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap, workdir = broker
    prefix = "LAGEBILD_EXTRACTOR_"
    monkeypatch.setenv(f"{prefix}WORKER__STORE", "sqlite://")  # the default, made explicit
    app_id = f"extractor-{uuid.uuid4().hex[:6]}"
    text = "Russland griff Charkiw in der Nacht mit 40 Drohnen an, 30 wurden abgeschossen."
    worker = start_service("extractor", prefix, bootstrap, workdir, app_id)
    try:
        worker.wait_ready(60)
        publish_article(bootstrap, "live-1", text)
        wait_for(lambda: outcomes(worker)["processed"] == 1, 60, "the first version processed")
        time.sleep(DEFAULT_COMMIT_INTERVAL + 1.5)  # acknowledged and committed
        worker.kill()
        worker = start_service("extractor", prefix, bootstrap, workdir, app_id)
        worker.wait_ready(60)
        publish_article(bootstrap, "live-1", text + " Am Morgen meldete die Armee 35 Drohnen.")
        wait_for(
            lambda: outcomes(worker)["revised"] == 1,
            60,
            "the second version counted as revised after the restart",
            status=lambda: outcomes(worker),
        )
        assert outcomes(worker) == {"processed": 0, "revised": 1, "dead_lettered": 0}
        tables = workdir / "extractor" / "v1" / "tables"
        assert sorted(p.name for p in tables.glob("revisions-*.sqlite3"))
    finally:
        worker.stop()
