"""Meeting rules: who met whom, where, when, and whether it happened.

* held: "traf", "trafen sich", "hat sich ... getroffen", "empfing", "nach/bei/am Rande eines
  Treffens mit", "met", "held talks with", "after (a) meeting (with)", "hosted";
* phone_call / video_call: "telefonierte", "Telefonat", "spoke by phone", "call with" /
  "Videoschalte", "video call";
* planned: a modal or future cue in the trigger's clause ("wird ... treffen", "soll",
  "geplant", "will meet", "plans to meet", "could meet", "would meet", "is expected to meet");
* nothing for negated clauses ("traf nicht", "did not meet") or other traps; nothing without
  two distinct named participants (so "es werden sehr wichtige Treffen stattfinden" and a
  summit without names give no event). Triggers inside quotations are ignored.

Participants: the nearest person before the trigger (and any joined to it by "und"/"and"),
plus the people after it up to the end of the object phrase. Role phrases without a name
("den norwegischen Ministerpräsidenten") resolve to the office holder on the meeting day. A
missing subject or a pronoun ("Er traf ...", "He met ...") is the subject (first named person)
of the closest earlier sentence that names someone.

Date: an explicit date in the sentence or earlier in its paragraph; otherwise the rule for
undated reports of past meetings: the meeting is dated in the local time of its place
(longitude/15 hours from UTC; the publisher's own clock if the place is unknown), and a report
published before 10:00 local time can only be about a meeting of the previous day (nobody
meets, and gets reported, before the working day has begun). Planned meetings get a date only
if one is named.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from lagebild.extraction.dates import find_dates
from lagebild.extraction.document import Document, SentenceView
from lagebild.extraction.lexicon import MEETING, lower
from lagebild.extraction.people import PeopleIndex, Person
from lagebild.extraction.places import PlaceEntry
from lagebild.extraction.traps import clause_span, find_trap
from lagebild.models.events import MeetingStatus

__all__ = ["MeetingDraft", "extract_meetings", "undated_meeting_day"]

_TRIGGER = re.compile(  # matched against lower-cased text
    r"\b(?:(?P<phone>telefonierte\w*|\btelefonat\w*|telefongespräch\w*|\bam telefon\b|"
    r"spoke by (?:tele)?phone|(?:tele)?phone (?:call|conversation|talks)|\bphoned\b|"
    r"spoke on the phone|held a call|\bcall with\b)"
    r"|(?P<video>videoschalte\w*|videokonferenz\w*|per video\w*|video ?(?:call|link|conference)\w*)"
    r"|(?P<noun>(?:nach|bei|am rande|während|im anschluss an|after|during|at|following|"
    r"on the sidelines of)\s+(?:einem|eines|dem|des|seinem|seines|ihrem|ihres|einer|der|a|an|"
    r"the|his|her|their)\s+(?:\w+\s+)?(?:treffen|treffens|gespräch|gesprächs|unterredung|"
    r"begegnung|meeting|talks)\s+(?:mit|with)\b|\bafter meeting\b)"
    r"|(?P<held>\btraf(?:en)?\b|\bgetroffen\b|\bzusammengekommen\b|\bempfing\b|\bempfangen\b|"
    r"\bmet\b|\bmeets\b|\b(?:held|had) talks\b|\bhosted\b)"
    r"|(?P<infinitive>\btreffen\b|\bmeet\b|\bmeeting with\b))",
)
_PLANNED_CUE = re.compile(
    r"\b(?:wird|werden|will|wollen|soll|sollen|möchte|möchten|plant|planen|geplant\w*|"
    r"bevorstehend\w*|könnte|könnten|würde|würden|would|could|may|might|plans?|planning|"
    r"planned|set to|expected to|due to|scheduled|is to|are to|upcoming|next|nächste\w*|"
    r"kommende\w*)\b",
    re.IGNORECASE,
)
_PAST_HELD = re.compile(r"\b(?:traf|trafen|met|empfing|hosted|held|had)\b", re.IGNORECASE)
_OBJECT_END = re.compile(r",(?!\s*[A-ZÄÖÜ])|;|\.|\bdass\b|\bthat\b|\bsagte\b|\bsaid\b")
_JOIN = re.compile(r"\s(?:und|and|sowie)\s", re.IGNORECASE)
_PLACE_PREP = re.compile(
    r"(?:\bin|\bim|\bat|\bbei)\s+(?:der\s+|dem\s+|den\s+|the\s+)?(?:\w+en\s+)?$", re.IGNORECASE
)


@dataclass(slots=True)
class MeetingDraft:
    status: MeetingStatus
    date: dt.date | None
    people: list[Person]
    place: PlaceEntry | None
    views: list[SentenceView] = field(default_factory=list)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(p.name for p in self.people))


def undated_meeting_day(published_at: dt.datetime, place: PlaceEntry | None) -> dt.date:
    """Day of a meeting reported as past without a date (see the module doc)."""
    if place is not None and place.lon is not None:
        local = published_at.astimezone(dt.UTC) + dt.timedelta(hours=round(place.lon / 15))
    else:
        local = published_at
    day = local.date()
    if local.hour < 10:
        day -= dt.timedelta(days=1)
    return day


def _status(doc: Document, view: SentenceView, m: re.Match[str], pos: int) -> MeetingStatus | None:
    if m.group("phone"):
        return MeetingStatus.PHONE_CALL
    if m.group("video"):
        return MeetingStatus.VIDEO_CALL
    lo, hi = clause_span(doc.text, view.start, view.end, pos)
    clause = doc.text[lo:hi]
    if m.group("infinitive"):
        return MeetingStatus.PLANNED if _PLANNED_CUE.search(clause) else None
    if m.group("held") and _PAST_HELD.match(m.group("held")):
        return MeetingStatus.HELD
    return MeetingStatus.PLANNED if _PLANNED_CUE.search(clause) else MeetingStatus.HELD


def _place(doc: Document, view: SentenceView) -> PlaceEntry | None:
    best: PlaceEntry | None = None
    rank = {"landmark": 0, "city": 1, "region": 2, "country": 3}
    for p in view.places:
        if doc.in_quote(p.start):
            continue
        if not _PLACE_PREP.search(doc.text, max(view.start, p.start - 25), p.start):
            continue
        if best is None or rank[p.place.kind] < rank[best.kind]:
            best = p.place
    return best


def _people_in(
    doc: Document, view: SentenceView, lo: int, hi: int, day: dt.date | None, index: PeopleIndex
) -> list[tuple[int, Person]]:
    """People named (or described by role) in ``[lo, hi)`` outside quotes, in order."""
    found: list[tuple[int, Person]] = [
        (p.start, p.person)
        for p in view.persons
        if lo <= p.start < hi and not doc.in_quote(p.start)
    ]
    name_starts = [p.start for p in view.persons]
    for r in view.roles:
        if not (lo <= r.start < hi) or doc.in_quote(r.start):
            continue
        if any(r.end <= s <= r.end + 2 for s in name_starts):
            continue  # "Ministerpräsidenten Jonas Gahr Støre": the name says who
        if any(p.start <= r.start < p.end + 1 for p in view.persons):
            continue
        if day is not None:
            holder = index.holder(r.kind, r.affiliation, day)
            if holder is not None:
                found.append((r.start, holder))
    found.sort(key=lambda x: x[0])
    return found


def _last_person_before(doc: Document, view: SentenceView) -> Person | None:
    """Whom "Er"/"He" refers to: the subject (first person named outside quotes) of the
    closest earlier sentence that names someone."""
    for v in reversed(doc.sentences[: view.sent.index]):
        for p in v.persons:
            if not doc.in_quote(p.start):
                return p.person
    return None


def extract_meetings(doc: Document, index: PeopleIndex) -> list[MeetingDraft]:
    text = doc.text
    year = doc.published.year
    drafts: list[MeetingDraft] = []
    for view in doc.sentences:
        if not view.cats & MEETING:
            continue
        low = lower(view.sent.text)
        for m in _TRIGGER.finditer(low):
            t_start, t_end = view.start + m.start(), view.start + m.end()
            if doc.in_quote(t_start):
                continue
            if m.group("infinitive") == "treffen" and text[t_start] == "T":
                continue  # the noun "Treffen" alone says nothing about a meeting
            status = _status(doc, view, m, t_start)
            if status is None:
                continue
            trap = find_trap(text, view.start, view.end, t_start, year, allow_hypothetical=True)
            if trap is not None:
                continue
            place = _place(doc, view)
            day = _meeting_day(doc, view, status, place)
            subject_side = _people_in(doc, view, view.start, t_start, day, index)
            obj_end_m = _OBJECT_END.search(text, t_end, view.end)
            obj_end = obj_end_m.start() if obj_end_m else view.end
            objects = _people_in(doc, view, t_end, obj_end, day, index)
            subjects: list[Person] = []
            if subject_side:
                pos, person = subject_side[-1]
                subjects.append(person)
                if len(subject_side) >= 2:  # "Selenskyj und Macron trafen sich"
                    prev_pos, prev = subject_side[-2]
                    if _JOIN.search(text, prev_pos, pos) and pos - prev_pos < 40:
                        subjects.append(prev)
            else:
                after = _people_in(doc, view, obj_end, view.end, day, index)
                if after:
                    subjects.append(after[0][1])
                else:
                    ctx = _last_person_before(doc, view)
                    if ctx is not None:
                        subjects.append(ctx)
            people: list[Person] = []
            for person in [*subjects, *(p for _, p in objects)]:
                if all(person.name != q.name for q in people):
                    people.append(person)
            if len(people) < 2:
                continue
            _add(drafts, MeetingDraft(status, day, people, place, [view]))
    return drafts


def _meeting_day(
    doc: Document, view: SentenceView, status: MeetingStatus, place: PlaceEntry | None
) -> dt.date | None:
    if status is MeetingStatus.PLANNED:
        mentions = find_dates(doc.text, doc.published, view.start, view.end, future=True)
        return mentions[-1].date if mentions else None
    if view.para_date is not None:
        return view.para_date
    return undated_meeting_day(doc.published_at, place)


def _add(drafts: list[MeetingDraft], new: MeetingDraft) -> None:
    for d in drafts:
        if set(d.names) == set(new.names) and (d.date == new.date or new.date is None):
            if d.status is not MeetingStatus.HELD and new.status is MeetingStatus.HELD:
                d.status = new.status
            d.place = d.place or new.place
            for v in new.views:
                if all(v.start != w.start for w in d.views):
                    d.views.append(v)
            return
    drafts.append(new)
