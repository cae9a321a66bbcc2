"""The baseline: the simplest consume → extract → produce loop on plain aiokafka, no faust.

    python -m bench.plain_loop --bootstrap 127.0.0.1:9092 --articles articles --events events

The same work per message as the faust extractor (``parse_article`` with the same size limit
and clock check, ``extract_within_budget`` with the default budget, events serialised exactly
as the extractor does, key = incident key) and the same producer settings
(acks=all, no idempotence); what it leaves out is everything faust adds: the stream, the agent,
the tables, the per-event ``await``, the web server, the metrics, dead letters and revision
tracking. It writes ``ready`` to ``--ready-file`` once it owns partitions and runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from lagebild.extraction.budget import Budget, extract_within_budget
from lagebild.ingest import DEFAULT_MAX_BYTES, InvalidArticle, parse_article


async def run(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    servers = args.bootstrap.split(",")
    consumer = AIOKafkaConsumer(
        args.articles,
        bootstrap_servers=servers,
        group_id=args.group,
        auto_offset_reset="earliest",
        enable_auto_commit=True,
        fetch_max_wait_ms=100,
        session_timeout_ms=4_000,
        heartbeat_interval_ms=1_000,
    )
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", enable_idempotence=False)
    budget = Budget()
    await producer.start()
    await consumer.start()
    ready = False
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            if not ready and consumer.assignment():
                Path(args.ready_file).write_text("ready")  # noqa: ASYNC240 - once, tiny
                ready = True
            pending = []
            for messages in batches.values():
                for message in messages:
                    try:
                        article = parse_article(
                            message.value, DEFAULT_MAX_BYTES, now=dt.datetime.now(dt.UTC)
                        )
                        result = extract_within_budget(article, budget)
                    except InvalidArticle:
                        continue
                    for item in result.events:
                        pending.append(
                            await producer.send(
                                args.events,
                                item.model_dump_json().encode(),
                                key=item.incident_key.encode(),
                            )
                        )
            if pending:
                await asyncio.gather(*pending)
    finally:
        await consumer.stop()
        await producer.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--articles", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--group", default="bench-plain-loop")
    parser.add_argument("--ready-file", required=True)
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
