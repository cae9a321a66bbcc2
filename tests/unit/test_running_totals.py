"""Running totals (what the aggregator's /metrics reads) equal summarize() over the incidents
after every event, whatever the order and however often events are redelivered."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild.aggregation import MemoryStore, apply_event, summarize
from lagebild.aggregation.counters import RunningTotals
from lagebild.extraction import extract
from lagebild.ingest import read_articles
from lagebild.models import Article

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
UPDATES = [
    # The same incident reported with rising, falling and replacing figures.
    "In Charkiw wurden bei dem russischen Angriff mindestens 3 Menschen getötet.",
    "In Charkiw wurden bei dem russischen Angriff 5 Menschen getötet und 9 verletzt.",
    "Die Zahl der Toten in Charkiw stieg auf 4.",
    "Russland griff Charkiw in der Nacht mit 40 Drohnen an, 31 wurden abgeschossen.",
    "Russland griff Charkiw in der Nacht mit 52 Drohnen an, 45 wurden abgeschossen.",
]


@functools.cache
def events() -> list:  # type: ignore[type-arg]
    articles = list(read_articles(FIXTURES / "incidents" / "articles.jsonl"))
    articles.append(
        Article.model_validate_json((FIXTURES / "article-en-sample.json").read_text("utf-8"))
    )
    for hour, text in enumerate(UPDATES):
        published = dt.datetime(2025, 5, 14, 8 + hour, tzinfo=dt.UTC)
        articles.append(Article(id=f"upd-{hour}", text=text, published_at=published, language="de"))
    found = [event for article in articles for event in extract(article)]
    assert len(found) > 20
    return found


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_running_totals_follow_every_event(data: st.DataObject) -> None:
    pool = events()
    order = data.draw(st.permutations(range(len(pool))))
    redelivered = data.draw(st.lists(st.sampled_from(range(len(pool))), max_size=10))
    store, running = MemoryStore(), RunningTotals()
    for step, position in enumerate([*order, *redelivered]):
        applied = apply_event(store, pool[position], partition=0)
        if applied.result in ("created", "updated"):
            assert applied.incident is not None
            running.replace(applied.previous, applied.incident)
        if step % 7 == 0:
            assert running.totals() == summarize(store.incidents.values())
    assert running.totals() == summarize(store.incidents.values())


def test_removing_every_incident_leaves_no_series_behind() -> None:
    store, running = MemoryStore(), RunningTotals()
    for event in events():
        applied = apply_event(store, event, partition=0)
        if applied.result in ("created", "updated"):
            running.replace(applied.previous, applied.incident)
    assert running.totals().headline["attacks"] > 0
    for incident in store.incidents.values():
        running.add(incident, sign=-1)
    empty = running.totals()
    assert set(empty.headline.values()) == {0}
    assert not (empty.incidents or empty.weapons or empty.casualties or empty.daily)
    assert not empty.participants
