"""Settings of the ``lagebild`` command-line program: prefix ``LAGEBILD_``.

``LAGEBILD_KAFKA__BOOTSTRAP_SERVERS`` points the CLI at a real Kafka; without it the commands
that need a broker use ``127.0.0.1:9092`` and ``lagebild demo`` starts the embedded one.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lagebild.kafka.config import KafkaSettings, TopicSettings


class CliSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGEBILD_", env_nested_delimiter="__")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
