"""Ingest API settings: environment variables with the prefix ``LAGEBILD_INGEST_``.

``LAGEBILD_INGEST_TOKEN`` is required; there is deliberately no default token.
"""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from lagebild.ingest import DEFAULT_MAX_BYTES
from lagebild.kafka.config import KafkaSettings, TopicSettings


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGEBILD_INGEST_", env_nested_delimiter="__")

    token: SecretStr = Field(min_length=16, description="Bearer token clients must send.")
    host: str = "127.0.0.1"
    port: int = Field(default=6068, ge=0, le=65535)
    max_body_bytes: int = Field(default=8_000_000, ge=1, description="Whole request body.")
    max_article_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1, description="Per article.")
    max_batch: int = Field(default=500, ge=1, description="Articles per request.")
    rate_per_s: float = Field(default=20.0, gt=0, description="Requests/s per client address.")
    burst: int = Field(default=40, ge=1, description="Requests a client may send at once.")
    publish_timeout_s: float = Field(default=15.0, gt=0, description="Then 503.")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
