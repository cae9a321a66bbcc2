"""Patch for a faust-streaming 0.15.3 race that loses events right after table recovery.

The race (line numbers of the installed 0.15.3 sources):

- To read the changelogs, recovery resumes the consumer flow and the fetcher
  (``faust/tables/recovery.py`` 448-453, or 477-479 when there is nothing to recover). The
  flow is still running when ``Recovery.on_recovery_completed`` (624-667) resumes the stream
  partitions (649) and awaits ``consumer.perform_seek()`` (654).
- aiokafka has already prefetched those partitions from the committed offset, so during that
  await ``Consumer._drain_messages`` (``faust/transport/consumer.py`` 1170-1224) delivers a
  batch into the agents' queues and moves ``_read_offset`` to the last record it delivered
  (1223), also *after* ``perform_seek`` has reset it to the committed offset (565-580).
- ``app.flow_control.resume()`` (recovery.py 659) then empties every stream queue
  (``mode/utils/queues.py`` ``FlowControlEvent.resume`` → ``clear``). The cleared records
  are either never fetched again (the position already moved past them) or, re-fetched after
  the seek, dropped as duplicates because ``offset < _read_offset`` (consumer.py 1208).
- The acked offsets of that partition now start after a gap, so ``Consumer._new_offset``
  returns None (1138-1140; with no earlier commit the gap is even committed over) and its commits stall until the next restart replays them; a
  crash of the restarted worker loses nothing, but the events of the last restart are never
  processed.

The fix stops the consumer flow before ``on_recovery_completed`` runs, exactly as faust does
when partitions are revoked. While stopped, ``getmany`` delivers nothing and a fetch that
returns is discarded with a seek back to the committed offsets (consumer.py 746-775). The
original method then resumes, seeks, clears the (now untouched) queues and restarts the flow
itself (``consumer.resume_flow()``, recovery.py 660). On its early return (another rebalance
began) the flow stays stopped until that rebalance's recovery resumes it, as faust intends.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.tables.recovery import Recovery

log = logging.getLogger(__name__)

PATCHED_VERSION = "0.15.3"
# sha256 of ``inspect.getsource(Recovery.on_recovery_completed)`` in faust-streaming 0.15.3:
# the fix relies on that exact order of resume, seek and flow resume.
EXPECTED_SOURCE_SHA256 = "6ef567acf072e46da3fccbccc6d662371f634f622c3d510972d5df81f70ae3ac"


def _source_sha256(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


@functools.cache
def apply_recovery_fix() -> bool:
    """Patch ``Recovery.on_recovery_completed`` once; False (and a warning) if not applicable."""
    original = Recovery.on_recovery_completed
    if faust.__version__ != PATCHED_VERSION or _source_sha256(original) != EXPECTED_SOURCE_SHA256:
        log.warning(
            "faust %s: Recovery.on_recovery_completed is not the 0.15.3 code this fix was "
            "written for; NOT patching it. Check whether the post-recovery event loss race "
            "is fixed upstream and update lagebild.kafka.recovery_fix.",
            faust.__version__,
        )
        return False

    async def on_recovery_completed(self: Recovery, generation_id: int = 0) -> None:
        # Nothing may reach the stream queues between resuming the stream partitions and the
        # queue clearing in flow_control.resume(); the original resumes the flow after that.
        self.app.consumer.stop_flow()
        await original(self, generation_id)

    on_recovery_completed.__doc__ = original.__doc__
    on_recovery_completed.__wrapped__ = original  # type: ignore[attr-defined]
    patched: Callable[[Recovery, int], Awaitable[None]] = on_recovery_completed
    Recovery.on_recovery_completed = patched  # type: ignore[method-assign,assignment]
    log.debug("patched faust Recovery.on_recovery_completed (post-recovery event loss race)")
    return True
