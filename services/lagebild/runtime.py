"""Small process helpers for foreground commands."""

from __future__ import annotations

import signal
import threading


def wait_for_signal(timeout: float | None = None) -> None:
    """Block until SIGINT/SIGTERM (or ``timeout`` seconds)."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        stop.wait(timeout)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
