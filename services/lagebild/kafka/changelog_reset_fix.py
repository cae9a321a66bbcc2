"""Keep a worker with a persistent table store running when a changelog topic starts over.

A persistent store (``sqlite://``) remembers the offset of the last changelog record it holds.
If the changelog topic then ends below that offset, faust 0.15.3 stops the worker for good:
``Recovery._restart_recovery`` raises ``ConsistencyError`` ("persisted offset ... is higher
than the last offset in that topic", ``recovery_consistency_check``), after every restart. That
happens whenever the topic was deleted and created again: each restart of the embedded broker
(Tansu keeps topics in memory; ``tests/integration/test_outage.py``), a topic reset by hand, a
truncation after an unclean leader election. The memory store never sees it (it stores no
offset): it keeps what it holds and reads the new topic from its start.

This patch makes the persistent store do the same. After faust has computed where recovery
starts (``Recovery._build_offsets``), every partition whose stored offset lies beyond the
topic's end (its high watermark, with :mod:`lagebild.kafka.highwater_fix`) forgets the stored
offset, keeps its data, and is read from the start of the topic as it is now (a warning is
logged). Records read again only rewrite values the store already holds.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import MutableMapping
from typing import Any

from faust.tables.recovery import Recovery
from faust.types import TP

log = logging.getLogger(__name__)


async def _topic_ends(self: Recovery, consumer: Any, tps: set[TP], title: str) -> dict[TP, int]:
    """The offset of the last record of each partition, as faust's recovery computes it."""
    if title == "active":
        return {tp: self.active_highwaters[tp] for tp in tps if tp in self.active_highwaters}
    highwaters = await consumer.highwaters(*tps)
    return {tp: (value - 1 if value is not None else -1) for tp, value in highwaters.items()}


@functools.cache
def apply_changelog_reset_fix() -> None:
    original = Recovery._build_offsets
    if getattr(original, "lagebild_changelog_reset_fix", False):
        return

    @functools.wraps(original)
    async def _build_offsets(
        self: Recovery,
        consumer: Any,
        tps: set[TP],
        destination: MutableMapping[TP, int],
        title: str,
    ) -> None:
        await original(self, consumer, tps, destination, title)  # type: ignore[arg-type]
        stored = {
            tp
            for tp in tps
            if destination.get(tp) is not None
            and destination[tp] >= 0
            and hasattr(getattr(self.tp_to_table.get(tp), "data", None), "forget_offset")
        }
        if not stored:
            return
        ends = await _topic_ends(self, consumer, stored, title)
        for tp in sorted(stored):
            end = ends.get(tp)
            if end is not None and destination[tp] > end:
                log.warning(
                    "changelog %s ends at offset %s but the %s store holds records up to %s: "
                    "the topic started over; keeping the local data and reading it from its start",
                    tp,
                    end,
                    title,
                    destination[tp],
                )
                self.tp_to_table[tp].data.forget_offset(tp)  # type: ignore[attr-defined]
                destination[tp] = -1

    _build_offsets.lagebild_changelog_reset_fix = True  # type: ignore[attr-defined]
    Recovery._build_offsets = _build_offsets  # type: ignore[method-assign]
