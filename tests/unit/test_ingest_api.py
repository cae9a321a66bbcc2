"""``POST /articles``: every error path, and a real publish through the embedded broker."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import ClientSession, web

from ingest_api.app import make_app
from ingest_api.ratelimit import RateLimiter
from ingest_api.settings import IngestSettings
from lagebild.broker import EmbeddedBroker
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.topics import BrokerUnavailable, ensure_topics
from lagebild.models import Article

NOW = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
ARTICLE = {"id": "a-1", "text": "Russland griff an.", "published_at": "2025-04-30T06:00:00Z"}


class MemoryPublisher:
    def __init__(self) -> None:
        self.published: list[Article] = []
        self.fail = False

    async def publish(self, articles: list[Article]) -> None:
        if self.fail:
            raise BrokerUnavailable("test: broker down")
        self.published.extend(articles)

    async def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def settings(**overrides: Any) -> IngestSettings:
    values: dict[str, Any] = {"token": secrets.token_urlsafe(24), "rate_per_s": 1.0, "burst": 3}
    return IngestSettings(**(values | overrides))


async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def call(
    base: str, token: str | None, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with (
        ClientSession() as session,
        session.post(base + "/articles", data=body, headers=sent) as response,
    ):
        return response.status, orjson.loads(await response.read()), dict(response.headers)


def run_against(
    config: IngestSettings, publisher: Any, steps: Any, clock: Clock | None = None
) -> Any:
    async def main() -> Any:
        app = make_app(config, publisher, clock=clock or Clock(), now=lambda: NOW)
        async for base in serve(app):
            return await steps(base)

    return asyncio.run(main())


def test_single_and_batch_are_accepted() -> None:
    config, publisher = settings(burst=10), MemoryPublisher()
    token = config.token.get_secret_value()

    async def steps(base: str) -> None:
        status, body, _ = await call(base, token, orjson.dumps(ARTICLE))
        assert (status, body) == (202, {"accepted": ["a-1"]})
        batch = [{**ARTICLE, "id": f"b-{i}", "text": f"<p>Text {i}</p>"} for i in range(3)]
        status, body, _ = await call(base, token, orjson.dumps(batch))
        assert (status, body) == (202, {"accepted": ["b-0", "b-1", "b-2"]})
        latin1 = orjson.dumps({**ARTICLE, "text": "Präsident"}).decode().encode("latin-1")
        headers = {"Content-Type": "application/json; charset=ISO-8859-1"}
        assert (await call(base, token, latin1, headers))[0] == 202

    run_against(config, publisher, steps)
    assert [a.id for a in publisher.published] == ["a-1", "b-0", "b-1", "b-2", "a-1"]
    assert publisher.published[1].text == "Text 0"  # markup stripped, not rejected
    assert publisher.published[-1].text == "Präsident"


@pytest.mark.parametrize(
    "presented", [None, "", "wrong-token-of-some-length", "Basic dXNlcjpwYXNz", "PREFIX"]
)
def test_wrong_or_missing_token_is_401(presented: str | None) -> None:
    config, publisher = settings(), MemoryPublisher()
    if presented == "PREFIX":  # a correct prefix is still wrong
        presented = config.token.get_secret_value()[:-1]

    async def steps(base: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        return await call(base, presented, orjson.dumps(ARTICLE))

    status, body, headers = run_against(config, publisher, steps)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert config.token.get_secret_value() not in orjson.dumps(body).decode()
    assert publisher.published == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", None),
        (b"\xff\xfe\x00", None),
        (b"[]", None),
        (orjson.dumps({"id": "x"}), "missing_field"),
        (orjson.dumps({**ARTICLE, "text": 7}), "invalid_field"),
        (orjson.dumps({**ARTICLE, "text": "<br/>"}), "empty_text"),
        (orjson.dumps({**ARTICLE, "published_at": "2031-01-01T00:00:00Z"}), "bad_timestamp"),
        (orjson.dumps([ARTICLE, 5]), "not_an_object"),
    ],
)
def test_invalid_body_is_400_with_reasons(body: bytes, reason: str | None) -> None:
    config, publisher = settings(), MemoryPublisher()

    async def steps(base: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        return await call(base, config.token.get_secret_value(), body)

    status, answer, _ = run_against(config, publisher, steps)
    assert status == 400
    assert answer["error"]
    if reason:
        assert reason in {item["reason"] for item in answer["rejected"]}
    assert publisher.published == []  # all or nothing


def test_too_large_is_413() -> None:
    config = settings(max_body_bytes=2_000, max_article_bytes=500, max_batch=2)
    token = config.token.get_secret_value()

    async def steps(base: str) -> list[int]:
        whole = orjson.dumps({**ARTICLE, "text": "x" * 5_000})
        one = orjson.dumps({**ARTICLE, "text": "x" * 1_000})
        many = orjson.dumps([ARTICLE] * 3)
        return [
            (await call(base, token, whole))[0],
            (await call(base, token, one))[0],
            (await call(base, token, many))[0],
        ]

    statuses = run_against(config, MemoryPublisher(), steps)
    assert statuses[0] == 413  # body over max_body_bytes
    assert statuses[1] == 400  # one article over max_article_bytes: rejected as too_large
    assert statuses[2] == 400  # batch over max_batch


def test_rate_limit_is_429_with_retry_after() -> None:
    config, publisher, clock = settings(rate_per_s=1.0, burst=2), MemoryPublisher(), Clock()
    token = config.token.get_secret_value()

    async def steps(base: str) -> list[tuple[int, str | None]]:
        results = []
        for advance in (0.0, 0.0, 0.0, 1.0):
            clock.now += advance
            status, _, headers = await call(base, token, orjson.dumps(ARTICLE))
            results.append((status, headers.get("Retry-After")))
        return results

    results = run_against(config, publisher, steps, clock)
    assert [status for status, _ in results] == [202, 202, 429, 202]
    assert results[2][1] == "1"


def test_unauthenticated_floods_are_rate_limited_too() -> None:
    limiter = RateLimiter(rate=1.0, burst=1, clock=Clock(), max_clients=3)
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0.0
    for client in "bcde":
        limiter.acquire(client)
    assert len(limiter._buckets) == 3  # bounded table


def test_broker_down_is_503() -> None:
    config, publisher = settings(), MemoryPublisher()
    publisher.fail = True

    async def steps(base: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        return await call(base, config.token.get_secret_value(), orjson.dumps(ARTICLE))

    status, _body, headers = run_against(config, publisher, steps)
    assert status == 503
    assert "Retry-After" in headers


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as running:
        asyncio.run(
            ensure_topics(
                KafkaSettings(bootstrap_servers=running.bootstrap_servers), TopicSettings()
            )
        )
        yield running


def test_publishes_to_the_real_articles_topic(broker: EmbeddedBroker) -> None:
    from lagebild.kafka.clients import follow

    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    config = settings(kafka=kafka)
    token = config.token.get_secret_value()
    batch = [{**ARTICLE, "id": f"k-{i}"} for i in range(5)]

    async def main() -> list[bytes | None]:
        app = make_app(config, now=lambda: NOW)  # the real KafkaPublisher
        async for base in serve(app):
            status, body, _ = await call(base, token, orjson.dumps(batch))
            assert (status, body["accepted"]) == (202, [f"k-{i}" for i in range(5)])
        keys = []
        async for key, _value, _headers in follow(kafka, "articles", True, idle_timeout=2.0):
            keys.append(key)
        return keys

    keys = asyncio.run(main())
    assert sorted(keys) == [f"k-{i}".encode() for i in range(5)]  # type: ignore[type-var]


def test_service_process_stops_on_sigterm_and_never_logs_the_token(tmp_path: Path) -> None:
    from lagebild.broker import free_port

    port, token = free_port(), secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "LAGEBILD_INGEST_TOKEN": token,
        "LAGEBILD_INGEST_PORT": str(port),
        "LAGEBILD_INGEST_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
    }
    log = tmp_path / "ingest.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ingest_api"], env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        assert time.monotonic() - started < 10
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert token not in log.read_text()
