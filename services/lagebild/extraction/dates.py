"""Relative and explicit dates resolved against the article's publication date.

Rules (``published`` is the publication day, in the publisher's time zone):

* "in der Nacht auf/zu/zum Freitag", "overnight into Friday" → that Friday (the most recent
  Friday on or before publication): a night is dated by the morning it ends in. "Thursday
  night" is Thursday: in English it names the evening and night of that day, and reports use
  it for strikes before midnight as often as after.
* "in der Nacht zuvor", "the night before", "am Vortag", "the previous day" → one day before
  the previously resolved date (publication day if none).
* "am Donnerstag", "Donnerstagabend", "on Thursday" → the most recent Thursday on or before
  publication; in future-tense sentences (``future=True``) the next one after publication.
* "gestern"/"yesterday" → publication − 1, "vorgestern" → − 2; "heute", "today", "overnight",
  "last night", "heute Nacht", "in der Nacht", "this morning" → the publication day;
  "morgen"/"tomorrow" → + 1.
* "letzte/vergangene Woche", "last week" → publication − 7 (week precision);
  "nächste/kommende Woche", "next week" → + 7.
* explicit "24. April", "am 24. April 2025", "April 24", "24 April", "2025-04-24": the year
  defaults to the one that puts the date nearest to publication.

Dates in a reporting clause ("teilte Selenskyj am Freitagmorgen mit", "said on Friday") are
the time of the statement, not of the incident: ``DateMention.is_report`` marks them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from lagebild.extraction.lexicon import lower
from lagebild.extraction.traps import first_chars

__all__ = [
    "DateContext",
    "DateMention",
    "find_dates",
    "most_recent_weekday",
    "opens_with_past_year",
]

Precision = Literal["day", "week"]

_WEEKDAYS: dict[str, int] = {
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4,
    "samstag": 5, "sonnabend": 5, "sonntag": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip
_MONTHS: dict[str, int] = {
    "januar": 1, "jänner": 1, "january": 1, "jan": 1, "februar": 2, "february": 2, "feb": 2,
    "märz": 3, "march": 3, "mar": 3, "april": 4, "apr": 4, "mai": 5, "may": 5, "juni": 6,
    "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11, "dezember": 12, "december": 12, "dez": 12, "dec": 12,
}  # fmt: skip
_WD = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_MO = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAYPART = r"(?:morgen|vormittag|mittag|nachmittag|abend|nacht)"

# How a match can begin (lower case), read off the alternatives below: a digit, a weekday or
# month name, one of these words, or one of these short phrases. The look-ahead built from
# them after ``\b`` is implied by the pattern (same matches), and it is what makes the
# expression cheap: the engine drops a word that cannot begin a date ("der", "die", "mit",
# "the", "in", "am meisten") after a few character tests, instead of trying every alternative
# (with the month and weekday lists) at each word of the sentence.
_OPENING_WORDS = ("nacht", "overnight", "tags", "vergangene", "letzte", "kommende", "nächste",
                  "vorige", "vorgestern", "gestern", "yesterday", "heute", "today", "tonight",
                  "morgen", "tomorrow")  # fmt: skip
_OPENING_PHRASES = (
    r"in\s+der\s+nacht",
    rf"on\s+(?:the\s+\d|\d|{_WD}|{_MO})",
    rf"am\s+(?:\d|vortag|frühen|späten|vergangenen|letzten|kommenden|nächsten|{_WD})",
    r"vom\s+vortag",
    r"the\s+(?:night|day|previous)",
    r"last\s",
    r"next\s",
    r"this\s",
)


def _by_first_letter(openings: list[str]) -> str:
    """``a(?:m...|pril|...)|d(?:...)|...``: an alternation that the engine dismisses after
    one comparison per first letter, not one per opening."""
    groups: dict[str, list[str]] = {}
    for opening in openings:
        groups.setdefault(opening[0], []).append(opening[1:])
    return "|".join(
        first + ("(?:" + "|".join(rests) + ")" if len(rests) > 1 else rests[0])
        for first, rests in sorted(groups.items())
    )


_DATE_START = r"\d|" + _by_first_letter([*_WEEKDAYS, *_MONTHS, *_OPENING_WORDS, *_OPENING_PHRASES])
_DATE_RE = re.compile(
    rf"""
    \b(?={_DATE_START})
    (?:(?P<night>(?:in\s+der\s+)?nacht\s+(?:auf|zu|zum)\s+(?:den\s+)?(?P<night_wd>{_WD})
        |overnight\s+(?:in)?to\s+(?P<night_wd_en>{_WD})
        |(?:on\s+)?(?P<night_wd_en2>{_WD})\s+night)
    |(?P<before>(?:in\s+der\s+)?nacht\s+(?:zuvor|davor)|(?:am|vom)\s+vortag|tags\s+zuvor
        |the\s+(?:night|day)\s+before|the\s+previous\s+(?:night|day))
    |(?P<iso>(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}}))
    |(?P<dm>(?:am\s+|on\s+(?:the\s+)?)?(?P<d1>\d{{1,2}})(?:\.|th|st|nd|rd)?\s+(?:of\s+)?
        (?P<m1>{_MO})\b\.?(?:,?\s+(?P<y1>\d{{4}}))?)
    |(?P<md>(?:on\s+)?(?P<m2>{_MO})\.?\s+(?P<d2>\d{{1,2}})(?:th|st|nd|rd)?\b
        (?:,?\s+(?P<y2>\d{{4}}))?)
    |(?P<wd>(?:am\s+(?:frühen\s+|späten\s+)?|on\s+|last\s+|next\s+|this\s+|(?:am\s+)?(?:vergangenen|letzten|kommenden|nächsten)\s+)?
        (?P<wd_name>{_WD})(?P<wd_part>{_DAYPART})?)
    |(?P<rel>vorgestern|gestern|yesterday|heute|today|tonight|heute\s+nacht|letzte\s+nacht
        |last\s+night|overnight|this\s+morning|heute\s+morgen|in\s+der\s+nacht
        |morgen|tomorrow
        |(?:letzte|vergangene|vorige)n?\s+woche|last\s+week|(?:nächste|kommende)n?\s+woche
        |next\s+week))
    """,
    re.VERBOSE,
)  # matched against lower-cased text (see find_dates)
_REPORT_VERBS = re.compile(
    r"\b(?:teilte?|sagte|schrieb|erklärte|berichtete|meldete|betonte|warnte|verkündete|"
    r"said|says|told|wrote|reported|announced|stated|posted|added)\b",
    re.IGNORECASE,
)
_REPORT_VERBS = first_chars(_REPORT_VERBS, "abemprstvw")  # (see traps.first_chars)


# Not frozen (never mutated, hashable): hundreds are built per article, and a frozen
# dataclass costs three times as much to build.
@dataclass(slots=True, unsafe_hash=True)
class DateMention:
    start: int
    end: int
    date: dt.date
    kind: str  # night, before, explicit, weekday, relative
    precision: Precision = "day"
    is_report: bool = False


def most_recent_weekday(published: dt.date, weekday: int) -> dt.date:
    """The latest day with ``weekday`` on or before ``published``."""
    return published - dt.timedelta(days=(published.weekday() - weekday) % 7)


def _next_weekday(published: dt.date, weekday: int) -> dt.date:
    return published + dt.timedelta(days=((weekday - published.weekday() - 1) % 7) + 1)


def _nearest_year(published: dt.date, month: int, day: int) -> dt.date | None:
    best: dt.date | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            cand = dt.date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((cand - published).days) < abs((best - published).days):
            best = cand
    return best


def _is_report_clause(text: str, start: int, end: int, lo: int) -> bool:
    """Is the date inside "..., teilte X am Freitag (auf Telegram) mit" / "X said on Friday"?"""
    clause_start = max(text.rfind(",", lo, start), text.rfind('"', lo, start), lo)
    before = text[clause_start:start]
    if _REPORT_VERBS.search(before) and len(before) < 60:
        return True
    after = text[end : end + 40]
    return bool(re.match(r"\s+(?:auf|in|im|via)\s+\w+\s+mit\b|\s+mit\s*[.,]", after)) and bool(
        _REPORT_VERBS.search(before)
    )


class DateContext:
    """Resolves date mentions sentence by sentence; remembers the last incident date."""

    def __init__(self, published: dt.date) -> None:
        self.published = published
        self.last: dt.date | None = None

    def resolve(
        self, text: str, start: int = 0, end: int | None = None, *, future: bool = False
    ) -> list[DateMention]:
        """Date mentions in ``text[start:end]``; non-report ones update ``self.last``."""
        mentions = find_dates(text, self.published, start, end, future=future, last=self.last)
        for mention in mentions:
            if not mention.is_report:
                self.last = mention.date
        return mentions


def find_dates(
    text: str,
    published: dt.date,
    start: int = 0,
    end: int | None = None,
    *,
    future: bool = False,
    last: dt.date | None = None,
) -> list[DateMention]:
    """All date mentions in ``text[start:end]``, in order; "zuvor" chains on earlier ones."""
    stop = len(text) if end is None else end
    out: list[DateMention] = []
    low = lower(text[start:stop])
    for m in _DATE_RE.finditer(low):
        rel = m.group("rel")
        if rel == "morgen" and text[start + m.start()] == "M":
            continue  # "Morgen" is the morning, "morgen" tomorrow
        resolved = _resolve(m, published, future, last)
        if resolved is None:
            continue
        date, kind, precision = resolved
        m_start, m_end = start + m.start(), start + m.end()
        report = kind in {"weekday", "relative"} and _is_report_clause(text, m_start, m_end, start)
        out.append(DateMention(m_start, m_end, date, kind, precision, report))
        if not report:
            last = date
    return out


def _resolve(
    m: re.Match[str], published: dt.date, future: bool, last: dt.date | None
) -> tuple[dt.date, str, Precision] | None:
    if m.group("night"):
        name = m.group("night_wd") or m.group("night_wd_en") or m.group("night_wd_en2")
        day = most_recent_weekday(published, _WEEKDAYS[name.lower()])
        return day, "night", "day"
    if m.group("before"):
        return (last or published) - dt.timedelta(days=1), "before", "day"
    if m.group("iso"):
        try:
            return (
                dt.date(int(m.group("iy")), int(m.group("im")), int(m.group("id"))),
                "explicit",
                "day",
            )
        except ValueError:
            return None
    if m.group("dm") or m.group("md"):
        day_s = m.group("d1") or m.group("d2")
        month_s = (m.group("m1") or m.group("m2")).lower()
        year_s = m.group("y1") or m.group("y2")
        month = _MONTHS[month_s]
        try:
            date = (
                dt.date(int(year_s), month, int(day_s))
                if year_s
                else _nearest_year(published, month, int(day_s))
            )
        except ValueError:
            return None
        return (date, "explicit", "day") if date else None
    if m.group("wd"):
        wd = _WEEKDAYS[m.group("wd_name").lower()]
        prefix = m.group("wd").lower()
        if future or prefix.startswith(("next", "kommenden", "nächsten", "am kommenden")):
            return _next_weekday(published, wd), "weekday", "day"
        return most_recent_weekday(published, wd), "weekday", "day"
    rel = " ".join(m.group("rel").lower().split())
    if rel == "vorgestern":
        return published - dt.timedelta(days=2), "relative", "day"
    if rel in {"gestern", "yesterday"}:
        return published - dt.timedelta(days=1), "relative", "day"
    if rel in {"morgen", "tomorrow"}:
        return published + dt.timedelta(days=1), "relative", "day"
    if "woche" in rel or "week" in rel:
        forward = rel.startswith(("next", "nächste", "kommende"))
        return published + dt.timedelta(days=7 if forward else -7), "relative", "week"
    return published, "relative", "day"


_OPENING_YEAR = re.compile(
    r"\W*(?:(?:schon |bereits |back |erst )?(?:im jahr|im jahre|in|anfang|ende|seit|since|"
    r"early|late|im (?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|"
    r"november|dezember)|in (?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december))\s+)(1[89]\d\d|20\d\d)\b",
    re.IGNORECASE,
)


def opens_with_past_year(text: str, start: int, end: int, year: int) -> bool:
    """Does the sentence ``text[start:end]`` open with a year before ``year`` ("Im Jahr 2019
    hatten sich ...", "In 2014, Russia ...")? Then all of it is background."""
    m = _OPENING_YEAR.match(text, start, end)
    return m is not None and int(m.group(1)) < year
