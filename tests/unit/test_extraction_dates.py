from __future__ import annotations

import datetime as dt

import pytest

from lagebild.extraction.dates import DateContext, find_dates, most_recent_weekday

FRIDAY = dt.date(2025, 4, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in der Nacht auf Freitag", "2025-04-25"),
        ("in der Nacht zum Donnerstag", "2025-04-24"),
        ("overnight into Friday", "2025-04-25"),
        ("am Donnerstag", "2025-04-24"),
        ("am Freitag", "2025-04-25"),
        ("on Tuesday", "2025-04-22"),
        ("Donnerstagabend", "2025-04-24"),
        ("gestern", "2025-04-24"),
        ("yesterday", "2025-04-24"),
        ("vorgestern", "2025-04-23"),
        ("heute", "2025-04-25"),
        ("today", "2025-04-25"),
        ("overnight", "2025-04-25"),
        ("last night", "2025-04-25"),
        ("heute Morgen", "2025-04-25"),
        ("morgen", "2025-04-26"),
        ("tomorrow", "2025-04-26"),
        ("last week", "2025-04-18"),
        ("vergangene Woche", "2025-04-18"),
        ("next week", "2025-05-02"),
        ("am 24. April", "2025-04-24"),
        ("am 24. April 2025", "2025-04-24"),
        ("April 24", "2025-04-24"),
        ("on April 24, 2025", "2025-04-24"),
        ("24 April", "2025-04-24"),
        ("am 28. Dezember", "2024-12-28"),
        ("2025-03-01", "2025-03-01"),
    ],
)
def test_resolves(text: str, expected: str) -> None:
    found = find_dates(text, FRIDAY)
    assert [m.date.isoformat() for m in found] == [expected]


def test_night_before_chains_on_the_previous_night() -> None:
    ctx = DateContext(FRIDAY)
    first = ctx.resolve("Russland griff in der Nacht auf Freitag mit 103 Drohnen an.")
    second = ctx.resolve("In der Nacht zuvor waren in Kiew zwölf Menschen gestorben.")
    assert first[0].date == dt.date(2025, 4, 25)
    assert second[0].date == dt.date(2025, 4, 24)
    assert ctx.last == dt.date(2025, 4, 24)


def test_reporting_clause_dates_are_flagged() -> None:
    text = "Sie hätten versucht voranzukommen, teilt Selenskyj am frühen Freitagmorgen mit."
    (mention,) = find_dates(text, FRIDAY)
    assert mention.is_report
    ctx = DateContext(FRIDAY)
    ctx.resolve(text)
    assert ctx.last is None


def test_future_weekday() -> None:
    assert find_dates("will meet on Tuesday", FRIDAY, future=True)[0].date == dt.date(2025, 4, 29)


def test_most_recent_weekday() -> None:
    assert most_recent_weekday(FRIDAY, 4) == FRIDAY
    assert most_recent_weekday(FRIDAY, 5) == dt.date(2025, 4, 19)


def test_morning_noun_is_not_tomorrow() -> None:
    assert find_dates("Am Morgen gab es Alarm.", FRIDAY) == []
