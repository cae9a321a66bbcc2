"""Which article ids this worker has seen, with a hash of their text: spots revisions.

A live blog is republished under the same id with more text, so a second version with a
different text is *processed* (deterministic event ids make the unchanged parts no-ops in the
aggregator) and counted as ``revised``; an identical redelivery is an ordinary ``processed``.
Ids are partitioned by key, so every version of an id reaches the worker that owns its
partition. Two memories:

- :class:`TableRevisions` (with the ``sqlite://`` worker store): a faust table
  ``revisions`` co-partitioned with the articles topic, id → hash, on disk with bounded RAM,
  changelog-backed, so revisions are recognised across restarts and rebalances.
- :class:`RevisionTracker` (with ``memory://``, the default): a fixed-size memory per worker;
  after a restart or a rebalance a revision counts as processed.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import MutableMapping


def text_digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class TableRevisions:
    """Article id → text hash in a faust table (``table[id] = hash``, called from the agent).

    Only a new or changed hash is written, so redeliveries and re-reads cost no changelog
    record. After a crash the table holds a prefix of the writes; a redelivered article whose
    hash was already written counts as ``processed``, as any identical redelivery does.
    """

    def __init__(self, table: MutableMapping[bytes, bytes]) -> None:
        self._table = table

    def observe(self, article_id: str, text: str) -> bool:
        """Remember this version; True if a *different* text was seen under the same id."""
        digest = text_digest(text)
        key = article_id.encode("utf-8", "surrogatepass")
        previous = self._table.get(key)
        if previous != digest:
            self._table[key] = digest
        return previous is not None and previous != digest


class RevisionTracker:
    """A fixed-size memory of id → text hash: 8-way set-associative, oldest entry replaced.

    Both hashes are 64-bit (blake2b), kept in arrays allocated once at start (24 bytes per slot,
    four slots per id of ``capacity``: 12.6 MB for the default 100,000), so the memory never
    grows: a dict of 100,000 ids grew the worker by ~20 MB while it filled, which the soak
    measured as growth. An id is forgotten when eight newer ids land in its set (after 300,000
    ids, 99.97 % of the latest 100,000 were still remembered; see the tests). A 64-bit
    collision would only make a revision count as processed.
    """

    WAYS = 8

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        slots = 1 << max(3, (4 * capacity - 1).bit_length())
        self._sets = slots // self.WAYS
        self._keys = array("Q", bytes(8 * slots))  # 0 = empty (stored keys are odd)
        self._digests = array("Q", bytes(8 * slots))
        self._stamps = array("Q", bytes(8 * slots))  # last use; 0 = never
        self._tick = 0
        self._size = 0

    def observe(self, article_id: str, text: str) -> bool:
        """Remember this version; True if a *different* text was seen under the same id."""
        digest = int.from_bytes(text_digest(text)[:8], "little")
        hashed = int.from_bytes(
            hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
            "little",
        )
        key = hashed | 1
        base = ((hashed >> 1) % self._sets) * self.WAYS
        self._tick += 1
        keys, stamps = self._keys, self._stamps
        for slot in range(base, base + self.WAYS):
            if keys[slot] == key:
                previous = self._digests[slot]
                self._digests[slot] = digest
                stamps[slot] = self._tick
                return previous != digest
        victim = min(range(base, base + self.WAYS), key=stamps.__getitem__)
        self._size += keys[victim] == 0
        keys[victim], self._digests[victim], stamps[victim] = key, digest, self._tick
        return False

    def __len__(self) -> int:
        return self._size
