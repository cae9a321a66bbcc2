"""The extractor faust app: a thin shell over :mod:`lagebild.ingest` and the extraction library."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import Any

from extractor.metrics import ExtractorMetrics
from extractor.revisions import RevisionTracker, TableRevisions
from extractor.settings import ExtractorSettings
from lagebild.extraction.budget import ExtractionTimeout, extract_within_budget
from lagebild.ingest import InvalidArticle, parse_article
from lagebild.kafka.delivery import DeliveryGuard
from lagebild.kafka.direct_send import DirectSender
from lagebild.kafka.dlq import headers_for
from lagebild.kafka.faust_app import add_standard_pages, make_app
from lagebild.kafka.lag import register_consumer_lag
from lagebild.sanitize import charset_from_headers

log = logging.getLogger("lagebild.extractor")

settings = ExtractorSettings()
metrics = ExtractorMetrics()
# A 5 ms linger batches the event sends of consecutive articles into one produce request
# (faust's default, 0, sent one request per message: measured in `make bench`).
app = make_app(
    settings.app_id,
    settings.kafka,
    settings.worker,
    producer_linger=0.005,
    producer_request_timeout=settings.worker.producer_request_timeout_s,
)

articles_topic = app.topic(
    settings.topics.articles,
    key_type=bytes,
    value_type=bytes,
    key_serializer="raw",
    value_serializer="raw",
    partitions=settings.topics.articles_partitions,
)
events_topic = app.topic(
    settings.topics.events, key_serializer="raw", value_serializer="raw", internal=False
)
dlq_topic = app.topic(settings.topics.dlq, key_serializer="raw", value_serializer="raw")


async def undeliverable(message: Any, error: BaseException) -> None:
    """An event of this article can never be delivered: the article goes to the DLQ."""
    headers = headers_for(message, stage="send", reason="event_undeliverable", error=error)
    await dead_letters.send(message.key, message.value, source=message, headers=headers)
    metrics.dead_letters.labels("send", "event_undeliverable").inc()


# An article's offset is committed only once its events (or its dead letter) are delivered;
# failed sends are retried (see lagebild.kafka.delivery). Not faust's Topic.send: see
# lagebild.kafka.direct_send.
delivery = DeliveryGuard(
    app,
    dead_letter=undeliverable,
    on_failure=metrics.send_failures.inc,
    max_backoff_s=settings.send_retry_max_backoff_s,
)
events = DirectSender(events_topic, delivery)
dead_letters = DirectSender(dlq_topic, delivery)
revisions: RevisionTracker | TableRevisions
if settings.worker.store.startswith("memory:"):
    revisions = RevisionTracker(settings.revision_memory)
else:
    # Article id → text hash on the persistent store, co-partitioned with the articles topic
    # (key = article id): the worker that owns an article's partition owns its hashes.
    revisions = TableRevisions(
        app.Table(
            "revisions",
            partitions=settings.topics.articles_partitions,
            key_type=bytes,
            value_type=bytes,
        )
    )


async def dead_letter(message: Any, stage: str, error: InvalidArticle) -> None:
    headers = headers_for(
        message,
        stage=stage,
        reason=error.reason,
        error=error.__cause__ or error,
        detail=error.detail,
    )
    await dead_letters.send(message.key, message.value, source=message, headers=headers)
    metrics.dead_letters.labels(stage, error.reason).inc()
    metrics.articles.labels("dead_lettered").inc()
    log.warning("dead letter %s@%s/%s: %s", message.topic, message.partition, message.offset, error)


@app.agent(articles_topic)
async def extract_articles(stream: Any) -> None:
    async for event in stream.events():
        await asyncio.sleep(0)  # let the web server and timers run (see aggregator.app)
        message = event.message
        try:
            article = parse_article(
                message.value,
                settings.max_article_bytes,
                charset=charset_from_headers(message.headers),
                now=dt.datetime.now(dt.UTC),
            )
        except InvalidArticle as error:
            await dead_letter(message, "validate", error)
            continue
        started = time.perf_counter()
        try:
            result = extract_within_budget(article, settings.budget)
        except ExtractionTimeout as exc:
            log.warning("extraction of article %s ran out of time", article.id)
            timeout = InvalidArticle("extraction_timeout", str(exc))
            timeout.__cause__ = exc
            await dead_letter(message, "extract", timeout)
            continue
        except Exception as exc:  # a bug in one rule must not stop the partition
            log.exception("extraction failed for article %s", article.id)
            failure = InvalidArticle("extraction_failed", f"{type(exc).__name__}: {exc}")
            failure.__cause__ = exc
            await dead_letter(message, "extract", failure)
            continue
        metrics.extraction_seconds.observe(time.perf_counter() - started)
        if result.truncated:
            metrics.truncated.inc()
        for item in result.events:
            await events.send(
                item.incident_key.encode(), item.model_dump_json().encode(), source=message
            )
            metrics.events.labels(item.type).inc()
        if not result.supported:  # not German or English: passed through, counted
            metrics.articles.labels("unsupported_language").inc()
            log.info("article %s: unsupported language %s", article.id, result.language)
            continue
        revised = revisions.observe(article.id, article.text)
        metrics.articles.labels("revised" if revised else "processed").inc()


add_standard_pages(app, metrics.registry)
register_consumer_lag(app, metrics.registry)
