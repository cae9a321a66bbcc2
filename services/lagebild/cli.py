"""The ``lagebild`` command-line program.

Commands that talk to Kafka read ``LAGEBILD_KAFKA__*`` settings (see :mod:`cli_settings`);
``demo`` and ``broker`` start the embedded broker instead.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import orjson

from lagebild.cli_settings import CliSettings
from lagebild.ingest import InvalidArticle, read_articles
from lagebild.kafka.topics import BrokerUnavailable, ensure_topics
from lagebild.models import Article


def _paths(values: Sequence[str]) -> list[Path | None]:
    return [None if value == "-" else Path(value) for value in values] or [None]


def cmd_publish(args: argparse.Namespace, settings: CliSettings) -> int:
    from tqdm import tqdm

    from lagebild.kafka.clients import publish_articles

    published_at = dt.datetime.fromisoformat(args.published_at) if args.published_at else None
    articles: list[Article] = []
    for path in _paths(args.files):
        articles.extend(read_articles(path, published_at, args.language))
    with tqdm(
        total=len(articles), unit="article", disable=len(articles) < 2, file=sys.stderr
    ) as bar:
        sent = asyncio.run(
            publish_articles(
                settings.kafka, settings.topics.articles, articles, on_sent=lambda _: bar.update()
            )
        )
    print(f"published {sent} article(s) to {settings.topics.articles}", file=sys.stderr)
    return 0


def cmd_events(args: argparse.Namespace, settings: CliSettings) -> int:
    from lagebild.kafka.clients import follow

    async def run() -> int:
        count = 0
        topic = args.topic or settings.topics.events
        async for _key, value, _headers in follow(
            settings.kafka, topic, args.from_beginning, args.idle_timeout
        ):
            sys.stdout.write((value or b"null").decode(errors="replace") + "\n")
            sys.stdout.flush()
            count += 1
            if args.max and count >= args.max:
                break
        return 0

    return asyncio.run(run())


def cmd_dlq(args: argparse.Namespace, settings: CliSettings) -> int:
    """``dlq`` / ``dlq list``: one JSON line per dead letter; ``dlq replay``: re-publish."""
    from lagebild.kafka.replay import DeadLetter, read_dead_letters, replay_dead_letters

    reason, stage = getattr(args, "reason", None), getattr(args, "stage", None)

    def show(letter: DeadLetter, target: str | None = None) -> None:
        record = {
            "partition": letter.partition,
            "offset": letter.offset,
            "key": letter.key.decode(errors="replace") if letter.key else None,
            "errors": letter.errors,
            "value": (letter.value or b"")[:200].decode(errors="replace"),
        }
        if target:
            record["replay_to"] = target
        sys.stdout.write(orjson.dumps(record).decode() + "\n")

    async def run_list() -> int:
        async for letter in read_dead_letters(
            settings.kafka, settings.topics.dlq, args.idle_timeout
        ):
            if letter.matches(reason, stage):
                show(letter)
        return 0

    if getattr(args, "dlq_command", None) != "replay":
        return asyncio.run(run_list())
    count = asyncio.run(
        replay_dead_letters(
            settings.kafka,
            settings.topics.dlq,
            settings.topics.articles,
            reason=reason,
            stage=stage,
            dry_run=args.dry_run,
            idle_timeout=args.idle_timeout,
            on_replayed=show if args.dry_run else None,
        )
    )
    verb = "would replay" if args.dry_run else "replayed"
    print(f"{verb} {count} dead letter(s)", file=sys.stderr)
    return 0


def cmd_topics(args: argparse.Namespace, settings: CliSettings) -> int:
    result = asyncio.run(ensure_topics(settings.kafka, settings.topics))
    for name, state in result.items():
        print(f"{name}: {state}")
    return 0


def cmd_extract(args: argparse.Namespace, settings: CliSettings) -> int:
    from lagebild.extraction import extract_with_info

    published_at = dt.datetime.fromisoformat(args.published_at) if args.published_at else None
    for path in _paths(args.files):
        for article in read_articles(path, published_at, args.language):
            result = extract_with_info(article)
            if not result.supported:
                language = result.language or "unknown"
                note = f"{article.id}: unsupported language ({language}), no events"
                print(note, file=sys.stderr)
            for event in result.events:
                sys.stdout.write(orjson.dumps(event.model_dump(mode="json")).decode() + "\n")
    return 0


def cmd_eval(args: argparse.Namespace, settings: CliSettings) -> int:
    from lagebild.evaluation import evaluate, load_corpus, render_failures, render_markdown

    report = evaluate(load_corpus(Path(args.corpus)))
    if args.json:
        sys.stdout.write(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
        return 0
    print(render_markdown(report))
    if args.failures:
        print()
        print(render_failures(report))
    return 0


def cmd_schemas(args: argparse.Namespace, settings: CliSettings) -> int:
    from lagebild.schema_files import stale_schema_files, write_schema_files

    if args.check:
        stale = stale_schema_files(Path(args.directory))
        for name in stale:
            print(f"stale or missing: {name}", file=sys.stderr)
        return 1 if stale else 0
    for path in write_schema_files(Path(args.directory)):
        print(path)
    return 0


def cmd_broker(args: argparse.Namespace, settings: CliSettings) -> int:
    from lagebild.broker import EmbeddedBroker
    from lagebild.runtime import wait_for_signal

    broker = EmbeddedBroker(port=args.port)
    broker.start()
    try:
        kafka = settings.kafka.model_copy(update={"bootstrap_servers": broker.bootstrap_servers})
        asyncio.run(ensure_topics(kafka, settings.topics))
        print(f"embedded broker (Tansu, in memory) on {broker.bootstrap_servers}", flush=True)
        print(f"export LAGEBILD_KAFKA__BOOTSTRAP_SERVERS={broker.bootstrap_servers}", flush=True)
        wait_for_signal()
    finally:
        broker.stop()
    return 0


def cmd_replay(args: argparse.Namespace, settings: CliSettings) -> int:
    from lagebild.replay import run_replay

    if args.batch or args.from_events:
        from dataclasses import asdict

        from lagebild.batch_replay import batch_replay

        if args.from_events:
            from lagebild.event_replay import events_replay

            rebuilt = events_replay(settings.kafka, settings.topics.events)
        else:
            rebuilt = batch_replay(settings.kafka, settings.topics.articles, workers=args.workers)
        print(orjson.dumps(asdict(rebuilt)).decode())
        return 0
    started = time.monotonic()
    counters = run_replay(settings, timeout_s=args.timeout, keep=args.keep)
    print(
        orjson.dumps(
            {"counters": counters, "seconds": round(time.monotonic() - started, 1)}
        ).decode()
    )
    return 0


def cmd_demo(args: argparse.Namespace, settings: CliSettings) -> int:
    from lagebild.demo import run_demo

    return run_demo(
        settings,
        duration=args.duration,
        extra_files=[Path(f) for f in args.files],
        interval=args.interval,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lagebild", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("publish", help="publish articles (.txt, .json, JSON lines, or - for stdin)")
    p.add_argument("files", nargs="*", help="files; '-' or nothing reads stdin")
    p.add_argument("--published-at", help="ISO timestamp for plain-text articles")
    p.add_argument("--language", help="ISO 639-1 code for plain-text articles")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("events", help="print enriched events as JSON lines as they arrive")
    p.add_argument("--from-beginning", action="store_true")
    p.add_argument("--max", type=int, default=0, help="stop after N events")
    p.add_argument("--idle-timeout", type=float, default=None, help="stop after S silent seconds")
    p.add_argument("--topic", help="another topic than the events topic")
    p.set_defaults(func=cmd_events)

    p = sub.add_parser("dlq", help="list (default) or replay dead letters")
    p.add_argument("--idle-timeout", type=float, default=2.0)
    p.set_defaults(func=cmd_dlq)
    dlq_sub = p.add_subparsers(dest="dlq_command")
    for name, text in (("list", "list dead letters"), ("replay", "re-publish to their topic")):
        q = dlq_sub.add_parser(name, help=text)
        q.add_argument("--reason", help="only this reason code, e.g. not_utf8")
        q.add_argument("--stage", help="only this stage: validate, extract, aggregate")
        q.add_argument("--idle-timeout", type=float, default=2.0, help="stop after S silent s")
        if name == "replay":
            q.add_argument("--dry-run", action="store_true", help="show what would be replayed")

    p = sub.add_parser("topics", help="create the topics (idempotent)")
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("extract", help="offline: articles in, events out as JSON lines")
    p.add_argument("files", nargs="*")
    p.add_argument("--published-at")
    p.add_argument("--language")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("eval", help="extraction quality (P/R/F1, field accuracy) on a corpus")
    p.add_argument("--corpus", default="tests/corpus", help="directory of *.jsonl cases")
    p.add_argument("--json", action="store_true", help="the full report as JSON")
    p.add_argument("--failures", action="store_true", help="also list every case's errors")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("schemas", help="write (or --check) the JSON Schema files")
    p.add_argument("--directory", default="schemas")
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_schemas)

    p = sub.add_parser("broker", help="run the embedded broker in the foreground")
    p.add_argument("--port", type=int, default=None, help="default: a free port")
    p.set_defaults(func=cmd_broker)

    p = sub.add_parser("replay", help="rebuild all incidents and counters from the articles topic")
    p.add_argument("--timeout", type=float, default=3600.0, help="give up after S seconds")
    p.add_argument("--keep", action="store_true", help="keep serving the rebuilt counters")
    p.add_argument(
        "--batch",
        action="store_true",
        help="no workers: extract in a process pool and fold in memory, print the counters",
    )
    p.add_argument("--workers", type=int, default=None, help="--batch pool size (default: cores)")
    p.add_argument(
        "--from-events",
        action="store_true",
        help="no extraction: fold the events topic again in memory (implies --batch)",
    )
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("demo", help="embedded broker + workers + sample articles + live counters")
    p.add_argument("files", nargs="*", help="more articles to publish after the samples")
    p.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between articles")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args, CliSettings()))
    except InvalidArticle as exc:
        print(f"lagebild: invalid article: {exc}", file=sys.stderr)
        return 2
    except BrokerUnavailable as exc:
        print(f"lagebild: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
