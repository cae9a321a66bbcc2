"""SASL/TLS settings reach every client; what the embedded broker can verify of them.

Tansu 0.6.0 (the embedded broker) was checked by hand and here:
- ``broker --authentication`` refuses clients without SASL (verified below);
- its SASL mechanisms are SCRAM-SHA-256/512 only (PLAIN: "NoSharedMechanism", verified below);
- users are created with ``tansu user create``, which itself connects without SASL, so an
  authenticating broker refuses it, and the in-memory store loses users created before a
  restart with ``--authentication``: a *successful* SCRAM login cannot be shown on it;
- its persistent ``s3://`` storage (tried against a local S3 emulator, moto 5.2.5) stores
  topics but not users: ``tansu user create`` answers 0 yet writes no object, and a broker
  restarted with ``--authentication`` on the same bucket answers the SCRAM exchange with
  ``e=unknown-user`` (the other storage engines, postgres and libsql, are not in this build);
- ``--cert`` is accepted but the listener still speaks plaintext, and ``--cert`` with
  ``--key`` is rejected by its argument parser: TLS cannot be verified on it either.
The full SASL/TLS path is therefore verified up to the broker's SCRAM exchange here; against a
real Kafka the same settings are used unchanged (docker-compose uses PLAINTEXT).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import faust
import pytest

from lagebild.broker import free_port
from lagebild.broker.embedded import broker_binary
from lagebild.kafka.clients import start_producer
from lagebild.kafka.config import KafkaSettings
from lagebild.kafka.faust_app import WorkerSettings, make_app
from lagebild.kafka.topics import BrokerUnavailable

pytestmark = pytest.mark.integration


def sasl(mechanism: str, bootstrap: str = "127.0.0.1:9092") -> KafkaSettings:
    return KafkaSettings(
        bootstrap_servers=bootstrap,
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism=mechanism,  # type: ignore[arg-type]
        sasl_username="lagebild",
        sasl_password=secrets.token_urlsafe(16),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_settings_reach_aiokafka_and_faust(mechanism: str, tmp_path: Path) -> None:
    kafka = sasl(mechanism)
    kwargs = kafka.aiokafka_kwargs()
    assert kwargs["security_protocol"] == "SASL_PLAINTEXT"
    assert kwargs["sasl_mechanism"] == mechanism
    assert kwargs["sasl_plain_username"] == "lagebild"
    assert kafka.sasl_password is not None
    assert kwargs["sasl_plain_password"] == kafka.sasl_password.get_secret_value()
    assert kafka.sasl_password.get_secret_value() not in repr(kafka)  # SecretStr: never logged
    app = make_app("security-test", kafka, WorkerSettings(datadir=tmp_path))
    credentials = app.conf.broker_credentials
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.username == "lagebild"
    assert str(credentials.mechanism.value) == mechanism


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_ssl_settings_build_a_verifying_context(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    kafka = KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="u",
        sasl_password=secrets.token_urlsafe(16),  # type: ignore[arg-type]
        ssl_cafile=str(cert),
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    context = kafka.aiokafka_kwargs()["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    app = make_app("tls-test", kafka, WorkerSettings(datadir=tmp_path))
    assert app.conf.broker_credentials.ssl_context is not None
    with pytest.raises(ValueError, match="SASL needs"):
        KafkaSettings(security_protocol="SASL_SSL")


@pytest.fixture(scope="module")
def auth_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("auth") / "broker.log"
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            broker_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            "--authentication",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        yield f"127.0.0.1:{port}", log
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_authenticating_broker_refuses_clients_without_sasl(auth_broker: tuple[str, Path]) -> None:
    bootstrap, _ = auth_broker
    with pytest.raises(BrokerUnavailable, match="cannot reach Kafka"):
        asyncio.run(start_producer(KafkaSettings(bootstrap_servers=bootstrap), timeout=5))


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_scram_settings_reach_the_brokers_scram_exchange(
    mechanism: str, auth_broker: tuple[str, Path]
) -> None:
    bootstrap, _ = auth_broker
    # No user exists (see the module docstring), so the exchange must end in a refusal that
    # is reported as BrokerUnavailable, not a traceback.
    with pytest.raises(BrokerUnavailable) as caught:
        asyncio.run(start_producer(sasl(mechanism, bootstrap), timeout=5))
    assert "KafkaConnectionError" not in str(caught.value)  # it got past the connection


def test_plain_is_not_offered_by_the_embedded_broker(auth_broker: tuple[str, Path]) -> None:
    bootstrap, log = auth_broker
    with pytest.raises(BrokerUnavailable):
        asyncio.run(start_producer(sasl("PLAIN", bootstrap), timeout=5))
    assert b"NoSharedMechanism" in log.read_bytes()


def test_tansu_user_create_cannot_log_in_to_an_authenticating_broker(
    auth_broker: tuple[str, Path],
) -> None:
    bootstrap, _ = auth_broker
    done = subprocess.run(
        [
            broker_binary(),
            "user",
            "create",
            "--broker",
            f"tcp://{bootstrap}",
            "--mechanism",
            "scram512",
            "lagebild",
            secrets.token_urlsafe(16),
        ],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0  # if this starts passing, write the end-to-end SCRAM test
