"""Aggregator settings: environment variables with the prefix ``LAGEBILD_AGGREGATOR_``.

Nested fields use ``__``, e.g. ``LAGEBILD_AGGREGATOR_WORKER__WEB_PORT=6067``.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.faust_app import WorkerSettings


class AggregatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGEBILD_AGGREGATOR_", env_nested_delimiter="__")

    app_id: str = "lagebild-aggregator"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    worker: WorkerSettings = Field(default_factory=lambda: WorkerSettings(web_port=6067))
