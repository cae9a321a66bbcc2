"""Generated JSON Schemas are current; settings come from the environment, one prefix each."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lagebild.kafka.config import KafkaSettings
from lagebild.models import EventAdapter
from lagebild.schema_files import stale_schema_files, write_schema_files

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schemas_are_current() -> None:
    assert stale_schema_files(ROOT / "schemas") == [], "run `lagebild schemas` and commit"


def test_stale_check_detects_a_change(tmp_path: Path) -> None:
    write_schema_files(tmp_path)
    assert stale_schema_files(tmp_path) == []
    (tmp_path / "event.schema.json").write_text("{}")
    assert stale_schema_files(tmp_path) == ["event.schema.json"]


def test_event_union_discriminates_on_type() -> None:
    schema = EventAdapter.json_schema()
    assert schema["discriminator"]["propertyName"] == "type"
    assert set(schema["discriminator"]["mapping"]) == {"attack", "casualties", "meeting"}


def test_service_settings_read_their_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    from aggregator.settings import AggregatorSettings
    from extractor.settings import ExtractorSettings

    monkeypatch.setenv("LAGEBILD_EXTRACTOR_KAFKA__BOOTSTRAP_SERVERS", "kafka-a:9092")
    monkeypatch.setenv("LAGEBILD_EXTRACTOR_TOPICS__ARTICLES", "news")
    monkeypatch.setenv("LAGEBILD_AGGREGATOR_WORKER__WEB_PORT", "7000")
    extractor = ExtractorSettings()
    aggregator = AggregatorSettings()
    assert extractor.kafka.bootstrap_list == ["kafka-a:9092"]
    assert extractor.topics.articles == "news"
    assert aggregator.kafka.bootstrap_servers == "127.0.0.1:9092"
    assert aggregator.worker.web_port == 7000


def test_sasl_settings_are_complete_and_secret() -> None:
    with pytest.raises(ValidationError):
        KafkaSettings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN")
    kafka = KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="svc",
        sasl_password="s3cret",
    )
    assert "s3cret" not in repr(kafka)
    kwargs = kafka.aiokafka_kwargs()
    assert kwargs["sasl_plain_password"] == "s3cret"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
