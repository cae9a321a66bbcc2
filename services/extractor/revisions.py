"""Which article ids this worker has seen, with a hash of their text: spots revisions.

A live blog is republished under the same id with more text, so a second version with a
different text is *processed* (deterministic event ids make the unchanged parts no-ops in the
aggregator) and counted as ``revised``; an identical redelivery is an ordinary ``processed``.
The memory is a bounded LRU per worker (ids are partitioned by key, so every version of an
id reaches the same worker); after a restart or a rebalance a revision counts as processed.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict


class RevisionTracker:
    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._hashes: OrderedDict[str, bytes] = OrderedDict()

    def observe(self, article_id: str, text: str) -> bool:
        """Remember this version; True if a *different* text was seen under the same id."""
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        previous = self._hashes.pop(article_id, None)
        self._hashes[article_id] = digest
        if len(self._hashes) > self.capacity:
            self._hashes.popitem(last=False)
        return previous is not None and previous != digest

    def __len__(self) -> int:
        return len(self._hashes)
