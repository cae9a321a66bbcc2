"""Patch for a faust-streaming 0.15.3 race that loses events right after table recovery.

The race (line numbers of the installed 0.15.3 sources):

- To read the changelogs, recovery resumes the consumer flow and the fetcher
  (``faust/tables/recovery.py`` 448-453, or 477-479 when there is nothing to recover). The
  flow still runs when ``Recovery.on_recovery_completed`` (624-667) resumes the stream
  partitions (649) and awaits ``consumer.perform_seek()`` (654).
- That seek costs one OffsetFetch round trip per assigned partition, and every partition it
  seeks is fetched again at once. Records that arrive meanwhile are delivered by
  ``Consumer._drain_messages`` (``faust/transport/consumer.py`` 1170-1224) into the agents'
  queues, and ``_read_offset`` moves to the last one (1223), also after ``perform_seek`` has
  reset it to the committed offset (565-580); such a jump is then recorded as a "gap"
  (1210-1215) that later commits treat as done.
- ``app.flow_control.resume()`` (recovery.py 659) then empties every stream queue
  (``mode/utils/queues.py``, ``FlowControlEvent.resume`` → ``clear``). The cleared records are
  never processed: fetched again after the seek they are dropped as duplicates because
  ``offset < _read_offset`` (consumer.py 1209). The partition's commits then either stall
  behind the hole (``_new_offset``, 1138-1140; a later restart replays it) or pass over it
  through the recorded gap, and the events are lost for good.

The fix stops the consumer flow before ``on_recovery_completed`` runs, as faust itself does
when partitions are revoked. While it is stopped nothing is delivered, and a fetch that returns
is discarded with a seek back to the committed offsets (consumer.py 746-775). The original
method then resumes and seeks the partitions, clears the (untouched) queues and restarts the
flow itself (``consumer.resume_flow()``, recovery.py 660). If it returns early because another
rebalance began, the flow stays stopped until that rebalance's recovery resumes it.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
from collections.abc import Callable
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
    if getattr(original, "lagebild_recovery_fix", False):
        return True  # patched already (getsource would see the original through __wrapped__)
    if faust.__version__ != PATCHED_VERSION or _source_sha256(original) != EXPECTED_SOURCE_SHA256:
        log.warning(
            "faust %s: Recovery.on_recovery_completed is not the 0.15.3 code this fix was "
            "written for; NOT patching it. Check whether the post-recovery event loss race "
            "is fixed upstream and update lagebild.kafka.recovery_fix.",
            faust.__version__,
        )
        return False

    @functools.wraps(original)
    async def on_recovery_completed(self: Recovery, generation_id: int = 0) -> None:
        # Nothing may reach the stream queues between resuming the stream partitions and the
        # queue clearing in flow_control.resume(); the original resumes the flow after that.
        self.app.consumer.stop_flow()
        await original(self, generation_id)

    on_recovery_completed.lagebild_recovery_fix = True  # type: ignore[attr-defined]
    Recovery.on_recovery_completed = on_recovery_completed  # type: ignore[method-assign]
    log.debug("patched faust Recovery.on_recovery_completed (post-recovery event loss race)")
    return True
