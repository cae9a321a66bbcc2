"""A persistent faust table store on the standard library's ``sqlite3`` (``store="sqlite://"``).

Why: faust's ``memory://`` store keeps every table value in RAM (the aggregator's RSS grew with
every incident it ever saw) and rebuilds the whole table from its changelog on each restart;
RocksDB, faust's persistent store, needs bindings that do not install here. This store keeps
each table partition in one SQLite file, ``<tabledir>/<table>-<partition>.sqlite3``, so RAM is
bounded by SQLite's page cache, and a restarted worker reads only the changelog written after
the offset stored in that file. It follows ``faust.stores.rocksdb.Store``: one database per
partition, opened on assignment and closed on revocation, writes routed to the partition of
the event being processed, reads of other partitions found through a small key → partition
index, iteration over active partitions only.

Durability: the file always holds a *prefix of the changelog* together with the offset of its
last record, so it is never ahead of the changelog and never claims an offset it lacks the
data for.

- faust writes a table change to the store *before* its changelog record is acknowledged
  (``ManagedUserDict.__setitem__`` sends, then stores; ``Collection._on_changelog_sent``
  calls :meth:`set_persisted_offset` on the acknowledgement). A write-through store (RocksDB)
  can therefore persist a change whose changelog record never reached the broker; after a
  crash the redelivered source event finds its own effect already stored, may write nothing,
  and the changelog — what a standby or the next owner of the partition rebuilds from — then
  lacks that change for good.
- Here a change first waits in memory (:class:`_Partition` ``pending``; reads see it). Each
  acknowledgement of a changelog record of that partition moves the oldest waiting change into
  SQLite and records the record's offset: changelog records of one partition are acknowledged
  in the order they were sent (aiokafka keeps one request in flight per broker), which is the
  order of the writes, one record per write. The acknowledged record's key is checked against
  the waiting change (a change whose send failed, without acknowledgement, is stored with the
  next acknowledged one). An acknowledgement with no waiting change of its key, or with an
  offset not above the stored one, moves nothing and records nothing.
- Changes move into SQLite inside one open transaction, committed every ``commit_every``
  changes, every ``commit_interval`` seconds, when a partition is closed and when the store
  stops. The offset row is written in the same transaction as the changes it covers. Recovery
  (:meth:`apply_changelog_batch`) writes a batch and its highest offset in one transaction.
- kill -9 therefore loses at most the uncommitted tail (and the in-memory pending changes);
  faust commits a source offset only after flushing the producer, and recovery replays the
  changelog after the stored offset, which restores exactly that tail. WAL mode with
  ``synchronous=NORMAL`` keeps committed transactions across a process crash (an OS crash may
  roll back the last ones, never half of one).
- Keep one data directory per worker process: SQLite locks would let two workers share a file,
  but each would hold its own pending changes.

Options (``app.Table(..., options={...})`` or the URL query, ``sqlite://?cache_mib=4``):
``cache_mib``, SQLite's page cache per partition file (default 1: the OS page cache holds
the rest; 8 made the aggregator's RSS grow 46 % over 38,000 new incidents, 1 made it 4 %,
at the same throughput), ``commit_every`` (default 1000) and ``commit_interval`` (seconds,
default 1.0).
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sqlite3
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, suppress
from pathlib import Path
from time import monotonic
from typing import Any

from faust.stores import base
from faust.streams import current_event
from faust.types import TP, AppT, CollectionT, EventT
from mode import Service
from mode.utils.collections import LRUCache
from yarl import URL

log = logging.getLogger(__name__)

SCHEME = "sqlite"
SUFFIX = ".sqlite3"
DEFAULT_CACHE_MIB = 1  # per partition file; the OS page cache holds the rest (measured)
DEFAULT_COMMIT_EVERY = 1_000
DEFAULT_COMMIT_INTERVAL = 1.0
PAGE = 500  # rows per query when iterating (no cursor stays open across writes)
RECENT = 256  # values per partition kept as the same bytes objects (see _Partition.recent)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS changelog_offsets (
    topic TEXT PRIMARY KEY NOT NULL,
    "offset" INTEGER NOT NULL
);
"""
_DELETED = object()  # pending deletion in an overlay


class _Partition:
    """One partition's SQLite file, its open transaction and its unacknowledged changes."""

    def __init__(self, path: Path, cache_mib: int) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(f"PRAGMA cache_size=-{int(cache_mib) * 1024}")
        self.db.executescript(_SCHEMA)
        self.offsets: dict[str, int] = dict(
            self.db.execute('SELECT topic, "offset" FROM changelog_offsets').fetchall()
        )
        # Changes not yet acknowledged by the changelog, oldest first, and the newest value
        # per key among them (with how many of them touch the key).
        self.pending: deque[tuple[bytes, bytes | None]] = deque()
        self.overlay: dict[bytes, tuple[Any, int]] = {}
        # The values last read or written, as the very objects handed out: faust reads a key
        # twice per lookup (``key in data``, then ``data[key]``), and callers that cache
        # decoded values by the identity of the bytes (aggregator.store) keep hitting.
        self.recent: OrderedDict[bytes, bytes] = OrderedDict()
        self.dirty_topics: set[str] = set()
        self.uncommitted = 0
        self.first_uncommitted_at = 0.0

    # -- transaction ---------------------------------------------------------------------
    def _begin(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN")
            self.first_uncommitted_at = monotonic()

    def _put(self, key: bytes, value: bytes | None) -> None:
        self._begin()
        if value is None:
            self.db.execute("DELETE FROM kv WHERE key = ?", (key,))
        else:
            self.db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))
        self.uncommitted += 1

    def _record_offset(self, topic: str, offset: int) -> None:
        self._begin()
        self.offsets[topic] = offset
        self.dirty_topics.add(topic)

    def commit(self) -> None:
        if not self.db.in_transaction:
            return
        for topic in self.dirty_topics:
            self.db.execute(
                'INSERT OR REPLACE INTO changelog_offsets (topic, "offset") VALUES (?, ?)',
                (topic, self.offsets[topic]),
            )
        self.db.execute("COMMIT")
        self.dirty_topics.clear()
        self.uncommitted = 0

    def close(self) -> None:
        with suppress(sqlite3.Error):
            self.commit()
        self.pending.clear()
        self.overlay.clear()
        self.recent.clear()
        self.db.close()

    # -- writes --------------------------------------------------------------------------
    def stage(self, key: bytes, value: bytes | None) -> None:
        """A table write: visible at once, stored when its changelog record is acknowledged."""
        self.pending.append((key, value))
        self.recent.pop(key, None)
        if value is not None:
            self._remember(key, value)
        _, count = self.overlay.get(key, (None, 0))
        self.overlay[key] = (_DELETED if value is None else value, count + 1)

    def _pop(self) -> tuple[bytes, bytes | None]:
        key, value = self.pending.popleft()
        newest, count = self.overlay[key]
        if count == 1:
            del self.overlay[key]
        else:
            self.overlay[key] = (newest, count - 1)
        return key, value

    def acknowledge(self, topic: str, offset: int, key: bytes | None) -> bool:
        """The changelog stored the next record of this partition (of ``key``) at ``offset``.

        Changes older than the first pending one of ``key`` had their sends fail (faust logs
        ``_on_published error`` and calls no callback). Their records may still have been
        written (a lost acknowledgement), so they are stored too, as the memory store would
        hold them: the stored offset must never cover a change the file lacks.
        """
        known = self.offsets.get(topic)
        if not self.pending or (known is not None and offset <= known):
            return False
        if key is not None:
            if key not in self.overlay:
                return False
            while self.pending[0][0] != key:
                failed, value = self._pop()
                log.warning("%s: no acknowledgement for a change of %r; stored", self.path, failed)
                self._put(failed, value)
        key, value = self._pop()
        self._put(key, value)
        self._record_offset(topic, offset)
        return True

    def apply(
        self, changes: Iterable[tuple[bytes, bytes | None]], offsets: Mapping[str, int]
    ) -> int:
        count = 0
        for key, value in changes:
            self._put(key, value)
            self.recent.pop(key, None)
            count += 1
        for topic, offset in offsets.items():
            if offset > self.offsets.get(topic, -1):
                self._record_offset(topic, offset)
        self.commit()
        return count

    def forget_offset(self, topic: str) -> None:
        """The changelog topic started over: keep the data, drop the offset (committed now)."""
        self._begin()
        self.db.execute("DELETE FROM changelog_offsets WHERE topic = ?", (topic,))
        self.offsets.pop(topic, None)
        self.dirty_topics.discard(topic)
        self.commit()

    def clear(self) -> None:
        self.pending.clear()
        self.overlay.clear()
        self.recent.clear()
        self._begin()
        self.db.execute("DELETE FROM kv")
        self.db.execute("DELETE FROM changelog_offsets")  # next recovery reads everything
        self.offsets.clear()
        self.dirty_topics.clear()
        self.commit()

    # -- reads ---------------------------------------------------------------------------
    def get(self, key: bytes) -> bytes | None:
        staged = self.overlay.get(key)
        if staged is not None:
            value = staged[0]
            return None if value is _DELETED else value
        recent = self.recent.get(key)
        if recent is not None:
            self.recent.move_to_end(key)
            return recent
        row = self.db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        found = bytes(row[0])
        self._remember(key, found)
        return found

    def _remember(self, key: bytes, value: bytes) -> None:
        self.recent[key] = value
        self.recent.move_to_end(key)
        while len(self.recent) > RECENT:
            self.recent.popitem(last=False)

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every key and value, in pages by key order, pending changes included."""
        overlay = dict(self.overlay)  # a snapshot: the caller may write while iterating
        last: bytes | None = None
        while True:
            if last is None:
                query = "SELECT key, value FROM kv ORDER BY key LIMIT ?"
                rows = self.db.execute(query, (PAGE,)).fetchall()
            else:
                query = "SELECT key, value FROM kv WHERE key > ? ORDER BY key LIMIT ?"
                rows = self.db.execute(query, (last, PAGE)).fetchall()
            for key, value in rows:
                if key not in overlay:
                    yield bytes(key), bytes(value)
            if len(rows) < PAGE:
                break
            last = rows[-1][0]
        for key, (value, _) in overlay.items():
            if value is not _DELETED:
                yield key, value

    def size(self) -> int:
        (count,) = self.db.execute("SELECT count(*) FROM kv").fetchone()
        for key, (value, _) in self.overlay.items():
            stored = self.db.execute("SELECT 1 FROM kv WHERE key = ?", (key,)).fetchone()
            if value is _DELETED and stored is not None:
                count -= 1
            elif value is not _DELETED and stored is None:
                count += 1
        return int(count)


class SQLiteStore(base.SerializedStore):
    """faust table storage in one SQLite file per partition; see the module docstring."""

    _parts: dict[int, _Partition]
    _key_index: LRUCache[bytes, int]

    def __init__(
        self,
        url: str | URL,
        app: AppT,
        table: CollectionT,
        *,
        key_index_size: int | None = None,
        options: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, app, table, options=options, **kwargs)
        settings = {**dict(self.url.query), **(options or {})}
        self.cache_mib = int(settings.get("cache_mib", DEFAULT_CACHE_MIB))
        self.commit_every = int(settings.get("commit_every", DEFAULT_COMMIT_EVERY))
        self.commit_interval = float(settings.get("commit_interval", DEFAULT_COMMIT_INTERVAL))
        if key_index_size is None:
            key_index_size = app.conf.table_key_index_size
        self._key_index = LRUCache(limit=key_index_size)
        self._parts = {}
        self.db_lock = asyncio.Lock()
        #: Changelog records applied by recovery since the store started (tests, logs).
        self.recovered_records = 0
        self._recovered_since_report = 0
        #: Acknowledgements that had no pending change to store (should stay 0).
        self.unmatched_acks = 0
        self._acked: Any = None  # the changelog message being acknowledged, see below
        self._hook_changelog_acks()

    def _hook_changelog_acks(self) -> None:
        """Let :meth:`set_persisted_offset` see which key the acknowledged record holds.

        ``Collection._on_changelog_sent(fut)`` calls ``set_persisted_offset(tp, offset)``
        without the message; the table instance gets a wrapper that keeps ``fut.message``
        for the duration of the call, so a failed send cannot shift the pairing.
        """
        table: Any = self.table
        original = getattr(table, "_on_changelog_sent", None)
        if original is None or getattr(original, "lagebild_sqlite_hook", False):
            return
        store = self

        def on_changelog_sent(fut: Any) -> None:
            if table._data is not store:  # another store of the same table
                original(fut)
                return
            store._acked = fut.message
            try:
                original(fut)
            finally:
                store._acked = None

        on_changelog_sent.lagebild_sqlite_hook = True  # type: ignore[attr-defined]
        table._on_changelog_sent = on_changelog_sent

    # -- paths ---------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """Directory of the partition files: the app's ``tabledir``."""
        return Path(self.app.conf.tabledir)

    def partition_path(self, partition: int) -> Path:
        return self.path / f"{self.table_name}-{partition}{SUFFIX}"

    # -- partitions ----------------------------------------------------------------------
    def _part(self, partition: int) -> _Partition:
        try:
            return self._parts[partition]
        except KeyError:
            part = self._parts[partition] = _Partition(
                self.partition_path(partition), self.cache_mib
            )
            self.log.info(
                "opened %s (changelog offsets %s)", part.path, part.offsets or "none: full read"
            )
            return part

    def _event_partition(self) -> int | None:
        """The partition of the event being processed, if it decides where the key lives."""
        event = current_event()
        if event is None or self.table.is_global or self.table.use_partitioner:
            return None
        return int(event.message.partition)

    def _parts_for_key(self, key: bytes) -> Iterable[tuple[int, _Partition]]:
        partition = self._event_partition()
        if partition is not None:
            return [(partition, self._part(partition))]
        indexed = self._key_index.get(key)
        if indexed is not None and indexed in self._parts:
            first = [(indexed, self._parts[indexed])]
            return first + [(p, part) for p, part in self._parts.items() if p != indexed]
        return list(self._parts.items())

    def _active_parts(self) -> Iterator[_Partition]:
        actives = self.app.assignor.assigned_actives()
        topic = self.table.changelog_topic_name  # type: ignore[attr-defined]  # see rocksdb.py
        for partition, part in list(self._parts.items()):
            if self.table.is_global or TP(topic=topic, partition=partition) in actives:
                yield part

    # -- raw access ----------------------------------------------------------------------
    def get_value(self, key: bytes) -> bytes | None:
        """The value of an encoded key, None if absent: ``table.get(key)`` without faust's
        mapping layers (a sensor call, ``key in data`` then ``data[key]``, and a KeyError for a
        missing key), for a table whose keys and values are raw bytes."""
        return self._get(key)

    def set_value(self, key: bytes, value: bytes) -> None:
        """Stage a value of an encoded key, as ``table[key] = value`` does after it has sent the
        changelog record; the caller sends that record (and calls :meth:`acknowledge`)."""
        self._set(key, value)

    # -- SerializedStore -----------------------------------------------------------------
    def _get(self, key: bytes) -> bytes | None:
        for partition, part in self._parts_for_key(key):
            value = part.get(key)
            if value is not None:
                self._key_index[key] = partition
                return value
        return None

    def _set(self, key: bytes, value: bytes | None) -> None:
        event = current_event()
        if event is None:
            raise RuntimeError("Cannot modify table outside of agent/stream.")
        partition = int(event.message.partition)
        self._key_index[key] = partition
        self._part(partition).stage(key, value)

    def _del(self, key: bytes) -> None:
        partition = self._event_partition()
        if partition is None:
            partition = self._key_index.get(key)
        if partition is None:
            for p, part in self._parts.items():
                if part.get(key) is not None:
                    partition = p
                    break
        if partition is not None:
            self._part(partition).stage(key, None)
        self._key_index.pop(key, None)

    def _contains(self, key: bytes) -> bool:
        return self._get(key) is not None

    def _iteritems(self) -> Iterator[tuple[bytes, bytes]]:
        for part in self._active_parts():
            yield from part.items()

    def _iterkeys(self) -> Iterator[bytes]:
        for key, _ in self._iteritems():
            yield key

    def _itervalues(self) -> Iterator[bytes | None]:
        for _, value in self._iteritems():
            yield value

    def _size(self) -> int:
        return sum(part.size() for part in self._active_parts())

    def _clear(self) -> None:
        """Delete the local data of every open partition (the changelog is not touched)."""
        for part in self._parts.values():
            part.clear()
        self._key_index.clear()

    # -- offsets and recovery ------------------------------------------------------------
    def persisted_offset(self, tp: TP) -> int | None:
        """Offset of the last changelog record of ``tp`` stored here (committed or not)."""
        return self._part(tp.partition).offsets.get(tp.topic)

    def forget_offset(self, tp: TP) -> None:
        """Used by :mod:`lagebild.kafka.changelog_reset_fix` when the changelog started over."""
        self._part(tp.partition).forget_offset(tp.topic)

    def set_persisted_offset(self, tp: TP, offset: int) -> None:
        """The changelog acknowledged a record: store the oldest pending change with it."""
        key = None
        if self._acked is not None and self._acked.key is not None:
            key = self._encode_key(self._acked.key)
        self.acknowledge(tp, offset, key)

    def acknowledge(self, tp: TP, offset: int, key: bytes | None) -> None:
        """The changelog stored the record of ``key`` (the encoded key) at ``offset`` of ``tp``.

        :meth:`set_persisted_offset` for callers that send changelog records themselves and
        know the key (``aggregator.changelog``)."""
        part = self._parts.get(tp.partition)
        if part is None or not part.acknowledge(tp.topic, offset, key):
            self.unmatched_acks += 1
            self.log.debug(
                "changelog ack %s@%s: no pending change, offset not recorded", tp, offset
            )
            return
        if part.uncommitted >= self.commit_every:
            part.commit()

    def apply_changelog_batch(
        self,
        batch: Iterable[EventT],
        to_key: Callable[[Any], Any],
        to_value: Callable[[Any], Any],
    ) -> None:
        """Write changelog records (recovery, standby) and their offset, per partition."""
        changes: dict[int, list[tuple[bytes, bytes | None]]] = {}
        offsets: dict[int, dict[str, int]] = {}
        for event in batch:
            message = event.message
            if message.key is None:
                raise TypeError(f"Changelog entry is missing key: {message}")
            partition = message.partition
            changes.setdefault(partition, []).append((message.key, message.value))
            topic_offsets = offsets.setdefault(partition, {})
            topic_offsets[message.topic] = max(message.offset, topic_offsets.get(message.topic, -1))
        for partition, partition_changes in changes.items():
            count = self._part(partition).apply(partition_changes, offsets[partition])
            self.recovered_records += count
            self._recovered_since_report += count

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        self.log.info(
            "table %s: recovery applied %d changelog records (%d since start); offsets %s",
            self.table_name,
            self._recovered_since_report,
            self.recovered_records,
            {p: part.offsets for p, part in sorted(self._parts.items())},
        )
        self._recovered_since_report = 0

    def commit(self) -> None:
        """Commit every open partition's transaction."""
        for part in self._parts.values():
            part.commit()

    @Service.task
    async def _periodic_commit(self) -> None:
        while not self.should_stop:
            await self.sleep(self.commit_interval)
            now = monotonic()
            for part in list(self._parts.values()):
                if part.uncommitted and now - part.first_uncommitted_at >= self.commit_interval:
                    part.commit()

    # -- rebalancing ---------------------------------------------------------------------
    async def need_active_standby_for(self, tp: TP) -> bool:
        return True

    async def on_rebalance(
        self,
        assigned: set[TP],
        revoked: set[TP],
        newly_assigned: set[TP],
        generation_id: int = 0,
    ) -> None:
        async with self.db_lock:
            self.revoke_partitions(self.table, revoked)
            await self.assign_partitions(self.table, newly_assigned, generation_id)

    def revoke_partitions(self, table: CollectionT, tps: set[TP]) -> None:
        """Commit and close the files of revoked partitions (their data stays on disk)."""
        for tp in tps:
            if tp.topic in table.changelog_topic.topics:
                part = self._parts.pop(tp.partition, None)
                if part is not None:
                    self.log.info("closing %s", part.path)
                    part.close()

    async def assign_partitions(
        self, table: CollectionT, tps: set[TP], generation_id: int = 0
    ) -> None:
        """Open the files of newly assigned active partitions (standbys open on first use)."""
        standbys = self.app.assignor.assigned_standbys()
        for tp in tps:
            if tp.topic in table.changelog_topic.topics and tp not in standbys:
                self._part(tp.partition)
                await asyncio.sleep(0)

    async def on_stop(self) -> None:
        for part in self._parts.values():
            part.close()
        self._parts.clear()

    def reset_state(self) -> None:
        """Remove this table's local files (the changelog is not touched)."""
        for part in self._parts.values():
            part.close()
        self._parts.clear()
        self._key_index.clear()
        mine = re.compile(rf"{re.escape(self.table_name)}-\d+{re.escape(SUFFIX)}(-wal|-shm)?")
        for path in self.path.glob(f"{self.table_name}-*"):
            if mine.fullmatch(path.name):
                with suppress(FileNotFoundError):
                    path.unlink()

    # -- backups -------------------------------------------------------------------------
    def _backup_path(self, partition: int) -> Path:
        return self.path / f"{self.table_name}-backups" / self.partition_path(partition).name

    async def backup_partition(
        self, tp: TP | int, flush: bool = True, purge: bool = False, keep: int = 1
    ) -> None:
        """Copy a partition's committed state to ``<tabledir>/<table>-backups/`` (one copy)."""
        partition = tp.partition if isinstance(tp, TP) else tp
        part = self._part(partition)
        if flush:
            part.commit()
        target = self._backup_path(partition)
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(str(target))) as copy:
            part.db.backup(copy)

    def restore_backup(self, tp: TP | int, latest: bool = True, backup_id: int = 0) -> None:
        """Replace a partition's file with its backup (only one backup is kept)."""
        partition = tp.partition if isinstance(tp, TP) else tp
        source = self._backup_path(partition)
        if not source.exists():
            raise FileNotFoundError(source)
        part = self._parts.pop(partition, None)
        if part is not None:
            part.close()
        target = self.partition_path(partition)
        for stale in target.parent.glob(f"{target.name}-*"):  # -wal, -shm
            stale.unlink()
        shutil.copyfile(source, target)
        if part is not None:
            self._part(partition)


def register() -> None:
    """Make ``sqlite://`` a faust store URL (also an entry point in the ``faust.stores`` group)."""
    from faust import stores

    stores.STORES.aliases.setdefault(SCHEME, f"{__name__}:SQLiteStore")
