"""Extraction quality on a labelled corpus: precision, recall and F1 per event type, and
exact-match rates per field (``lagebild eval``).

Corpus: ``*.jsonl`` files in one directory (``tests/corpus``), one case per line::

    {"id": "de-004", "text": "...", "published_at": "2025-06-12T08:00:00+02:00",
     "language": "de",            # optional: without it the engine detects the language
     "expected_language": "fr",   # optional: the true language when it is not the file's
     "expected": [{"type": "attack", ...}, ...], "must_not": "why nothing is expected"}

The true language of a case is ``language``, else ``expected_language``, else the file name
(``de.jsonl``, ``de-heldout.jsonl`` → de). Files whose name contains ``heldout`` form the
held-out split: cases written after the rules were tuned on the others and never used to tune
them, so their scores estimate quality on unseen text; the table reports both splits.

Expected events name the fields a careful human coder would write (see ``tests/corpus``):

* attack: ``date``, ``weapon_class``, ``attacker``, ``target_country``, ``regions`` and
  ``places`` (sets of ISO 3166-2 codes and canonical names), ``launched``, ``shot_down``,
  ``diverted``, ``hit`` (``null`` or ``{"value", "qualifier"[, "low", "high"]}``);
  ``outcome`` and ``reported_by`` are graded only where given;
* casualties: ``date``, ``place``, ``region``, ``killed``, ``injured``, ``is_update``,
  ``is_running_total``; ``children_killed``, ``children_injured`` and ``caused_by`` (the index
  of the expected attack in the same case) only where given;
* meeting: ``date``, ``participants`` (canonical names), ``status``, ``place``.

Matching, per case and event type: a predicted and an expected event may pair when their key
fields are compatible (attack: the same or a compatible weapon class; casualties: the same
place or region, or the same killed/injured value; meeting: a shared participant); pairs are
taken greedily, most agreeing fields first. Paired events are true positives, unpaired
predictions false positives, unpaired expectations false negatives. Field exact-match rates
are computed over the pairs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lagebild.extraction import extract_with_info
from lagebild.extraction.weapons import is_compatible
from lagebild.models.article import Article
from lagebild.models.events import (
    AttackEvent,
    CasualtiesEvent,
    Figure,
    MeetingEvent,
    WeaponClass,
)

__all__ = ["CaseResult", "Report", "evaluate", "load_corpus", "render_markdown"]

AnyEvent = AttackEvent | CasualtiesEvent | MeetingEvent
TYPES = ("attack", "casualties", "meeting")
FIELDS: dict[str, tuple[str, ...]] = {
    "attack": ("date", "weapon_class", "attacker", "target_country", "regions", "places",
               "launched", "shot_down", "diverted", "hit", "outcome", "reported_by"),
    "casualties": ("date", "place", "region", "killed", "injured", "children_killed",
                   "children_injured", "is_update", "is_running_total", "caused_by"),
    "meeting": ("date", "participants", "status", "place"),
}  # fmt: skip
# Graded only when the expected event names them.
OPTIONAL = frozenset({"outcome", "reported_by", "children_killed", "children_injured", "caused_by"})
FIGURES = frozenset(
    {"launched", "shot_down", "diverted", "hit", "killed", "injured", "children_killed",
     "children_injured"}
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    language: str | None  # as given to the engine
    true_language: str
    published_at: dt.datetime
    text: str
    expected: list[dict[str, Any]]
    must_not: str | None
    tags: tuple[str, ...]
    split: str = "dev"  # "dev" or "heldout"

    def article(self) -> Article:
        return Article(
            id=self.id,
            text=self.text,
            published_at=self.published_at,
            language=self.language,
            source="corpus",
        )


def load_corpus(directory: Path) -> list[Case]:
    cases: list[Case] = []
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no *.jsonl corpus files in {directory}")
    for path in files:
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            try:
                language = row.get("language")
                cases.append(
                    Case(
                        id=row["id"],
                        file=path.name,
                        language=language,
                        true_language=language
                        or row.get("expected_language")
                        or path.stem.split("-")[0],
                        published_at=dt.datetime.fromisoformat(row["published_at"]),
                        text=row["text"],
                        expected=list(row["expected"]),
                        must_not=row.get("must_not"),
                        tags=tuple(row.get("tags", ())),
                        split="heldout" if "heldout" in path.stem else "dev",
                    )
                )
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
    return cases


# ---------------------------------------------------------------------------- field values


def _figure(fig: Figure | None, expected: Any) -> Any:
    if fig is None:
        return None
    out: dict[str, Any] = {"value": fig.value, "qualifier": fig.qualifier.value}
    if isinstance(expected, dict) and "low" in expected:
        out["low"], out["high"] = fig.low, fig.high
    return out


def _predicted(event: AnyEvent, name: str, expected: Any) -> Any:
    """The value of field ``name`` of ``event`` in the corpus's notation."""
    if name in FIGURES:
        return _figure(getattr(event, name), expected)
    if name == "date":
        return event.date.isoformat() if event.date else None
    if isinstance(event, AttackEvent):
        if name == "places":
            return sorted({p.name for p in event.places})
        if name == "regions":
            return sorted(set(event.regions))
        if name == "weapon_class":
            return event.weapon_class.value
    if isinstance(event, CasualtiesEvent | MeetingEvent) and name == "place":
        return event.place.name if event.place else None
    if isinstance(event, MeetingEvent):
        if name == "participants":
            return sorted(p.name for p in event.participants)
        if name == "status":
            return event.status.value
    return getattr(event, name)


def _normal(name: str, value: Any) -> Any:
    if name in {"places", "regions", "participants"}:
        return sorted(set(value or []))
    if name in FIGURES and isinstance(value, dict):
        return {k: value.get(k) for k in ("value", "qualifier", "low", "high") if k in value}
    return value


def _graded(exp: dict[str, Any]) -> list[str]:
    return [f for f in FIELDS[exp["type"]] if f != "caused_by" and (f not in OPTIONAL or f in exp)]


def _agree(pred: AnyEvent, exp: dict[str, Any], name: str) -> bool:
    want = _normal(name, exp.get(name))
    got = _normal(name, _predicted(pred, name, exp.get(name)))
    return bool(got == want)


def _compatible(pred: AnyEvent, exp: dict[str, Any]) -> bool:
    if isinstance(pred, AttackEvent):
        want = WeaponClass(exp["weapon_class"])
        return is_compatible(want, pred.weapon_class) or is_compatible(pred.weapon_class, want)
    if isinstance(pred, CasualtiesEvent):
        place = pred.place.name if pred.place else None
        if exp.get("place") and place == exp["place"]:
            return True
        if exp.get("region") and pred.region == exp["region"]:
            return True
        for kind in ("killed", "injured"):
            fig, figure = getattr(pred, kind), exp.get(kind)
            if fig is not None and figure is not None and fig.value == figure["value"]:
                return True
        return not exp.get("place") and not exp.get("region") and place is None
    return bool({p.name for p in pred.participants} & set(exp["participants"]))


# ---------------------------------------------------------------------------- evaluation


@dataclass
class CaseResult:
    case: Case
    events: list[AnyEvent]
    language: str | None
    supported: bool
    pairs: list[tuple[int, int]]  # (expected index, predicted index)
    field_misses: list[str] = field(default_factory=list)

    @property
    def unmatched_expected(self) -> list[int]:
        used = {e for e, _ in self.pairs}
        return [i for i in range(len(self.case.expected)) if i not in used]

    @property
    def unmatched_predicted(self) -> list[int]:
        used = {p for _, p in self.pairs}
        return [i for i in range(len(self.events)) if i not in used]


def _match(events: Sequence[AnyEvent], expected: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    candidates: list[tuple[int, int, int]] = []
    for ei, exp in enumerate(expected):
        for pi, pred in enumerate(events):
            if pred.type != exp["type"] or not _compatible(pred, exp):
                continue
            score = sum(_agree(pred, exp, f) for f in _graded(exp))
            candidates.append((-score, ei, pi))
    candidates.sort()
    pairs: list[tuple[int, int]] = []
    used_e: set[int] = set()
    used_p: set[int] = set()
    for _, ei, pi in candidates:
        if ei in used_e or pi in used_p:
            continue
        used_e.add(ei)
        used_p.add(pi)
        pairs.append((ei, pi))
    return sorted(pairs)


def run_case(case: Case) -> CaseResult:
    info = extract_with_info(case.article())
    pairs = _match(info.events, case.expected)
    return CaseResult(case, info.events, info.language, info.supported, pairs)


@dataclass
class Counts:
    expected: int = 0
    predicted: int = 0
    matched: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    cases: list[CaseResult]
    counts: dict[tuple[str, str], Counts]  # (type or "all", language or "all")
    fields: dict[str, list[int]]  # "type.field" -> [graded, exact]
    exact_events: dict[str, list[int]]  # type -> [matched, all fields exact]
    traps: list[int]  # [trap cases, clean]
    detection: list[int]  # [cases detected, correct]
    unsupported: list[int]  # [cases in other languages, passed through without events]

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": len(self.cases),
            "by_type": {
                f"{t}/{lang}": {
                    "expected": c.expected,
                    "predicted": c.predicted,
                    "matched": c.matched,
                    "precision": round(c.precision, 3),
                    "recall": round(c.recall, 3),
                    "f1": round(c.f1, 3),
                }
                for (t, lang), c in sorted(self.counts.items())
            },
            "fields": {
                name: {"graded": n, "exact": ok, "rate": round(ok / n, 3) if n else None}
                for name, (n, ok) in sorted(self.fields.items())
            },
            "all_fields_exact": {
                t: {"matched": n, "exact": ok} for t, (n, ok) in self.exact_events.items()
            },
            "trap_cases": {"cases": self.traps[0], "clean": self.traps[1]},
            "language_detection": {"cases": self.detection[0], "correct": self.detection[1]},
            "unsupported_language": {"cases": self.unsupported[0], "passed": self.unsupported[1]},
            "failures": [_failure(r) for r in self.cases if _failure(r)["problems"]],
        }


def _caused_by_ok(result: CaseResult, exp: dict[str, Any], pred: AnyEvent) -> bool:
    assert isinstance(pred, CasualtiesEvent)
    target = exp["caused_by"]
    if target is None:
        return pred.caused_by is None
    for ei, pi in result.pairs:
        if ei == target:
            return pred.caused_by == result.events[pi].incident_key
    return False


def evaluate(cases: Iterable[Case]) -> Report:
    results = [run_case(c) for c in cases]
    counts: dict[tuple[str, str], Counts] = defaultdict(Counts)
    fields: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    exact_events: dict[str, list[int]] = {t: [0, 0] for t in TYPES}
    traps, detection, unsupported = [0, 0], [0, 0], [0, 0]
    for r in results:
        lang = r.case.true_language if r.case.true_language in {"de", "en"} else "other"
        groups = ("all", lang, r.case.split)

        def keys(kind: str, groups: tuple[str, ...] = groups) -> list[tuple[str, str]]:
            return [(t, g) for t in (kind, "all") for g in groups]

        for exp in r.case.expected:
            for key in keys(exp["type"]):
                counts[key].expected += 1
        for ev in r.events:
            for key in keys(ev.type):
                counts[key].predicted += 1
        for ei, pi in r.pairs:
            exp, pred = r.case.expected[ei], r.events[pi]
            for key in keys(exp["type"]):
                counts[key].matched += 1
            all_ok = True
            for name in _graded(exp) + (["caused_by"] if "caused_by" in exp else []):
                ok = _caused_by_ok(r, exp, pred) if name == "caused_by" else _agree(pred, exp, name)
                slot = fields[f"{exp['type']}.{name}"]
                slot[0] += 1
                slot[1] += ok
                if not ok:
                    all_ok = False
                    r.field_misses.append(f"{r.case.expected.index(exp)}.{name}")
            exact_events[exp["type"]][0] += 1
            exact_events[exp["type"]][1] += all_ok
        if r.case.must_not and not r.case.expected:
            traps[0] += 1
            traps[1] += not r.events
        if r.case.language is None:
            detection[0] += 1
            detection[1] += r.language == r.case.true_language
        if lang == "other":
            unsupported[0] += 1
            unsupported[1] += not r.supported and not r.events
    return Report(results, dict(counts), dict(fields), exact_events, traps, detection, unsupported)


# ---------------------------------------------------------------------------- rendering


def _failure(r: CaseResult) -> dict[str, Any]:
    problems: list[str] = []
    for i in r.unmatched_expected:
        problems.append(f"missed expected[{i}] {r.case.expected[i]['type']}")
    for i in r.unmatched_predicted:
        ev = r.events[i]
        problems.append(f"extra {ev.type}: {_describe(ev)}")
    for ei, pi in r.pairs:
        exp, pred = r.case.expected[ei], r.events[pi]
        for miss in r.field_misses:
            idx, name = miss.split(".", 1)
            if int(idx) != ei:
                continue
            got = (
                pred.caused_by
                if name == "caused_by" and isinstance(pred, CasualtiesEvent)
                else _predicted(pred, name, exp.get(name))
            )
            problems.append(f"expected[{ei}].{name}: want {exp.get(name)!r}, got {got!r}")
    return {"id": r.case.id, "problems": problems}


def _describe(ev: AnyEvent) -> str:
    skip = {"evidence", "event_id", "article_id", "published_at", "schema_version",
            "extractor_version"}  # fmt: skip
    data = ev.model_dump(mode="json", exclude=skip, exclude_none=True)
    return json.dumps(data, ensure_ascii=False)[:300]


def render_markdown(report: Report) -> str:
    langs = ["all", "de", "en", "dev", "heldout"]
    lines = [
        f"Corpus: {len(report.cases)} cases, "
        f"{report.counts.get(('all', 'all'), Counts()).expected} expected events.",
        "",
        "| event type | cases | expected | predicted | matched | precision | recall | F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t in (*TYPES, "all"):
        for lang in langs:
            c = report.counts.get((t, lang))
            if c is None:
                continue
            lines.append(
                f"| {t} | {lang} | {c.expected} | {c.predicted} | {c.matched} | "
                f"{c.precision:.2f} | {c.recall:.2f} | {c.f1:.2f} |"
            )
    lines += ["", "| field (on matched events) | graded | exact | rate |", "|---|---:|---:|---:|"]
    for t in TYPES:
        for name in FIELDS[t]:
            n, ok = report.fields.get(f"{t}.{name}", [0, 0])
            if n:
                lines.append(f"| {t}.{name} | {n} | {ok} | {ok / n:.2f} |")
        n, ok = report.exact_events[t]
        if n:
            lines.append(f"| {t}: all fields | {n} | {ok} | {ok / n:.2f} |")
    lines += [
        "",
        f"Trap cases without any event: {report.traps[1]}/{report.traps[0]}. "
        f"Language detected correctly: {report.detection[1]}/{report.detection[0]} "
        f"(cases without a stated language). Other languages passed through without events: "
        f"{report.unsupported[1]}/{report.unsupported[0]}.",
    ]
    return "\n".join(lines)


def render_failures(report: Report) -> str:
    out: list[str] = []
    for r in report.cases:
        f = _failure(r)
        if f["problems"]:
            out.append(f"{f['id']}:")
            out.extend(f"  - {p}" for p in f["problems"])
    return "\n".join(out)
