"""Meeting rules: who met whom, where, when, and whether it happened.

* held: "traf", "trafen sich", "hat sich ... getroffen", "empfing", "nach/bei/am Rande eines
  Treffens mit", "met", "held talks with", "after (a) meeting (with)", "hosted";
* phone_call / video_call: "telefonierte", "Telefonat", "spoke by phone", "call with" /
  "Videoschalte", "video call";
* planned: a modal or future cue in the trigger's clause ("wird ... treffen", "soll",
  "geplant", "will meet", "plans to meet", "could meet", "would meet", "is expected to meet");
* nothing for negated clauses ("traf nicht", "did not meet") or other traps; nothing without
  two distinct named participants (so "es werden sehr wichtige Treffen stattfinden" and a
  summit without names give no event). Triggers inside quotations count only when the speaker
  reports a meeting of their own ("„Ich habe mich heute mit Präsident Selenskyj getroffen“,
  sagte Starmer", "\"I met President Zelensky\", Merz said"): the speaker is a participant.
* German separable and compound verbs: "kam(en) ... zusammen", "zusammengetroffen",
  "zusammentreffen"; the noun "Treffen mit/zwischen" with a planning cue is a planned meeting.
* Nothing for sentences that open with a past year ("In 2019, Zelensky and Putin met").

Participants: the nearest person before the trigger (and any joined to it by "und"/"and"),
plus the people after it up to the end of the object phrase (which ends before an attribution:
", Kremlin spokesman Dmitry Peskov said"). With the verb at the end of the clause ("hat ...
Selenskyj empfangen", "will sich ... mit Putin treffen") the people of the clause before it.
Role phrases without a name ("den norwegischen Ministerpräsidenten") resolve to the office
holder on the meeting day. A missing subject or a pronoun ("Er traf ...", "He met ...") is the
subject (first named person) of the closest earlier sentence that names someone.

Date: an explicit date in the sentence or earlier in its paragraph (planned meetings: only a
day, never "next week"); otherwise the rule for
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

from lagebild.extraction.dates import find_dates, opens_with_past_year
from lagebild.extraction.document import Document, SentenceView
from lagebild.extraction.lexicon import MEETING, lower
from lagebild.extraction.people import PeopleIndex, Person
from lagebild.extraction.places import PlaceEntry
from lagebild.extraction.traps import clause_span, find_trap, first_chars
from lagebild.models.events import MeetingStatus

__all__ = ["MeetingDraft", "extract_meetings", "undated_meeting_day"]

# The look-ahead after the first ``\b`` lists how the alternatives begin (two letters): the
# engine gives up at once at word ends and at words that cannot start a trigger.
_TRIGGER = re.compile(  # matched against lower-cased text
    r"\b(?=a[fmt]|be|ca|du|em|fo|ge|h[aeo]|im|ka|me|na|on|p[eh]|sp|t[er]|vi|wä|zu)"
    r"(?:(?P<phone>telefonier\w*|\btelefonat\w*|telefongespräch\w*|\bam telefon\b|"
    r"spoke by (?:tele)?phone|(?:tele)?phone (?:call|conversation|talks)|\bphoned\b|"
    r"spoke on the phone|held a call|\bcall with\b)"
    r"|(?P<video>videoschalte\w*|videokonferenz\w*|per video\w*|video ?(?:call|link|conference)\w*)"
    r"|(?P<noun>(?:nach|bei|am rande|während|im anschluss an|after|during|at|following|"
    r"on the sidelines of)\s+(?:einem|eines|dem|des|seinem|seines|ihrem|ihres|einer|der|a|an|"
    r"the|his|her|their)\s+(?:\w+\s+)?(?:treffen|treffens|gespräch|gesprächs|unterredung|"
    r"begegnung|meeting|talks)\s+(?:mit|with)\b|\bafter meeting\b)"
    r"|(?P<held>\btraf(?:en)?\b|\bgetroffen\b|\bzusammengekommen\b|\bzusammengetroffen\b|"
    r"\bempfing\b|\bempfangen\b|\bkam(?:en)?\b(?=[^,;]*\bzusammen\b)|"
    r"\bmet\b|\bmeets\b|\b(?:held|had) talks\b|\bhosted\b)"
    r"|(?P<infinitive>\btreffen\b|\bzusammentreffen\b|\bzusammenkommen\b|\bmeet\b|"
    r"\bmeeting with\b|\bfor talks with\b|\bzu gesprächen mit\b))",
)
# "spoke with Keir Starmer by phone": the call is named after the person.
_SPOKE_BY_PHONE = re.compile(r"\bspoke (?:with|to)\b(?=[^.;]{0,60}\bby (?:tele)?phone\b)")
# "Der Kreml wies Berichte zurück, wonach ...", "denied reports that ...": nothing happened.
_DENIAL = re.compile(
    r"\b(?:wies\w* \w+ zurück|dementierte\w*|bestritt\w*|denied|denies|dismissed|rejected)\b",
    re.IGNORECASE,
)
_DENIAL = first_chars(_DENIAL, "bdrw")  # (the first letters; see traps.first_chars)
_PRONOUN = re.compile(r"\b(?:er|sie|he|she)\b", re.IGNORECASE)
# "met Trump ... and later spoke by phone with Zelensky": the same subject.
_ELIDED_SUBJECT = re.compile(
    r"\b(?:and|und)\s+(?:(?:later|then|also|afterwards|später|dann|danach|anschließend|"
    r"zudem|auch)\s+)?$",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:ich|wir|i|we)\b", re.IGNORECASE)
_PLANNED_CUE = re.compile(
    r"\b(?:wird|werden|will|wollen|soll|sollen|möchte|möchten|plant|planen|geplant\w*|"
    r"bevorstehend\w*|könnte|könnten|würde|würden|would|could|may|might|plans?|planning|"
    r"planned|set to|expected to|due to|scheduled|is to|are to|upcoming|next|nächste\w*|"
    r"kommende\w*)\b",
    re.IGNORECASE,
)
_PLANNED_CUE = first_chars(_PLANNED_CUE, "abcdegikmnpsuw")
_PAST_HELD = re.compile(r"\b(?:traf|trafen|met|empfing|hosted|held|had)\b", re.IGNORECASE)
_OBJECT_END = re.compile(
    r",(?!\s*[A-ZÄÖÜ])|,(?=[^,.;]*\b(?:said|says|told|sagte|sagt|erklärte|teilte)\b)|;|"
    r"(?<!\.[A-Z])\.(?!\w)|\bdass\b|\bthat\b|\bsagte\b|\bsaid\b"
)
_JOIN = re.compile(r"\s(?:und|and|sowie)\s", re.IGNORECASE)
_PLACE_PREP = re.compile(
    r"(?:\bin|\bim|\bat|\bbei|\bnach|\bto)\s+(?:der\s+|dem\s+|den\s+|the\s+)?(?:\w+en\s+)?$",
    re.IGNORECASE,
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
        if not view.cats & MEETING or opens_with_past_year(text, view.start, view.end, year):
            continue
        low = lower(view.sent.text)
        triggers: list[tuple[re.Match[str], MeetingStatus | None]] = [
            (m, None) for m in _TRIGGER.finditer(low)
        ]
        triggers += [(m, MeetingStatus.PHONE_CALL) for m in _SPOKE_BY_PHONE.finditer(low)]
        triggers.sort(key=lambda x: x[0].start())
        prev_subjects: list[Person] = []
        for k, (m, fixed) in enumerate(triggers):
            t_start, t_end = view.start + m.start(), view.start + m.end()
            next_trigger = (
                view.start + triggers[k + 1][0].start() if k + 1 < len(triggers) else view.end
            )
            if _DENIAL.search(text, view.start, t_start):
                continue
            if (
                fixed is None
                and m.group("held")
                and any(
                    # only _TRIGGER matches have these groups; "spoke ... by phone" is a
                    # separate verb and says nothing about this one
                    other is None
                    and (o.group("phone") or o.group("video"))
                    and 0 <= o.start() - m.end() < 40
                    for o, other in triggers
                )
            ):
                continue  # "hosted a video conference with ...": the call, not a meeting
            if doc.in_quote(t_start):
                quoted = _quoted_meeting(doc, view, m, t_start, index, year)
                if quoted is not None:
                    _add(drafts, quoted)
                continue
            if fixed is None and m.group("infinitive") == "treffen" and text[t_start] == "T":
                # the noun "Treffen" alone says nothing; "Treffen mit X soll ..." is planned
                if not re.match(r"\s+(?:mit|zwischen)\b", text[t_end : t_end + 12]):
                    continue
                lo, hi = clause_span(text, view.start, view.end, t_start)
                if not _PLANNED_CUE.search(text, lo, hi):
                    continue
            status = fixed or _status(doc, view, m, t_start)
            if status is None:
                continue
            trap = find_trap(text, view.start, view.end, t_start, year, allow_hypothetical=True)
            if trap is not None:
                continue
            place = _place(doc, view)
            if status in {MeetingStatus.PHONE_CALL, MeetingStatus.VIDEO_CALL}:
                place = None  # a call has no meeting place
            day = _meeting_day(doc, view, status, place)
            subject_side = _people_in(doc, view, view.start, t_start, day, index)
            obj_end_m = _OBJECT_END.search(text, t_end, next_trigger)
            obj_end = obj_end_m.start() if obj_end_m else next_trigger
            objects = _people_in(doc, view, t_end, obj_end, day, index)
            c_lo, _ = clause_span(text, view.start, view.end, t_start)
            in_clause = [x for x in subject_side if x[0] >= c_lo]
            if not objects and len(in_clause) >= 2 and _verb_final(text, t_end, view.end):
                # "hat ... Selenskyj empfangen", "will sich ... mit Putin treffen"
                objects = in_clause[1:]
                subject_side = [x for x in subject_side if x[0] < c_lo] + in_clause[:1]
            elif (
                not objects
                and len(in_clause) == 1
                and _verb_final(text, t_end, view.end)
                and _PRONOUN.search(text, c_lo, in_clause[0][0])
                and subject_side[0][0] < c_lo
            ):  # "..., wo er US-Außenminister Rubio treffen will": er = the sentence subject
                objects = in_clause
                subject_side = subject_side[:1]
            if prev_subjects and _ELIDED_SUBJECT.search(text, max(view.start, t_start - 30),
                                                        t_start):  # fmt: skip
                subject_side = []
                objects = [(t_end, p) for p in prev_subjects] + objects
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
            if people:
                prev_subjects = people[:1]
            if len(people) < 2:
                continue
            _add(drafts, MeetingDraft(status, day, people, place, [view]))
    return drafts


def _verb_final(text: str, t_end: int, end: int) -> bool:
    """Does the clause end at the trigger ("... empfangen.", "... treffen, wie ...")?"""
    rest = text[t_end:end]
    return not rest.strip() or bool(
        re.match(
            r"\s*(?:(?:worden|werden|wurde|wurden|will|wollen|soll|sollen|hat|haben|ist|sind|"
            r"habe|sei|seien|könnte|könnten|würde|würden)\b\s*)?(?:[,;.:!?\"“”»«)]|\b(?:und|and)\b|$)",
            rest,
        )
    )


def _quoted_meeting(
    doc: Document,
    view: SentenceView,
    m: re.Match[str],
    t_start: int,
    index: PeopleIndex,
    year: int,
) -> MeetingDraft | None:
    """ "„Ich habe mich heute mit Präsident Selenskyj getroffen“, sagte Starmer": the speaker
    (named outside the quote) met the people named inside it."""
    text = doc.text
    quote = next((q for q in doc.quotes if q[0] <= t_start < q[1]), None)
    if quote is None or not (m.group("held") or m.group("phone") or m.group("video")):
        return None
    q_lo, q_hi = quote
    if not _FIRST_PERSON.search(text, q_lo, t_start):
        return None
    if find_trap(text, q_lo, q_hi, t_start, year, allow_hypothetical=True) is not None:
        return None
    status = _status(doc, view, m, t_start)
    if status is None:
        return None
    place = _place(doc, view)
    day = _meeting_day(doc, view, status, place)
    outside = _people_in(doc, view, q_hi, view.end, day, index) or _people_in(
        doc, view, view.start, q_lo, day, index
    )
    if not outside:
        return None
    speaker = outside[0][1] if outside[0][0] >= q_hi else outside[-1][1]
    inside: list[Person] = [p.person for p in view.persons if q_lo <= p.start < q_hi]
    for r in view.roles:
        if q_lo <= r.start < q_hi and day is not None:
            if any(r.end <= p.start <= r.end + 2 for p in view.persons):
                continue
            holder = index.holder(r.kind, r.affiliation, day)
            if holder is not None:
                inside.append(holder)
    people = [speaker]
    for person in inside:
        if all(person.name != q.name for q in people):
            people.append(person)
    if len(people) < 2:
        return None
    return MeetingDraft(status, day, people, place, [view])


def _meeting_day(
    doc: Document, view: SentenceView, status: MeetingStatus, place: PlaceEntry | None
) -> dt.date | None:
    if status is MeetingStatus.PLANNED:
        mentions = find_dates(doc.text, doc.published, view.start, view.end, future=True)
        days = [d for d in mentions if d.precision == "day"]
        return days[-1].date if days else None
    if view.para_date is not None:
        return view.para_date
    return undated_meeting_day(doc.published_at, place)


def _add(drafts: list[MeetingDraft], new: MeetingDraft) -> None:
    for d in drafts:
        if set(d.names) == set(new.names) and (d.date == new.date or new.date is None):
            if d.status is MeetingStatus.PLANNED and new.status is not MeetingStatus.PLANNED:
                d.status = new.status
            d.place = d.place or new.place
            for v in new.views:
                if all(v.start != w.start for w in d.views):
                    d.views.append(v)
            return
    drafts.append(new)
