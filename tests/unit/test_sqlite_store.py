"""The SQLite table store (lagebild.kafka.sqlite_store) without a broker.

faust calls the store from a stream (the current event decides the partition of a write) and
from the changelog producer's acknowledgement (``Collection._on_changelog_sent``); both are
imitated here with small stand-ins.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faust
import pytest
from faust import stores
from faust.streams import _current_event
from faust.types import TP

from lagebild.kafka import sqlite_store
from lagebild.kafka.sqlite_store import SQLiteStore, register

TOPIC = "test-incidents-changelog"


@dataclass
class Message:
    partition: int
    key: bytes | None = None
    value: bytes | None = None
    offset: int = 0
    topic: str = TOPIC

    @property
    def tp(self) -> TP:
        return TP(self.topic, self.partition)


@dataclass
class Event:
    message: Message


@dataclass
class Sent:
    """What ``_on_changelog_sent`` receives: a done future with the record's metadata."""

    message: Message
    metadata: Any = field(default=None)

    def result(self) -> Any:
        return self.metadata


@dataclass
class Metadata:
    topic_partition: TP
    offset: int


class Harness:
    def __init__(self, datadir: Path, active: set[int] = frozenset({0, 1, 2, 3})) -> None:
        register()
        self.app = faust.App("test", store="sqlite://", datadir=str(datadir))
        self.table = self.app.Table("incidents", key_type=bytes, value_type=bytes, partitions=4)
        self.store: SQLiteStore = self.table.data
        assert isinstance(self.store, SQLiteStore)
        self.active = set(active)
        self.app.assignor.assigned_actives = lambda: {TP(TOPIC, p) for p in self.active}
        for partition in sorted(self.active):  # what faust's assignment does
            self.store._part(partition)

    @contextmanager
    def event(self, partition: int) -> Iterator[None]:
        event = Event(Message(partition))
        token = _current_event.set(weakref.ref(event))
        try:
            yield
        finally:
            _current_event.reset(token)

    def write(self, partition: int, key: bytes, value: bytes | None) -> None:
        with self.event(partition):
            if value is None:
                del self.store[key]
            else:
                self.store[key] = value

    def ack(self, partition: int, key: bytes, offset: int) -> None:
        """The changelog producer acknowledged the record of ``key`` at ``offset``."""
        sent = Sent(Message(partition, key=key), Metadata(TP(TOPIC, partition), offset))
        self.table._on_changelog_sent(sent)

    def close(self) -> None:
        self.store.commit()
        for part in self.store._parts.values():
            part.db.close()
        self.store._parts.clear()


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def changelog(partition: int, offset: int, key: bytes, value: bytes | None) -> Event:
    return Event(Message(partition, key=key, value=value, offset=offset))


def test_registered_as_a_faust_store_url() -> None:
    register()
    assert stores.by_url("sqlite://") is SQLiteStore


def test_aggregator_defaults_to_the_sqlite_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from aggregator.settings import AggregatorSettings
    from extractor.settings import ExtractorSettings

    assert AggregatorSettings().worker.store == "sqlite://"
    assert ExtractorSettings().worker.store == "memory://"  # opt in: see its settings
    # Setting another worker variable keeps the aggregator's own defaults.
    monkeypatch.setenv("LAGEBILD_AGGREGATOR_WORKER__DATADIR", "/tmp/x")
    worker = AggregatorSettings().worker
    assert (worker.store, worker.web_port) == ("sqlite://", 6067)
    monkeypatch.setenv("LAGEBILD_AGGREGATOR_WORKER__STORE", "memory://")
    assert AggregatorSettings().worker.store == "memory://"


def test_set_get_delete_iterate(harness: Harness) -> None:
    store = harness.store
    harness.write(0, b"a", b"1")
    harness.write(1, b"b", b"2")
    harness.write(0, b"c", b"3")
    harness.write(0, b"c", None)
    assert store[b"a"] == b"1"
    assert b"b" in store
    assert b"c" not in store
    assert store.get(b"c") is None
    assert sorted(store.items()) == [(b"a", b"1"), (b"b", b"2")]
    assert sorted(store.keys()) == [b"a", b"b"]
    assert sorted(store.values()) == [b"1", b"2"]
    assert len(store) == 2
    # The same after the changelog acknowledged every record, in order.
    for offset, key in enumerate([b"a", b"c", b"c"]):
        harness.ack(0, key, offset)
    harness.ack(1, b"b", 0)
    assert sorted(store.items()) == [(b"a", b"1"), (b"b", b"2")]
    assert len(store) == 2
    assert store.persisted_offset(TP(TOPIC, 0)) == 2
    assert store.persisted_offset(TP(TOPIC, 1)) == 0
    assert store.unmatched_acks == 0


def test_reads_inside_a_stream_see_only_the_event_partition(harness: Harness) -> None:
    harness.write(2, b"k", b"v")
    with harness.event(2):
        assert harness.store.get(b"k") == b"v"
    with harness.event(3):
        assert harness.store.get(b"k") is None
    assert harness.store.get(b"k") == b"v"  # outside a stream: every partition


def test_only_acknowledged_changes_reach_the_file(tmp_path: Path) -> None:
    first = Harness(tmp_path)
    first.write(0, b"a", b"1")
    first.write(0, b"b", b"2")
    first.ack(0, b"a", 10)  # b's record was never acknowledged
    first.close()

    second = Harness(tmp_path)
    assert second.store.persisted_offset(TP(TOPIC, 0)) == 10
    assert dict(second.store.items()) == {b"a": b"1"}


def test_uncommitted_changes_and_their_offset_are_lost_together(tmp_path: Path) -> None:
    first = Harness(tmp_path)
    first.store.commit_every = 2
    for offset, key in enumerate([b"a", b"b", b"c"]):
        first.write(0, key, key.upper())
        first.ack(0, key, offset)
    # a and b were committed (commit_every=2); c waits in the open transaction. kill -9:
    for part in first.store._parts.values():
        part.db.close()  # closing without COMMIT rolls the transaction back
    first.store._parts.clear()

    second = Harness(tmp_path)
    assert second.store.persisted_offset(TP(TOPIC, 0)) == 1
    assert dict(second.store.items()) == {b"a": b"A", b"b": b"B"}


def test_a_send_without_acknowledgement_is_stored_with_the_next_record(
    harness: Harness,
) -> None:
    harness.write(0, b"unsure", b"x")  # its send failed: faust calls no callback
    harness.write(0, b"kept", b"y")
    harness.write(0, b"later", b"z")
    harness.ack(0, b"kept", 5)  # not paired with "unsure": its key decides
    harness.close()
    again = Harness(harness.store.path.parents[1])
    # The failed record may have been written all the same (a lost acknowledgement): the
    # file holds it rather than claim offset 5 without it. "later" is still unacknowledged.
    assert dict(again.store.items()) == {b"unsure": b"x", b"kept": b"y"}
    assert again.store.persisted_offset(TP(TOPIC, 0)) == 5


def test_acknowledgements_without_a_pending_change_record_nothing(harness: Harness) -> None:
    harness.ack(0, b"nobody", 3)
    assert harness.store.persisted_offset(TP(TOPIC, 0)) is None
    harness.write(0, b"a", b"1")
    harness.ack(0, b"a", 4)
    harness.write(0, b"a", b"2")
    harness.ack(0, b"a", 4)  # not above the stored offset: a stale acknowledgement
    assert harness.store.persisted_offset(TP(TOPIC, 0)) == 4
    assert harness.store.unmatched_acks == 2
    assert harness.store[b"a"] == b"2"  # still pending, still visible


def test_apply_changelog_batch_with_deletes_and_offsets(tmp_path: Path) -> None:
    first = Harness(tmp_path)
    batch = [
        changelog(0, 0, b"a", b"1"),
        changelog(0, 1, b"b", b"2"),
        changelog(1, 0, b"c", b"3"),
        changelog(0, 2, b"a", None),
        changelog(0, 3, b"b", b"22"),
        changelog(1, 1, b"d", b"4"),
    ]
    first.store.apply_changelog_batch(batch, to_key=lambda k: k, to_value=lambda v: v)
    assert first.store.recovered_records == 6
    assert dict(first.store.items()) == {b"b": b"22", b"c": b"3", b"d": b"4"}
    first.close()

    second = Harness(tmp_path)
    assert second.store.persisted_offset(TP(TOPIC, 0)) == 3
    assert second.store.persisted_offset(TP(TOPIC, 1)) == 1
    assert second.store.persisted_offset(TP(TOPIC, 2)) is None
    assert dict(second.store.items()) == {b"b": b"22", b"c": b"3", b"d": b"4"}
    files = sorted(p.name for p in second.store.path.glob("*.sqlite3"))
    assert files == [f"incidents-{p}.sqlite3" for p in range(4)]  # one file per partition


def test_partitions_are_separate_and_iteration_sees_actives_only(tmp_path: Path) -> None:
    harness = Harness(tmp_path, active={0})
    harness.write(0, b"same", b"zero")
    harness.write(1, b"same", b"one")
    harness.ack(0, b"same", 0)
    harness.ack(1, b"same", 0)
    with harness.event(0):
        assert harness.store[b"same"] == b"zero"
    with harness.event(1):
        assert harness.store[b"same"] == b"one"
    assert list(harness.store.items()) == [(b"same", b"zero")]  # partition 1 is a standby
    assert len(harness.store) == 1


def test_iteration_pages_through_many_rows_while_writing(harness: Harness) -> None:
    rows = 3 * sqlite_store.PAGE + 7
    batch = [changelog(0, i, b"k%05d" % i, b"v") for i in range(rows)]
    harness.store.apply_changelog_batch(batch, to_key=lambda k: k, to_value=lambda v: v)
    seen = 0
    for key in harness.store:
        harness.write(0, key, b"w")  # writes while iterating do not disturb the pages
        seen += 1
    assert seen == rows
    assert set(harness.store.values()) == {b"w"}


def test_revoke_closes_and_assign_reopens(harness: Harness) -> None:
    harness.write(3, b"a", b"1")
    harness.ack(3, b"a", 0)
    harness.store.revoke_partitions(harness.table, {TP(TOPIC, 3)})
    assert 3 not in harness.store._parts
    harness.ack(3, b"a", 1)  # a late acknowledgement for a closed partition is ignored
    assert harness.store.persisted_offset(TP(TOPIC, 3)) == 0  # reopens the file
    assert harness.store.get(b"a") == b"1"


def test_clear_and_reset_state(harness: Harness) -> None:
    harness.write(0, b"a", b"1")
    harness.ack(0, b"a", 0)
    harness.store.clear()
    assert len(harness.store) == 0
    assert harness.store.persisted_offset(TP(TOPIC, 0)) is None  # next recovery reads all
    harness.write(1, b"b", b"2")
    harness.ack(1, b"b", 0)
    harness.store.reset_state()
    assert not list(harness.store.path.glob("incidents-*"))


def test_backup_and_restore(harness: Harness) -> None:
    harness.write(0, b"a", b"1")
    harness.ack(0, b"a", 0)
    asyncio.run(harness.store.backup_partition(0))
    harness.write(0, b"a", b"2")
    harness.ack(0, b"a", 1)
    harness.store.restore_backup(0)
    assert harness.store.get(b"a") == b"1"
    assert harness.store.persisted_offset(TP(TOPIC, 0)) == 0


def test_files_use_wal_mode(harness: Harness) -> None:
    harness.write(0, b"a", b"1")
    harness.ack(0, b"a", 0)
    harness.close()
    path = harness.store.partition_path(0)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_table_revisions_keep_the_revised_semantics() -> None:
    from extractor.revisions import TableRevisions

    table: dict[bytes, bytes] = {}
    revisions = TableRevisions(table)
    assert not revisions.observe("a", "v1")
    written = dict(table)
    assert not revisions.observe("a", "v1")  # redelivery: not a revision, nothing written
    assert table == written
    assert revisions.observe("a", "v2")
    assert not revisions.observe("b", "x")
    assert not revisions.observe("a", "v2")
    assert revisions.observe("a", "v1")  # back to an earlier text is a revision too
    assert set(table) == {b"a", b"b"}
    # A fresh tracker on the same table (a restart) still knows every id.
    assert TableRevisions(table).observe("b", "y")


def test_repeated_reads_return_the_same_object(harness: Harness) -> None:
    """aggregator.store caches decoded values by the identity of the stored bytes."""
    batch = [changelog(0, 0, b"a", b"1"), changelog(0, 1, b"b", b"2")]
    harness.store.apply_changelog_batch(batch, to_key=lambda k: k, to_value=lambda v: v)
    first = harness.store[b"a"]
    assert harness.store[b"a"] is first
    harness.write(0, b"a", b"3")
    assert harness.store[b"a"] == b"3"
    harness.ack(0, b"a", 2)
    assert harness.store[b"a"] == b"3"
    harness.store.apply_changelog_batch(
        [changelog(0, 3, b"a", b"4")], to_key=lambda k: k, to_value=lambda v: v
    )
    assert harness.store[b"a"] == b"4"
    harness.write(0, b"a", None)
    harness.ack(0, b"a", 4)
    assert harness.store.get(b"a") is None


def test_forget_offset_keeps_the_data(tmp_path: Path) -> None:
    """What lagebild.kafka.changelog_reset_fix does when a changelog topic started over."""
    first = Harness(tmp_path)
    first.write(0, b"a", b"1")
    first.ack(0, b"a", 7)
    first.store.forget_offset(TP(TOPIC, 0))
    assert first.store.persisted_offset(TP(TOPIC, 0)) is None
    first.write(0, b"b", b"2")
    first.ack(0, b"b", 0)  # the new topic's first record
    first.close()
    second = Harness(tmp_path)
    assert second.store.persisted_offset(TP(TOPIC, 0)) == 0
    assert dict(second.store.items()) == {b"a": b"1", b"b": b"2"}


def test_changelog_reset_fix_patches_faust_recovery() -> None:
    from faust.tables.recovery import Recovery

    from lagebild.kafka.changelog_reset_fix import apply_changelog_reset_fix

    apply_changelog_reset_fix()
    assert getattr(Recovery._build_offsets, "lagebild_changelog_reset_fix", False)
