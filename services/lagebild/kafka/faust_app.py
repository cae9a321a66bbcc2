"""One place for the faust settings that make workers behave on Tansu and on Kafka.

Why each knob is set:
- ``broker_session_timeout=4``: Tansu answers JoinGroup only after session_timeout/2, so the
  default (60 s) makes a worker wait ~31 s before its first message; 4 s gives ~3.5 s.
- heartbeat 1 s (must stay well below the session timeout); rebalance timeout 10 s.
- ``producer_acks=-1`` and no idempotence/transactions: Tansu rejects aiokafka's
  InitProducerId v0, so processing is at-least-once and state updates are idempotent.
- ``stream_wait_empty=False``: otherwise a worker waits for its buffers on shutdown and hangs.
- fetch wait 100 ms instead of faust's hard-coded 1500 ms (see :func:`_tune_fetch_wait`).
- ``store`` (``WorkerSettings.store``): ``memory://`` keeps tables in RAM and rebuilds them
  from their changelog topics on every start; ``sqlite://`` (:mod:`lagebild.kafka.sqlite_store`)
  keeps them in SQLite files under the data directory, so RAM stays bounded and a restart
  reads only the changelog written after the offset stored with the data.
- ``recovery_fix``: faust 0.15.3 can drop events right after table recovery; see
  :mod:`lagebild.kafka.recovery_fix`.
- highwater fix: recovery stops at ListOffsets(latest), which Tansu can undercount; see
  :mod:`lagebild.kafka.highwater_fix`. With ``sqlite://`` it also keeps restarts working:
  the stored offset is the changelog's last record, and faust's recovery consistency check
  stops the worker (ConsistencyError) when that is above an undercounted end offset.
- missing topic fix: the embedded broker breaks a topic for good when a produce request reaches
  it before any metadata request named the topic (records retried right after a broker
  restart); the producer names each topic in a metadata request first, on every connection.
  See :mod:`lagebild.kafka.missing_topic_fix`.
- changelog reset fix: a persistent store whose changelog topic started over (a restart of the
  embedded broker, a topic recreated) keeps its data and reads the new topic from its start
  instead of stopping with ConsistencyError; see :mod:`lagebild.kafka.changelog_reset_fix`.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from pydantic import BaseModel, Field

from lagebild.kafka.changelog_reset_fix import apply_changelog_reset_fix
from lagebild.kafka.config import KafkaSettings
from lagebild.kafka.highwater_fix import apply_highwater_fix
from lagebild.kafka.missing_topic_fix import apply_missing_topic_fix
from lagebild.kafka.recovery_fix import apply_recovery_fix
from lagebild.kafka.sqlite_store import register as register_sqlite_store

log = logging.getLogger(__name__)


class WorkerSettings(BaseModel):
    """Settings every faust worker shares; part of each service's settings object."""

    web_host: str = Field(default="127.0.0.1", description="Bind address of /metrics etc.")
    web_port: int = Field(default=6066, ge=0, le=65535)
    datadir: Path = Field(default=Path("./data"), description="faust state directory.")
    session_timeout_s: float = 4.0
    heartbeat_interval_s: float = 1.0
    rebalance_timeout_s: float = 10.0
    commit_interval_s: float = 1.0
    fetch_max_wait_ms: int = Field(default=100, ge=1)
    recovery_fix: bool = Field(
        default=True, description="Patch faust's post-recovery event loss race (recovery_fix)."
    )
    store: str = Field(
        default="memory://",
        pattern=r"^[a-z][a-z0-9+.-]*://",
        description="faust table store URL: memory:// (RAM, rebuilt from the changelog on "
        "start) or sqlite:// (files under datadir, bounded RAM, reads only the changelog tail).",
    )
    stream_buffer_maxsize: int = Field(
        default=512,
        ge=1,
        description="Messages a stream buffers before faust pauses fetching (faust: 4096). "
        "Bounds the memory a backlog takes: 4096 buffered 3 KB articles per partition kept "
        "tens of MB alive in the soak; 512 is still far more than one agent step needs.",
    )
    loglevel: str = "info"


def _faust_credentials(kafka: KafkaSettings) -> Any:
    if kafka.security_protocol.startswith("SASL"):
        assert kafka.sasl_password is not None
        password = kafka.sasl_password.get_secret_value()
        if kafka.sasl_mechanism == "PLAIN":
            return faust.SASLCredentials(
                username=kafka.sasl_username,
                password=password,
                ssl_context=kafka.ssl_context(),
            )
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=password,
            mechanism=kafka.sasl_mechanism,
            ssl_context=kafka.ssl_context(),
        )
    if context := kafka.ssl_context():
        return faust.SSLCredentials(context)
    return None


@functools.cache
def _tune_fetch_wait(fetch_max_wait_ms: int) -> None:
    """faust 0.15 passes ``fetch_max_wait_ms=1500`` to aiokafka with no setting to change it.

    When a partition is idle every fetch round waits 1.5 s, which adds ~0.8 s per hop. We wrap
    the factory and lower the attribute aiokafka reads when its fetcher starts.
    """
    thread_class = faust_aiokafka.AIOKafkaConsumerThread
    original = thread_class._create_worker_consumer

    def create_worker_consumer(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = fetch_max_wait_ms
        return consumer

    thread_class._create_worker_consumer = create_worker_consumer  # type: ignore[method-assign]


def make_app(app_id: str, kafka: KafkaSettings, worker: WorkerSettings, **extra: Any) -> faust.App:
    _tune_fetch_wait(worker.fetch_max_wait_ms)
    if worker.recovery_fix:
        apply_recovery_fix()
    apply_highwater_fix()
    apply_missing_topic_fix()
    register_sqlite_store()
    apply_changelog_reset_fix()
    worker.datadir.mkdir(parents=True, exist_ok=True)
    broker = ";".join(f"kafka://{server}" for server in kafka.bootstrap_list)
    return faust.App(
        app_id,
        broker=broker,
        broker_credentials=_faust_credentials(kafka),
        broker_client_id=f"{kafka.client_id}-{app_id}",
        broker_session_timeout=worker.session_timeout_s,
        broker_heartbeat_interval=worker.heartbeat_interval_s,
        broker_rebalance_timeout=worker.rebalance_timeout_s,
        broker_commit_interval=worker.commit_interval_s,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        stream_buffer_maxsize=worker.stream_buffer_maxsize,
        store=worker.store,
        datadir=str(worker.datadir),
        web_enabled=True,
        web_bind=worker.web_host,
        web_host=worker.web_host,
        web_port=worker.web_port,
        topic_replication_factor=1,
        topic_disable_leader=True,
        **extra,
    )


def run_worker(app: faust.App, loglevel: str = "info", hard_exit_after: float = 8.0) -> None:
    """Run a faust worker until SIGTERM/SIGINT; the exit is bounded (see kafka.shutdown)."""
    from lagebild.kafka.shutdown import run_graceful

    run_graceful(app, loglevel, hard_exit_after)


def readiness(app: faust.App) -> dict[str, Any]:
    """Ready = partitions assigned, no rebalance running, table recovery finished."""
    assigned = sorted(f"{tp.topic}:{tp.partition}" for tp in app.assignor.assigned_actives())
    recovered = app.tables.recovery.completed.is_set()  # type: ignore[attr-defined]
    ready = bool(assigned) and not app.rebalancing and recovered
    return {"ready": ready, "assigned": assigned, "rebalancing": app.rebalancing}


def add_standard_pages(app: faust.App, registry: Any) -> None:
    """``/metrics`` (this app's own registry) and ``/healthz`` (503 until ready)."""
    from faust.web import Request, Response, View
    from prometheus_client import generate_latest

    @app.page("/metrics")
    class MetricsView(View):
        async def get(self, request: Request) -> Response:
            # aiohttp refuses a charset in content_type; the 0.0.4 text format is UTF-8.
            return self.bytes(generate_latest(registry), content_type="text/plain; version=0.0.4")

    @app.page("/healthz")
    class HealthView(View):
        async def get(self, request: Request) -> Response:
            state = readiness(app)
            return self.json(
                {"app_id": app.conf.id, **state}, status=200 if state["ready"] else 503
            )
