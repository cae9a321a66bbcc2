"""A per-article budget around :func:`lagebild.extraction.extract` (no change to the engine).

Measured on the engine (2 cores): normal prose costs ~1.3 ms per 100 characters, but the rules
are super-linear in the length of one *sentence*: a 4 KB run of names without a full stop
takes 0.7 s, 10 KB take 8 s. Three limits keep one article from stalling a partition:

1. ``max_sentence_chars`` (1,000): a longer "sentence" is cut into paragraphs at whitespace
   (a blank line is inserted, so offsets after the first cut shift; real news sentences are
   far shorter, so normal articles are passed through byte for byte);
2. ``max_chars`` (100,000): text beyond is not extracted (cut at a sentence end);
3. ``deadline_s`` (5 s): a hard wall-clock deadline via ``SIGALRM`` when called from the main
   thread (faust agents run there); it interrupts pure-Python rule code between bytecodes and
   raises :class:`ExtractionTimeout`. Elsewhere only limits 1 and 2 apply.

With these limits (measured): 1 MB of names 4.3 s, 1 MB of normal prose 1.2 s, 1 MB of
digits 0.02 s, 10 KB of names 0.5 s (8 s without limit 1).
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from lagebild.extraction import extract_with_info
from lagebild.extraction.sentences import split_sentences
from lagebild.models.article import Article
from lagebild.models.events import AttackEvent, CasualtiesEvent, MeetingEvent

Event = AttackEvent | CasualtiesEvent | MeetingEvent


class ExtractionTimeout(Exception):
    """The article used up its time budget."""


@dataclass(frozen=True)
class Budget:
    max_chars: int = 100_000
    max_sentence_chars: int = 1_000
    deadline_s: float | None = 5.0


@dataclass(frozen=True)
class BudgetResult:
    events: list[Event]
    truncated: bool  # the engine saw a shortened or re-split text
    language: str | None = None  # the language the rules read it in (stated or detected)
    supported: bool = True  # False: not German or English, passed through without events


def _split_long(text: str, limit: int) -> str:
    """Insert a paragraph break at whitespace every ``limit`` characters of a long sentence."""
    parts: list[str] = []
    cursor = 0
    for sentence in split_sentences(text):
        if sentence.end - sentence.start <= limit:
            continue
        position = sentence.start + limit
        while position < sentence.end:
            cut = text.rfind(" ", cursor, position)
            if cut <= cursor:  # no space at all: cut hard
                cut = position
            parts.append(text[cursor:cut])
            parts.append("\n\n")
            cursor = cut
            position = cut + limit
    parts.append(text[cursor:])
    return "".join(parts)


_SENTENCE_PUNCTUATION = re.compile(r"[.!?\n]")


def _longest_run(text: str) -> int:
    """Length of the longest stretch of ``text`` without sentence punctuation (one pass in C;
    the former ``re.search("[^.!?\\n]{1001}", text)`` re-scanned the stretch after every
    position of the text, ~0.7 ms per 3 KB article)."""
    return max(map(len, _SENTENCE_PUNCTUATION.split(text)))


def prepare_text(text: str, budget: Budget) -> str:
    """The text the engine will see; ``text`` itself for any normal article."""
    if len(text) > budget.max_chars:
        cut = text.rfind(". ", 0, budget.max_chars)
        text = text[: cut + 1 if cut > 0 else budget.max_chars]
    # Cheap pre-check: only texts with a long stretch without sentence punctuation need work.
    limit = budget.max_sentence_chars
    if limit < 0:  # (as written before; "{-1}" is no quantifier)
        if not re.search(f"[^.!?\n]{{{limit + 1}}}", text):
            return text
    elif len(text) <= limit or _longest_run(text) <= limit:
        return text
    return _split_long(text, budget.max_sentence_chars)


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise ExtractionTimeout(f"extraction exceeded {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_within_budget(article: Article, budget: Budget | None = None) -> BudgetResult:
    """``extract(article)`` under ``budget``; raises :class:`ExtractionTimeout` past the deadline.

    An alarm that fires in the instant between the engine returning and the timer being
    cleared also raises ExtractionTimeout: the article is then dead-lettered and can be
    replayed, which is safe because extraction is deterministic.
    """
    budget = budget or Budget()
    text = prepare_text(article.text, budget)
    seen = article if text is article.text else article.model_copy(update={"text": text})
    with _deadline(budget.deadline_s):
        result = extract_with_info(seen)
    return BudgetResult(
        result.events, seen is not article, language=result.language, supported=result.supported
    )
