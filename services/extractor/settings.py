"""Extractor settings: environment variables with the prefix ``LAGEBILD_EXTRACTOR_``.

Nested fields use ``__``, e.g. ``LAGEBILD_EXTRACTOR_KAFKA__BOOTSTRAP_SERVERS=kafka:9092``.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lagebild.extraction.budget import Budget
from lagebild.ingest import DEFAULT_MAX_BYTES
from lagebild.kafka.config import KafkaSettings, TopicSettings
from lagebild.kafka.faust_app import WorkerSettings


class ExtractorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGEBILD_EXTRACTOR_", env_nested_delimiter="__")

    app_id: str = "lagebild-extractor"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    worker: WorkerSettings = Field(default_factory=lambda: WorkerSettings(web_port=6066))
    max_article_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1)
    # Per-article extraction limits (see lagebild.extraction.budget), e.g. BUDGET__DEADLINE_S.
    budget: Budget = Field(default_factory=Budget)
    revision_memory: int = Field(default=100_000, ge=1, description="Article ids remembered.")
