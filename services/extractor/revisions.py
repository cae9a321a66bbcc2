"""Which article ids this worker has seen, with a hash of their text: spots revisions.

A live blog is republished under the same id with more text, so a second version with a
different text is *processed* (deterministic event ids make the unchanged parts no-ops in the
aggregator) and counted as ``revised``; an identical redelivery is an ordinary ``processed``.
Ids are partitioned by key, so every version of an id reaches the worker that owns its
partition. Two memories:

- :class:`TableRevisions` (with the ``sqlite://`` worker store): a faust table
  ``revisions`` co-partitioned with the articles topic, id → hash, on disk with bounded RAM,
  changelog-backed, so revisions are recognised across restarts and rebalances.
- :class:`RevisionTracker` (with ``memory://``, the default): a bounded LRU per worker; after a
  restart or a rebalance a revision counts as processed.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
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
    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._hashes: OrderedDict[str, bytes] = OrderedDict()

    def observe(self, article_id: str, text: str) -> bool:
        """Remember this version; True if a *different* text was seen under the same id."""
        digest = text_digest(text)
        previous = self._hashes.pop(article_id, None)
        self._hashes[article_id] = digest
        if len(self._hashes) > self.capacity:
            self._hashes.popitem(last=False)
        return previous is not None and previous != digest

    def __len__(self) -> int:
        return len(self._hashes)
