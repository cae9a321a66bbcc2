"""``POST /articles``: one article (JSON object) or a batch (JSON array), all or nothing.

Checks in order, cheapest first: rate limit per client address (429, ``Retry-After``), bearer
token (401, compared in constant time), body size (413), JSON and the same validation as the
extractor (400, with the reason code of each rejected article), then publish to the articles
topic with the article id as key (503 if Kafka does not acknowledge in time). Success is 202
with the accepted ids. Articles are re-serialised canonically, so the extractor sees UTF-8.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import orjson
from aiohttp import web

from ingest_api.ratelimit import RateLimiter
from ingest_api.settings import IngestSettings
from lagebild.ingest import InvalidArticle, TimeWindow, article_bytes, article_from_mapping
from lagebild.kafka.topics import BrokerUnavailable
from lagebild.models import Article
from lagebild.sanitize import DecodeError, charset_of, decode_payload

log = logging.getLogger("lagebild.ingest_api")


class Publisher(Protocol):
    async def publish(self, articles: list[Article]) -> None: ...

    async def close(self) -> None: ...


class KafkaPublisher:
    """Publishes through one long-lived aiokafka producer (see lagebild.kafka.clients)."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self._producer: Any = None
        self._lock = asyncio.Lock()

    async def _started(self) -> Any:
        from lagebild.kafka.clients import start_producer

        async with self._lock:  # started lazily: the API answers even while Kafka is down
            if self._producer is None:
                self._producer = await start_producer(self.settings.kafka)
            return self._producer

    async def publish(self, articles: list[Article]) -> None:
        from lagebild.kafka.clients import send_with_retry

        producer = await self._started()
        await asyncio.gather(
            *(
                send_with_retry(
                    producer,
                    self.settings.topics.articles,
                    article_bytes(article),
                    article.id.encode(),
                    give_up_after=self.settings.publish_timeout_s,
                )
                for article in articles
            )
        )

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()


def _json(status: int, payload: dict[str, Any], retry_after: float | None = None) -> web.Response:
    response = web.Response(
        status=status, body=orjson.dumps(payload), content_type="application/json"
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
    return response


def _error(
    status: int, message: str, retry_after: float | None = None, **extra: Any
) -> web.Response:
    return _json(status, {"error": message, **extra}, retry_after)


def _authorized(request: web.Request, token: bytes) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    # compare_digest on bytes: the time taken does not reveal how much of the token matched.
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token)


def _validate(
    items: list[Any], settings: IngestSettings, now: dt.datetime
) -> tuple[list[Article], list[dict[str, Any]]]:
    """The valid articles and, per rejected item, its index, reason code and detail."""
    articles: list[Article] = []
    errors: list[dict[str, Any]] = []
    window = TimeWindow()
    for index, item in enumerate(items):
        try:
            article = article_from_mapping(item)
            window.check(article.published_at, now)
            if len(article_bytes(article)) > settings.max_article_bytes:
                raise InvalidArticle("too_large", f"article over {settings.max_article_bytes} B")
            articles.append(article)
        except InvalidArticle as exc:
            errors.append({"index": index, "reason": exc.reason, "detail": exc.detail[:500]})
    return articles, errors


def make_app(
    settings: IngestSettings,
    publisher: Publisher | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes)
    token = settings.token.get_secret_value().encode()
    limiter = RateLimiter(settings.rate_per_s, settings.burst, clock)
    sink: Publisher = publisher or KafkaPublisher(settings)

    async def post_articles(request: web.Request) -> web.Response:
        client = request.remote or "unknown"
        if (wait := limiter.acquire(client)) > 0:
            return _error(429, "rate limit exceeded", retry_after=wait)
        if not _authorized(request, token):
            response = _error(401, "missing or wrong bearer token")
            response.headers["WWW-Authenticate"] = 'Bearer realm="lagebild"'
            return response
        if (request.content_length or 0) > settings.max_body_bytes:
            return _error(413, f"body over {settings.max_body_bytes} bytes")
        try:
            raw = await request.read()  # aiohttp enforces client_max_size while reading
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"body over {settings.max_body_bytes} bytes")
        try:
            data = orjson.loads(
                decode_payload(raw, charset_of(request.headers.get("Content-Type")))
            )
        except (DecodeError, orjson.JSONDecodeError) as exc:
            return _error(
                400, "body is not JSON (UTF-8 or declared charset)", detail=str(exc)[:300]
            )
        items = data if isinstance(data, list) else [data]
        if not items or len(items) > settings.max_batch:
            return _error(400, f"a batch holds 1 to {settings.max_batch} articles")
        articles, rejected = _validate(items, settings, now())
        if rejected:  # all or nothing: a client can fix and resend the whole batch
            return _error(400, "invalid articles", rejected=rejected)
        try:
            await sink.publish(articles)
        except (BrokerUnavailable, TimeoutError) as exc:
            log.error("publishing %d article(s) failed: %s", len(articles), exc)
            return _error(503, "Kafka is unavailable; retry later", retry_after=5.0)
        return _json(202, {"accepted": [article.id for article in articles]})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        yield
        await sink.close()

    app.router.add_post("/articles", post_articles)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(lifecycle)
    return app
