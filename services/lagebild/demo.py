"""``lagebild demo``: the whole pipeline on this machine, with live counters in the terminal."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
from importlib import resources
from pathlib import Path
from types import FrameType

from lagebild.broker import EmbeddedBroker, free_port
from lagebild.cli_settings import CliSettings
from lagebild.ingest import read_articles
from lagebild.kafka.clients import publish_articles
from lagebild.kafka.config import TopicSettings
from lagebild.kafka.topics import ensure_topics
from lagebild.models import Article
from lagebild.processes import ServiceProcess, http_json


def sample_articles() -> list[Article]:
    folder = resources.files("lagebild") / "samples"
    articles: list[Article] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".json", ".jsonl")):
            with resources.as_file(entry) as path:
                articles.extend(read_articles(path))
    return articles


def service_env(prefix: str, bootstrap: str, web_port: int, datadir: Path) -> dict[str, str]:
    return {
        f"{prefix}KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        f"{prefix}WORKER__WEB_PORT": str(web_port),
        f"{prefix}WORKER__DATADIR": str(datadir),
    }


def topic_env(prefix: str, topics: TopicSettings) -> dict[str, str]:
    """Environment that points a service at other topic names (replays, benchmarks)."""
    return {
        f"{prefix}TOPICS__ARTICLES": topics.articles,
        f"{prefix}TOPICS__EVENTS": topics.events,
        f"{prefix}TOPICS__INCIDENT_UPDATES": topics.incident_updates,
        f"{prefix}TOPICS__DLQ": topics.dlq,
        f"{prefix}TOPICS__ARTICLES_PARTITIONS": str(topics.articles_partitions),
        f"{prefix}TOPICS__EVENTS_PARTITIONS": str(topics.events_partitions),
    }


def _format(c: dict[str, int]) -> str:
    return (
        f"attacks {c['attacks']} | drones launched {c['drones_launched']}, shot down "
        f"{c['drones_shot_down']}, diverted {c['drones_diverted']} | missiles launched "
        f"{c['missiles_launched']}, shot down {c['missiles_shot_down']} | killed {c['killed']}"
        f" | injured {c['injured']} | meetings {c['meetings']} | calls {c['calls']}"
    )


def run_demo(
    settings: CliSettings, duration: float | None, extra_files: list[Path], interval: float = 1.0
) -> int:
    stop = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    workdir = Path(tempfile.mkdtemp(prefix="lagebild-demo-"))
    broker = EmbeddedBroker(log_file=workdir / "broker.log")
    services: list[ServiceProcess] = []
    try:
        bootstrap = broker.start()
        print(f"embedded broker (Tansu, in memory) on {bootstrap}")
        kafka = settings.kafka.model_copy(update={"bootstrap_servers": bootstrap})
        asyncio.run(ensure_topics(kafka, settings.topics))
        for name, module, prefix in (
            ("extractor", "extractor", "LAGEBILD_EXTRACTOR_"),
            ("aggregator", "aggregator", "LAGEBILD_AGGREGATOR_"),
        ):
            port = free_port()
            env = service_env(prefix, bootstrap, port, workdir / name)
            services.append(ServiceProcess(module, env, port, workdir / f"{name}.log"))
        for service in services:
            service.start()
        for service in services:
            seconds = service.wait_ready(timeout=90)
            print(f"{service.module} ready in {seconds:.1f} s  ({service.base_url})")
        articles = sample_articles()
        for path in extra_files:
            articles.extend(read_articles(path))
        aggregator = services[1]
        extractor_url = services[0].base_url
        print(f"metrics:   {aggregator.base_url}/metrics   (extractor: {extractor_url}/metrics)")
        print(f"counters:  {aggregator.base_url}/counters")
        print(f"incidents: {aggregator.base_url}/incidents")
        print(f"logs:      {workdir}")
        print(f"publishing {len(articles)} article(s), one every {interval:g} s; Ctrl-C stops.\n")
        started = time.monotonic()
        last = ""
        next_publish = time.monotonic()
        while not stop and (duration is None or time.monotonic() - started < duration):
            if articles and time.monotonic() >= next_publish:
                article = articles.pop(0)
                asyncio.run(publish_articles(kafka, settings.topics.articles, [article]))
                print(time.strftime("%H:%M:%S"), f"published {article.id} [{article.language}]")
                next_publish = time.monotonic() + interval
            if not all(service.alive() for service in services):
                print("a worker died; see the logs in", workdir, file=sys.stderr)
                return 1
            try:
                line = _format(http_json(aggregator.base_url + "/counters")["counters"])
            except (urllib.error.URLError, OSError, KeyError):
                line = last
            if line != last:
                print(time.strftime("%H:%M:%S"), line, flush=True)
                last = line
            time.sleep(0.2)
        return 0
    finally:
        print("\nstopping workers and broker ...", flush=True)
        for service in reversed(services):
            service.stop(grace=10)
        broker.stop()
        # The in-memory broker is gone, so the workers' table files are too: keep only logs.
        for name in ("extractor", "aggregator"):
            shutil.rmtree(workdir / name, ignore_errors=True)
        print("stopped.")
