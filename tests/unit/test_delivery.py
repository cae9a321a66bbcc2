"""lagebild.kafka.delivery.DeliveryGuard: a source offset becomes committable only after every
record sent for it is delivered; failed sends are retried or dead-lettered.

faust's real consumer bookkeeping (``Consumer.ack`` and ``_filter_committable_offsets``, the
offsets a commit would write) on an app that is never started; a stand-in producer resolves or
fails each send when the test says so, as the broker (or the producer's timeout) would.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import faust
import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from faust.exceptions import ProducerSendError
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from lagebild.kafka.delivery import DeliveryGuard, retriable
from lagebild.kafka.direct_send import DirectSender

TOPIC = "articles"
TP0 = TP(TOPIC, 0)
_apps = itertools.count()


class Producer:
    """Records each send; the test resolves (or fails) them by index."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes, Any]] = []
        self.futures: list[asyncio.Future[Any]] = []

    async def send(
        self, topic: str, key: bytes | None, value: bytes, *, headers: Any = None, **_: Any
    ) -> asyncio.Future[Any]:
        self.sent.append((topic, key, value, headers))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.futures.append(future)
        return future

    async def deliver(self, *indexes: int) -> None:
        for index in indexes:
            self.futures[index].set_result(None)
        await asyncio.sleep(0)  # done callbacks run on the next loop iteration

    async def fail(self, index: int, error: BaseException) -> None:
        self.futures[index].set_exception(error)
        await asyncio.sleep(0)


class Topic:
    def __init__(self, name: str) -> None:
        self.name = name

    async def maybe_declare(self) -> None:
        pass

    def get_topic_name(self) -> str:
        return self.name


class Worker:
    """A faust app's consumer (never started) with a guard and a stand-in producer."""

    def __init__(self, committed: int | None, dead_letter: Any = None) -> None:
        self.app = faust.App(f"delivery-test-{next(_apps)}", broker="kafka://127.0.0.1:1")
        self.app.topics.acks_enabled_for = lambda topic: True  # type: ignore[method-assign]
        self.producer = Producer()
        self.app.producer = self.producer  # type: ignore[assignment]
        self.consumer: Any = self.app.consumer
        self.consumer._committed_offset[TP0] = committed
        self.guard = DeliveryGuard(
            self.app, dead_letter=dead_letter, backoff_s=0.01, max_backoff_s=0.02
        )
        self.events = DirectSender(Topic("events"), self.guard)

    @staticmethod
    def message(offset: int) -> ConsumerMessage:
        return ConsumerMessage(TOPIC, 0, offset, 0.0, None, None, b"k", b"article", None)

    async def process(self, offset: int, events: int) -> ConsumerMessage:
        """What the extractor's agent does: send the events, then the stream acks the event."""
        message = self.message(offset)
        for index in range(events):
            await self.events.send(b"key", f"event {offset}.{index}".encode(), source=message)
        self.consumer.ack(message)
        return message

    def commit(self) -> int | None:
        """The offset faust's next commit writes (and records as committed), if any."""
        offsets = self.consumer._filter_committable_offsets([TP0])
        if TP0 not in offsets:
            return None
        self.consumer._committed_offset[TP0] = offsets[TP0]
        return int(offsets[TP0])


@pytest.fixture
def run() -> Iterator[Any]:
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


def test_faust_alone_commits_past_an_unacked_offset() -> None:
    """Why holding faust's ack back is not enough: offset 10 never acked, 13 committable."""
    worker = Worker(committed=10)
    for offset in (11, 12):
        worker.consumer.ack(worker.message(offset))
    assert worker.commit() == 13


def test_offsets_become_committable_in_order_of_delivery(run: Any) -> None:
    async def scenario() -> None:
        worker = Worker(committed=10)
        await worker.process(10, events=2)  # sends 0, 1
        await worker.process(11, events=0)  # nothing to send: committable at once
        await worker.process(12, events=1)  # send 2
        assert worker.commit() is None  # 10 is undelivered: nothing past it
        await worker.producer.deliver(1, 2)
        assert worker.commit() is None  # 10 still has send 0 in flight
        await worker.producer.deliver(0)
        assert worker.commit() == 13  # 10, 11 and 12 at once
        assert worker.guard.undelivered == 0

    run(scenario())


def test_before_the_first_commit_too(run: Any) -> None:
    async def scenario() -> None:
        worker = Worker(committed=None)  # a new group: nothing committed yet
        await worker.process(4, events=1)
        await worker.process(5, events=0)
        await worker.process(6, events=0)
        assert worker.commit() is None
        await worker.producer.deliver(0)
        assert worker.commit() == 7

    run(scenario())


def test_a_failed_send_is_sent_again_and_holds_the_offset_until_delivered(run: Any) -> None:
    async def scenario() -> None:
        worker = Worker(committed=0)
        await worker.process(0, events=1)  # send 0
        await worker.process(1, events=1)  # send 1
        await worker.process(2, events=1)  # send 2
        await worker.producer.deliver(0, 2)
        assert worker.commit() == 1  # 0 delivered; 1 in flight
        # The broker was away longer than the producer's timeout: send 1 fails for good.
        await worker.producer.fail(1, KafkaTimeoutError())
        assert worker.commit() is None  # 2 is acked and delivered, but 1 is not
        for _ in range(100):  # the retry after its backoff (10 ms)
            await asyncio.sleep(0.005)
            if len(worker.producer.sent) == 4:
                break
        assert worker.producer.sent[3] == worker.producer.sent[1]  # the same record again
        assert worker.commit() is None
        # It fails once more (wrapped by faust, as a send that could not even be queued).
        failure = ProducerSendError("Error while sending")
        failure.__cause__ = KafkaTimeoutError()
        await worker.producer.fail(3, failure)
        for _ in range(100):
            await asyncio.sleep(0.005)
            if len(worker.producer.sent) == 5:
                break
        assert worker.commit() is None
        await worker.producer.deliver(4)
        assert worker.commit() == 3
        assert worker.guard.undelivered == 0

    run(scenario())


def test_an_undeliverable_record_dead_letters_its_source_once(run: Any) -> None:
    dead: list[tuple[int, str]] = []

    async def scenario() -> None:
        async def dead_letter(message: Any, error: BaseException) -> None:
            dead.append((message.offset, type(error).__name__))
            await dlq.send(message.key, message.value, source=message, headers=[("r", b"x")])

        worker = Worker(committed=7, dead_letter=dead_letter)
        dlq = DirectSender(Topic("dlq"), worker.guard)
        await worker.process(7, events=2)  # sends 0, 1
        await worker.producer.fail(0, MessageSizeTooLargeError())
        await worker.producer.fail(1, MessageSizeTooLargeError())
        await asyncio.sleep(0.01)
        assert dead == [(7, "MessageSizeTooLargeError")]  # one dead letter per article
        assert worker.producer.sent[2] == ("dlq", b"k", b"article", [("r", b"x")])
        assert worker.commit() is None  # until the dead letter is delivered
        await worker.producer.deliver(2)
        assert worker.commit() == 8

    run(scenario())


def test_a_stale_record_below_the_committed_offset_does_not_hold_commits(run: Any) -> None:
    """Another owner re-processed and committed it (a rebalance during an outage)."""

    async def scenario() -> None:
        worker = Worker(committed=0)
        await worker.process(0, events=1)  # in flight
        # Partition lost (faust drops its bookkeeping: consumer.py 655-662) and regained after
        # another owner committed up to 5.
        for bookkeeping in (worker.consumer._acked, worker.consumer._acked_index):
            bookkeeping.pop(TP0)
        worker.consumer._committed_offset[TP0] = 5
        await worker.process(5, events=0)
        assert worker.commit() == 6

    run(scenario())


def test_sends_wait_while_too_many_records_are_undelivered(run: Any) -> None:
    async def scenario() -> None:
        worker = Worker(committed=0)
        worker.guard._limit = 2
        await worker.process(0, events=2)
        third = asyncio.ensure_future(worker.process(1, events=1))
        await asyncio.sleep(0.01)
        assert not third.done() and len(worker.producer.sent) == 2
        await worker.producer.deliver(0)
        await asyncio.wait_for(third, 1)
        assert len(worker.producer.sent) == 3

    run(scenario())


def test_retriable() -> None:
    assert retriable(KafkaTimeoutError())
    wrapped = ProducerSendError("x")
    wrapped.__cause__ = KafkaTimeoutError()
    assert retriable(wrapped)
    assert not retriable(MessageSizeTooLargeError())
    assert not retriable(RuntimeError("bug"))
