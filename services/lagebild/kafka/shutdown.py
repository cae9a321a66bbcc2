"""A faust worker whose shutdown is bounded in time.

faust/mode stop a worker by stopping every service in turn; offsets are committed when the
consumer stops, early in that sequence. Some services can then wait forever (a commit or a
producer flush to a broker that is gone, a stream stuck in a rebalance: the "shutdown hang"
known from faust issues). On SIGTERM/SIGINT we therefore arm a watchdog thread: if the process
is still alive after ``hard_exit_after`` s, it logs and leaves with ``os._exit`` — exit code 0
when the consumer had finished stopping (its on_stop commits the offsets), 1 otherwise.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

from faust.worker import Worker

log = logging.getLogger(__name__)

DEFAULT_HARD_EXIT_AFTER = 8.0  # below the usual 10 s grace of orchestrators before SIGKILL


class GracefulWorker(Worker):
    hard_exit_after: float = DEFAULT_HARD_EXIT_AFTER
    _watchdog: threading.Timer | None = None

    def _arm_watchdog(self) -> None:
        if self._watchdog is not None:
            return
        self._watchdog = threading.Timer(self.hard_exit_after, self._hard_exit)
        self._watchdog.daemon = True  # never keeps a cleanly finished process alive
        self._watchdog.start()

    def _hard_exit(self) -> None:
        # faust's Consumer.on_stop commits; "shutdown" means it has finished that.
        consumer = getattr(self.app, "_consumer", None)
        committed = consumer is None or consumer.state == "shutdown"
        log.warning(
            "shutdown took over %.0f s; exiting now (consumer stopped: %s)",
            self.hard_exit_after,
            committed,
        )
        sys.stderr.flush()
        os._exit(0 if committed else 1)

    def _on_sigterm(self) -> None:
        self._arm_watchdog()
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        self._arm_watchdog()
        super()._on_sigint()


def run_graceful(app: Any, loglevel: str, hard_exit_after: float) -> None:
    worker = GracefulWorker(app, loglevel=loglevel, redirect_stdouts=False)
    worker.hard_exit_after = hard_exit_after
    worker.execute_from_commandline()
