"""Soak run: push N articles of mixed content through both workers; report memory and accounting.

    .venv/bin/python scripts/soak.py [--count 100000] [--workdir /tmp/soak]

Starts the embedded broker and one extractor and one aggregator, publishes valid articles
(some as HTML, some revisions of earlier ids) and hostile payloads (not JSON, bad bytes,
missing fields, future timestamps), waits until the extractor has accounted for every one,
and prints a JSON report. RSS "start" is taken after a warm-up (the first 5 % of articles,
when imports, caches and connection buffers exist), "end" after the last article; exit code 1
if growth is 10 % or more, or if processed + revised + dead-lettered != sent, or if the
dead-letter topic does not hold exactly the dead-lettered messages.

Articles name ``--places`` distinct places over ``--days`` days (defaults: 400 places, 700
days: incidents with a handful of reports each, as in real news). ``--places 3 --days 3`` is the
concentrated worst case: a few incidents collecting thousands of reports each.

``--rate N`` publishes the articles after the warm-up at N per second (a steady stream below
the pipeline's capacity, as in production) instead of in one burst, whose backlog fills every
fetch and stream buffer at once.

"end" is taken once the aggregator has consumed every event the extractor produced, so both
workers have finished the whole load.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import orjson
from prometheus_client.parser import text_string_to_metric_families

from lagebild.broker import EmbeddedBroker, free_port
from lagebild.demo import service_env
from lagebild.kafka.clients import follow, start_producer
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.processes import ServiceProcess, http_get

SENTENCES = [
    "Russland griff {place} in der Nacht mit {n} Drohnen an, {m} wurden abgeschossen.",
    "Bei dem Angriff auf {place} wurden {m} Menschen getötet und {n} verletzt.",
    # No meeting sentence: every meeting of the same participants lands in one aggregator
    # bucket, which overflows (see above) long before 100,000 articles.
    "In {place} wurden nach russischem Beschuss {m} Tote gemeldet.",
    "Russia launched {n} missiles at {place}; {m} were shot down.",
    "Die Lage an der Front blieb angespannt.",
]


def ukrainian_places(limit: int) -> list[str]:
    """Place names from the gazetteer: the aggregator keeps one table entry per place bucket."""
    data = json.loads((resources.files("lagebild") / "data" / "places.json").read_text())
    names = [p["name"] for p in data["places"] if p["country"] == "UA" and p["kind"] != "country"]
    return [name for name in names if _resolves(name)][:limit]


def _resolves(place: str) -> bool:
    """Only places the engine recognises in the sentences: others fall into one bucket."""
    from lagebild.extraction import extract
    from lagebild.models import Article

    text = " ".join(s.format(n=12, m=3, place=place) for s in SENTENCES)
    article = Article(id="probe", text=text, published_at=dt.datetime.now(dt.UTC))
    return all(place in event.incident_key for event in extract(article))


def payloads(
    count: int, days: int, places: list[str], seed: int = 7
) -> Iterator[tuple[bytes | None, bytes]]:
    """(key, value) pairs; about 75 % valid articles, 25 % hostile."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    for index in range(count):
        place = rng.choice(places)  # one place per article, as in most reports
        text = " ".join(
            rng.choice(SENTENCES).format(n=rng.randint(2, 90), m=rng.randint(1, 9), place=place)
            for _ in range(rng.randint(1, 4))
        )
        article_id = f"soak-{index}" if rng.random() > 0.05 else f"soak-{rng.randint(0, index)}"
        # Spread over ~2 years: incidents are keyed by date, and real incidents get a handful
        # of reports, not thousands (see --days for the concentrated case).
        when = (now - dt.timedelta(hours=rng.randint(0, 24 * days))).isoformat()
        article = {"id": article_id, "text": text, "published_at": when, "language": "de"}
        kind = rng.random()
        if kind < 0.65:
            value = orjson.dumps(article)
        elif kind < 0.75:
            value = orjson.dumps({**article, "text": f"<article><p>{text}</p></article>"})
        elif kind < 0.80:
            value = b"\x81\x00" + text.encode()
        elif kind < 0.85:
            value = text.encode()  # not JSON
        elif kind < 0.90:
            value = orjson.dumps({"id": article_id, "text": text})  # missing field
        elif kind < 0.95:
            future = (now + dt.timedelta(days=40)).isoformat()
            value = orjson.dumps({**article, "published_at": future})
        else:
            value = orjson.dumps({**article, "text": "\x00\x01\x02"})  # empty after cleaning
        yield article_id.encode(), value


def rss_kib(service: ServiceProcess) -> int:
    if not service.alive() or service.pid is None:
        raise RuntimeError(f"{service.module} is not running; see {service.log_file}")
    for line in Path(f"/proc/{service.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {service.pid}")


def outcomes(service: ServiceProcess) -> dict[str, float]:
    result: dict[str, float] = {}
    text = http_get(service.base_url + "/metrics", timeout=15.0).decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "lagebild_articles_consumed_total":
                result[sample.labels["outcome"]] = sample.value
    return result


async def produce(
    kafka: KafkaSettings, items: list[tuple[bytes | None, bytes]], rate: float | None = None
) -> None:
    """Publish ``items``: as fast as possible, or paced at ``rate`` articles/s."""
    producer = await start_producer(kafka)
    step = 100 if rate else 1_000
    started = time.monotonic()
    try:
        for start in range(0, len(items), step):
            futures = [
                await producer.send("articles", value, key=key)
                for key, value in items[start : start + step]
            ]
            await asyncio.gather(*futures)
            if rate:
                ahead = started + (start + step) / rate - time.monotonic()
                await asyncio.sleep(max(0.0, ahead))
    finally:
        await producer.stop()


async def count_dlq(kafka: KafkaSettings) -> int:
    return sum([1 async for _ in follow(kafka, "articles.dlq", True, idle_timeout=5.0)])


def wait_consumed(
    service: ServiceProcess, services: list[ServiceProcess], target: int, timeout: float
) -> float:
    """Until ``service`` has consumed ``target`` articles; fails if any service dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(outcomes(service).values()) >= target:
            return time.monotonic()
        for each in services:
            if not each.alive():
                raise RuntimeError(f"{each.module} died; see {each.log_file}")
        time.sleep(1.0)
    raise TimeoutError(f"only {sum(outcomes(service).values())} of {target} after {timeout} s")


def metric_total(service: ServiceProcess, name: str) -> float:
    # A worker busy with a backlog can take seconds to answer (Prometheus allows 10 s).
    text = http_get(service.base_url + "/metrics", timeout=15.0).decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    )


def wait_aggregated(extractor: ServiceProcess, aggregator: ServiceProcess, timeout: float) -> None:
    """Until the aggregator has consumed every event the extractor produced."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        produced = metric_total(extractor, "lagebild_events_produced_total")
        if metric_total(aggregator, "lagebild_events_consumed_total") >= produced:
            return
        if not aggregator.alive():
            raise RuntimeError(f"aggregator died; see {aggregator.log_file}")
        time.sleep(1.0)
    raise TimeoutError(f"the aggregator did not catch up within {timeout} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=3_600, help="for the whole run, s")
    parser.add_argument("--days", type=int, default=700, help="spread of published_at")
    parser.add_argument("--places", type=int, default=400, help="distinct places named")
    parser.add_argument(
        "--rate", type=float, default=None, help="articles/s after the warm-up (default: burst)"
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lagebild-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    items = list(payloads(args.count, args.days, ukrainian_places(args.places)))
    warmup = max(1, args.count // 20)
    report: dict[str, object] = {
        "sent": args.count,
        "rate": args.rate or "burst",
        "workdir": str(workdir),
    }
    with EmbeddedBroker(log_file=workdir / "broker.log") as broker:
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        asyncio.run(ensure_topics(kafka, TopicSettings()))
        suffix = uuid.uuid4().hex[:6]
        services: list[ServiceProcess] = []
        for module, prefix in (
            ("extractor", "LAGEBILD_EXTRACTOR_"),
            ("aggregator", "LAGEBILD_AGGREGATOR_"),
        ):
            port = free_port()
            env = service_env(prefix, broker.bootstrap_servers, port, workdir / module)
            env[f"{prefix}APP_ID"] = f"{module}-soak-{suffix}"
            services.append(ServiceProcess(module, env, port, workdir / f"{module}.log"))
        extractor = services[0]
        try:
            for service in services:
                service.start()
            for service in services:
                service.wait_ready(60)
            started = time.monotonic()
            asyncio.run(produce(kafka, items[:warmup]))
            wait_consumed(extractor, services, warmup, args.timeout)
            wait_aggregated(extractor, services[1], args.timeout)
            time.sleep(5)
            start_rss = {s.module: rss_kib(s) for s in services}
            asyncio.run(produce(kafka, items[warmup:], args.rate))
            wait_consumed(extractor, services, args.count, args.timeout)
            wait_aggregated(extractor, services[1], args.timeout)
            elapsed = time.monotonic() - started
            time.sleep(5)
            end_rss = {s.module: rss_kib(s) for s in services}
            counts = outcomes(extractor)
            dlq = asyncio.run(count_dlq(kafka))
            events = {
                "produced": metric_total(extractor, "lagebild_events_produced_total"),
                "aggregated": metric_total(services[1], "lagebild_events_consumed_total"),
            }
        finally:
            for service in services:
                service.stop(grace=10)
    growth = {m: round(100 * (end_rss[m] - start_rss[m]) / start_rss[m], 1) for m in start_rss}
    accounted = sum(counts.values())
    report |= {
        "outcomes": counts,
        "accounted": accounted,
        "dlq_messages": dlq,
        "events": events,
        "elapsed_s": round(elapsed, 1),
        "articles_per_s": round(args.count / elapsed, 1),
        "rss_start_kib": start_rss,
        "rss_end_kib": end_rss,
        "rss_growth_percent": growth,
    }
    ok = (
        accounted == args.count
        and dlq == counts.get("dead_lettered", 0)
        and events["aggregated"] >= events["produced"]
        and all(value < 10 for value in growth.values())
    )
    report["ok"] = ok
    print(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
