"""Extractor settings: environment variables with the prefix ``LAGEBILD_EXTRACTOR_``.

Nested fields use ``__``, e.g. ``LAGEBILD_EXTRACTOR_KAFKA__BOOTSTRAP_SERVERS=kafka:9092``.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lagebild.extraction.budget import Budget
from lagebild.ingest import DEFAULT_MAX_BYTES
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.faust_app import WorkerSettings


class ExtractorWorkerSettings(WorkerSettings):
    """The extractor's defaults as field defaults (a parent ``default_factory`` would be
    bypassed as soon as one ``LAGEBILD_EXTRACTOR_WORKER__*`` variable is set).

    ``memory://`` (default): the article revision memory is an in-process LRU of
    ``REVISION_MEMORY`` ids. ``sqlite://``: it is a faust table in SQLite files under the data
    directory (flat RAM, kept across restarts). It survives a restart of the embedded broker
    (every topic gone; tests/integration/test_outage.py runs both stores): the stall seen there
    was a changelog the broker had broken, see :mod:`lagebild.kafka.missing_topic_fix`.
    """

    web_port: int = Field(default=6066, ge=0, le=65535)
    store: str = Field(default="memory://", pattern=r"^[a-z][a-z0-9+.-]*://")
    producer_request_timeout_s: float = Field(
        default=1200.0,
        gt=0,
        description="How long the producer retries a send before it reports it failed (faust's "
        "default); the extractor then sends it again (lagebild.kafka.delivery).",
    )


class ExtractorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGEBILD_EXTRACTOR_", env_nested_delimiter="__")

    app_id: str = "lagebild-extractor"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    worker: ExtractorWorkerSettings = Field(default_factory=ExtractorWorkerSettings)
    max_article_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1)
    # Per-article extraction limits (see lagebild.extraction.budget), e.g. BUDGET__DEADLINE_S.
    budget: Budget = Field(default_factory=Budget)
    send_retry_max_backoff_s: float = Field(
        default=10.0, gt=0, description="Longest pause before a failed event send is retried."
    )
    revision_memory: int = Field(
        default=100_000,
        ge=1,
        description="Article ids remembered by the in-process LRU (only with store memory://).",
    )
