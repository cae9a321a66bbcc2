"""Property: whatever arrives, every message ends up processed or dead-lettered, exactly once.

Hypothesis generates 10,000 payloads (valid articles, HTML, control characters, other
encodings, wrong types, missing fields, random bytes and JSON, oversize bodies, revised
duplicates, timestamps out of range); they go through the real extractor worker on the
embedded broker. The counts must add up, the dead-letter topic must hold exactly the
dead-lettered ones with their original bytes, and the worker must be the same process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lagebild.broker import EmbeddedBroker, free_port
from lagebild.demo import service_env
from lagebild.ingest import InvalidArticle, parse_article
from lagebild.kafka.clients import follow, start_producer
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.processes import ServiceProcess
from tests.integration.conftest import metric_sum, scrape, wait_for

pytestmark = pytest.mark.integration

EXAMPLES = 10_000
MAX_BYTES = 20_000  # the configurable limit, lowered so "too large" costs 20 KB, not 1 MB
NOW = dt.datetime.now(dt.UTC)
SENTENCES = [
    "Russland griff in der Nacht mit 42 Drohnen an, 30 wurden abgeschossen.",
    "Bei dem Angriff auf Charkiw wurden drei Menschen getötet und 12 verletzt.",
    "Selenskyj traf in Kiew den britischen Premierminister.",
    "Russia launched 7 missiles at Odesa; 5 were shot down.",
    "Das Wetter war gut.",
]
TIMES = [
    NOW - dt.timedelta(hours=3),
    NOW - dt.timedelta(hours=30),
    NOW - dt.timedelta(days=3),
    NOW - dt.timedelta(days=400),
    NOW + dt.timedelta(days=30),  # future: bad_timestamp
    dt.datetime(1970, 1, 1, tzinfo=dt.UTC),  # far past: bad_timestamp
]

INTS = st.integers(-(2**63), 2**63 - 1)  # what JSON encoders agree on
texts = st.one_of(
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6).map(" ".join),
    st.text(max_size=300),
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3).map(
        lambda parts: "<html><body>" + "".join(f"<p>{p}</p>" for p in parts) + "</body></html>"
    ),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=80),  # control characters
    st.just(""),
    st.just("<p> </p>"),
    st.just("Drohne " * 3_000),  # over the size limit
)
ids = st.one_of(
    st.uuids().map(str),
    st.uuids().map(str),
    st.sampled_from(["dup-1", "dup-2", "dup-3"]),  # revisions: same id, other text
    st.text(max_size=20),
)
articles = st.fixed_dictionaries(
    {
        "id": ids,
        "text": texts,
        "published_at": st.sampled_from(TIMES).map(lambda t: t.isoformat()),
    },
    optional={
        "title": st.text(max_size=50),
        "language": st.sampled_from(["de", "en", "uk", "de", "en", "xx1"]),
        "source": st.one_of(st.none(), st.text(max_size=10), INTS),
    },
)
prose = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6).map(" ".join)
plausible = st.fixed_dictionaries(  # what a well-behaved scraper sends, HTML included
    {
        "id": st.one_of(st.uuids().map(str), st.sampled_from(["dup-1", "dup-2", "dup-3"])),
        "text": st.one_of(prose, prose.map(lambda text: f"<div><p>{text}</p></div>")),
        "published_at": st.sampled_from(TIMES[:3]).map(lambda t: t.isoformat()),
        "language": st.sampled_from(["de", "en"]),
    }
)
json_values = st.recursive(
    st.none() | st.booleans() | INTS | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


def _article_bytes(item: dict[str, Any], encoding: str) -> bytes:
    text = orjson.dumps(item).decode()
    return text.encode(encoding, errors="replace")


encodings = st.sampled_from(["utf-8", "utf-8", "utf-8", "cp1252", "utf-16"])
payloads = st.one_of(
    plausible.map(orjson.dumps),
    plausible.map(orjson.dumps),
    st.builds(_article_bytes, articles, encodings),
    st.builds(_article_bytes, articles, encodings),
    st.builds(_article_bytes, articles, encodings),
    articles.map(lambda a: orjson.dumps({k: v for k, v in a.items() if k != "text"})),
    articles.map(lambda a: orjson.dumps({**a, "text": 12})),  # wrong type
    json_values.map(orjson.dumps),
    st.binary(max_size=200),
)


def expected_dead(raw: bytes) -> bool:
    try:
        parse_article(raw, MAX_BYTES, now=dt.datetime.now(dt.UTC))
    except InvalidArticle:
        return True
    return False


def generate() -> list[bytes]:
    generated: list[bytes] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(payloads)
    def collect(raw: bytes) -> None:
        generated.append(raw)

    collect()
    return generated


def key_of(raw: bytes) -> bytes | None:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return str(data["id"]).encode() if isinstance(data, dict) and "id" in data else None


async def produce(kafka: KafkaSettings, items: list[bytes]) -> None:
    producer = await start_producer(kafka)
    try:
        for start in range(0, len(items), 500):
            batch = items[start : start + 500]
            futures = [await producer.send("articles", raw, key=key_of(raw)) for raw in batch]
            await asyncio.gather(*futures)
    finally:
        await producer.stop()


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KafkaSettings, Any]]:
    workdir = tmp_path_factory.mktemp("hostile")
    with EmbeddedBroker(log_file=workdir / "broker.log") as broker:
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        asyncio.run(ensure_topics(kafka, TopicSettings()))
        port = free_port()
        prefix = "LAGEBILD_EXTRACTOR_"
        env = service_env(prefix, broker.bootstrap_servers, port, workdir / "extractor")
        env[f"{prefix}APP_ID"] = f"extractor-{uuid.uuid4().hex[:6]}"
        env[f"{prefix}MAX_ARTICLE_BYTES"] = str(MAX_BYTES)
        service = ServiceProcess("extractor", env, port, Path(workdir) / "extractor.log")
        service.start()
        try:
            service.wait_ready(60)
            yield kafka, service
        finally:
            service.stop(grace=10)


def test_every_payload_is_processed_or_dead_lettered(worker: tuple[KafkaSettings, Any]) -> None:
    kafka, service = worker
    pid = service.pid
    items = generate()
    assert len(items) >= EXAMPLES
    predicted_dead = sum(expected_dead(raw) for raw in items)
    asyncio.run(produce(kafka, items))

    def outcomes() -> dict[str, float]:
        samples = scrape(service.base_url + "/metrics")
        return {
            labels["outcome"]: value
            for labels, value in samples.get("lagebild_articles_consumed_total", [])
        }

    wait_for(lambda: sum(outcomes().values()) >= len(items), 180, "every payload consumed")
    counts = outcomes()
    print(f"sent {len(items)}: {counts}, predicted dead letters {predicted_dead}")
    assert sum(counts.values()) == len(items)
    assert counts.get("processed", 0) + counts.get("revised", 0) > 0
    samples = scrape(service.base_url + "/metrics")
    validate_dead = metric_sum(samples, "lagebild_dead_letters_total", stage="validate")
    assert validate_dead == predicted_dead
    assert metric_sum(samples, "lagebild_dead_letters_total") == counts["dead_lettered"]

    async def dead_letters() -> Counter[bytes]:
        seen: Counter[bytes] = Counter()
        async for _key, value, _headers in follow(kafka, "articles.dlq", True, idle_timeout=3):
            seen[value or b""] += 1
        return seen

    in_dlq = asyncio.run(dead_letters())
    assert sum(in_dlq.values()) == counts["dead_lettered"]
    assert in_dlq <= Counter(items)  # original bytes, untouched
    assert service.alive() and service.pid == pid  # never restarted
    assert b"Traceback" not in service.log_file.read_bytes()
