"""``lagebild dlq list | replay`` against the real pipeline."""

from __future__ import annotations

import asyncio
import datetime as dt

import orjson
import pytest

from lagebild.kafka.clients import follow, start_producer
from lagebild.kafka.replay import REPLAYED_FROM
from tests.integration.conftest import Pipeline, metric_sum, wait_for

pytestmark = pytest.mark.integration

FUTURE = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
BAD = [
    (b"replay-1", b"\x81\x00 neither UTF-8 nor Windows-1252"),
    (b"replay-2", orjson.dumps({"id": "replay-2", "text": "", "published_at": FUTURE})),
    (b"replay-3", orjson.dumps({"id": "replay-3", "text": "Drohnen.", "published_at": FUTURE})),
]


def dead_letters(pipeline: Pipeline) -> float:
    return metric_sum(pipeline.extractor_metrics(), "lagebild_dead_letters_total")


def test_list_and_replay(pipeline: Pipeline) -> None:
    before = dead_letters(pipeline)

    async def send() -> None:
        producer = await start_producer(pipeline.kafka)
        try:
            for key, value in BAD:
                await producer.send_and_wait("articles", value, key=key)
        finally:
            await producer.stop()

    asyncio.run(send())
    wait_for(lambda: dead_letters(pipeline) >= before + 3, 30, "three dead letters")

    listed = pipeline.cli("dlq", "list", "--idle-timeout", "2")
    assert listed.returncode == 0, listed.stderr
    records = [orjson.loads(line) for line in listed.stdout.splitlines()]
    ours = {r["key"]: r for r in records if r["key"] and r["key"].startswith("replay-")}
    assert ours["replay-1"]["errors"]["reason"] == "not_utf8"
    assert ours["replay-2"]["errors"]["reason"] == "empty_text"
    assert ours["replay-3"]["errors"]["reason"] == "bad_timestamp"
    for record in ours.values():
        errors = record["errors"]
        assert errors["topic"] == "articles" and errors["stage"] == "validate"
        assert {"partition", "offset", "exception.class.name", "timestamp"} <= errors.keys()
    plain = pipeline.cli("dlq", "--idle-timeout", "2")  # `lagebild dlq` still lists
    assert plain.returncode == 0 and plain.stdout == listed.stdout

    dry = pipeline.cli("dlq", "replay", "--reason", "bad_timestamp", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert b"would replay 1 dead letter(s)" in dry.stderr
    assert orjson.loads(dry.stdout.splitlines()[0])["replay_to"] == "articles"

    replayed = pipeline.cli("dlq", "replay", "--reason", "bad_timestamp")
    assert replayed.returncode == 0, replayed.stderr
    assert b"replayed 1 dead letter(s)" in replayed.stderr

    async def find_replayed() -> list[tuple[bytes | None, bytes | None, dict[str, bytes]]]:
        found = []
        async for key, value, headers in follow(pipeline.kafka, "articles", True, 2.0):
            if dict(headers).get(REPLAYED_FROM):
                found.append((key, value, dict(headers)))
        return found

    found = asyncio.run(find_replayed())
    assert [(key, value) for key, value, _ in found] == [BAD[2]]  # original key and bytes
    assert found[0][2][REPLAYED_FROM].startswith(b"articles.dlq/0/")
    # Still in the future, so it is dead-lettered again: replay is safe to repeat.
    wait_for(lambda: dead_letters(pipeline) >= before + 4, 30, "the replayed one again")
