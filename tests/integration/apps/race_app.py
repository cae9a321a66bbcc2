"""A minimal faust worker for the recovery-race test: events → changelog table of seen ids.

Built by the project's ``make_app`` factory, so it gets exactly the knobs (and the recovery
fix) the services get. Settings come from ``LAGEBILD_RACE_*`` like a service's, e.g.
``LAGEBILD_RACE_WORKER__RECOVERY_FIX=false``.
Run it with ``python -m tests.integration.apps.race_app`` from the repository root.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from faust.web import Request, Response, View
from prometheus_client import CollectorRegistry
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.faust_app import WorkerSettings, add_standard_pages, make_app, run_worker


class RaceAppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGEBILD_RACE_", env_nested_delimiter="__")

    app_id: str = "lagebild-race"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)


settings = RaceAppSettings()
app = make_app(settings.app_id, settings.kafka, settings.worker)

events_topic = app.topic(
    settings.topics.events,
    key_type=bytes,
    value_type=bytes,
    key_serializer="raw",
    value_serializer="raw",
    partitions=settings.topics.events_partitions,
)
# event id → b"1". key_type/value_type must be given to the Table itself: faust derives the
# changelog serializers from them (bytes → raw), not from a ``schema=``; with json there,
# recovery cannot decode the raw keys it wrote.
seen = app.Table(
    "seen", partitions=settings.topics.events_partitions, key_type=bytes, value_type=bytes
)
processed: Counter[int] = Counter()  # messages handled by this process, per partition


@app.agent(events_topic)
async def record(stream: Any) -> None:
    async for event in stream.events():
        message = event.message
        processed[message.partition] += 1
        # Per-event I/O, as real agents have: the fetcher outpaces the agent and the stream
        # queue fills up, which is what the recovery race throws away.
        await asyncio.sleep(0.001)
        if message.key not in seen:
            seen[message.key] = b"1"


@app.page("/race")
class RaceView(View):
    async def get(self, request: Request) -> Response:
        return self.json({"seen": len(seen), "processed": dict(processed)})


add_standard_pages(app, CollectorRegistry())  # /healthz: 503 until table recovery is done


if __name__ == "__main__":
    run_worker(app, settings.worker.loglevel)
