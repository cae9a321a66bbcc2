"""Aggregator settings: environment variables with the prefix ``LAGEBILD_AGGREGATOR_``.

Nested fields use ``__``, e.g. ``LAGEBILD_AGGREGATOR_WORKER__WEB_PORT=6067``.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.faust_app import WorkerSettings


class AggregatorWorkerSettings(WorkerSettings):
    """The aggregator's own defaults, as field defaults: a ``default_factory`` on the parent
    field would be bypassed as soon as one ``LAGEBILD_AGGREGATOR_WORKER__*`` variable is set.

    The incidents table lives in SQLite files under the data directory (``sqlite://``): RAM
    stays bounded however many incidents accumulate, and a restart reads only the changelog
    written after the offset stored with the data.
    """

    web_port: int = Field(default=6067, ge=0, le=65535)
    store: str = Field(default="sqlite://", pattern=r"^[a-z][a-z0-9+.-]*://")


class AggregatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGEBILD_AGGREGATOR_", env_nested_delimiter="__")

    app_id: str = "lagebild-aggregator"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    worker: AggregatorWorkerSettings = Field(default_factory=AggregatorWorkerSettings)
    decoded_cache: int = Field(
        default=256,
        ge=0,
        description="Decoded incident and index records kept in RAM (the table itself is on disk).",
    )
