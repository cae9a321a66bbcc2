"""The labelled corpus (tests/corpus): quality floors the engine reaches with a margin.

``lagebild eval`` prints the full table; this test only guards against regressions. The floors
are the measured scores minus about 0.05 (see README, "Extraction quality"), never a target
to tune the corpus to. The seed article must still come out exactly (its own tests live in
test_extraction_seed.py; the counters are checked here once more through the same helpers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lagebild.evaluation import Report, evaluate, load_corpus, render_markdown
from lagebild.extraction import extract
from tests.unit.extraction_helpers import counters
from tests.unit.test_extraction_seed import GOLD, PUBLISHED, _article

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# (event type, case group) -> minimum F1
F1_FLOORS = {
    ("attack", "all"): 0.93,
    ("casualties", "all"): 0.95,
    ("meeting", "all"): 0.90,
    ("all", "de"): 0.93,
    ("all", "en"): 0.93,
    ("all", "heldout"): 0.85,
}
FIELD_FLOORS = {
    "attack.date": 0.93,
    "attack.weapon_class": 0.95,
    "attack.regions": 0.88,
    "attack.launched": 0.92,
    "attack.shot_down": 0.92,
    "casualties.killed": 0.95,
    "casualties.injured": 0.95,
    "casualties.place": 0.92,
    "casualties.is_update": 0.95,
    "meeting.participants": 0.93,
    "meeting.status": 0.93,
    "meeting.date": 0.92,
}


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(load_corpus(CORPUS))


def test_corpus_size() -> None:
    cases = load_corpus(CORPUS)
    de = [c for c in cases if c.true_language == "de"]
    en = [c for c in cases if c.true_language == "en"]
    assert len(de) >= 80 and len(en) >= 40
    assert sum(1 for c in cases if c.must_not and not c.expected) >= 30  # traps
    assert sum(1 for c in cases if c.language is None) >= 10  # language detection


@pytest.mark.parametrize(("key", "floor"), list(F1_FLOORS.items()), ids=str)
def test_f1_floor(report: Report, key: tuple[str, str], floor: float) -> None:
    assert report.counts[key].f1 >= floor, render_markdown(report)


@pytest.mark.parametrize(("name", "floor"), list(FIELD_FLOORS.items()))
def test_field_floor(report: Report, name: str, floor: float) -> None:
    graded, exact = report.fields[name]
    assert exact / graded >= floor, render_markdown(report)


def test_traps_languages_and_unsupported(report: Report) -> None:
    cases, clean = report.traps
    assert clean >= cases - 3
    assert report.detection[1] == report.detection[0]
    assert report.unsupported[1] == report.unsupported[0]


def test_seed_article_still_exact() -> None:
    events = extract(_article(PUBLISHED[0]))
    assert len(events) == len(GOLD["events"])
    expected = {
        k: v for k, v in GOLD["expected_counters_after_this_article"].items() if isinstance(v, int)
    }
    got = counters(events)
    assert {k: got[k] for k in expected} == expected
