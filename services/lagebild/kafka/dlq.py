"""Dead letters: the original key and bytes untouched, the reason in Kafka-Connect-style headers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

HEADER_PREFIX = "__dlq.errors."


def dlq_headers(
    *,
    topic: str,
    partition: int,
    offset: int,
    stage: str,
    reason: str,
    error: BaseException | None = None,
    detail: str = "",
) -> list[tuple[str, bytes]]:
    """Headers for a dead letter. ``reason`` is a short code with a bounded set of values."""
    fields = {
        "topic": topic,
        "partition": str(partition),
        "offset": str(offset),
        "stage": stage,
        "reason": reason,
        "exception.class.name": type(error).__name__ if error else "",
        "exception.message": (detail or (str(error) if error else ""))[:2_000],
        "timestamp": str(int(time.time() * 1000)),
    }
    return [(HEADER_PREFIX + name, value.encode()) for name, value in fields.items()]


def headers_for(
    message: Any, *, stage: str, reason: str, error: BaseException | None = None, detail: str = ""
) -> list[tuple[str, bytes]]:
    """:func:`dlq_headers` for a consumed message (anything with topic, partition, offset)."""
    return dlq_headers(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        stage=stage,
        reason=reason,
        error=error,
        detail=detail,
    )


def read_dlq_headers(headers: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    """The ``__dlq.errors.*`` headers of a message, without the prefix."""
    return {
        name.removeprefix(HEADER_PREFIX): value.decode(errors="replace")
        for name, value in headers or ()
        if name.startswith(HEADER_PREFIX)
    }
