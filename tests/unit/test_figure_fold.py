"""The figure fold gives exactly the figures of the direct computation over all reports, in any
insertion order and with any repetition (hypothesis, against a reference kept here)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild.aggregation import MemoryStore, apply_event
from lagebild.aggregation.incidents import FIGURES, FigureFold, FigureRange
from lagebild.models import CasualtiesEvent, Evidence, Figure

# Few distinct times and small values, so ties on published_at and on values are common.
TIMES = [f"2025-04-25T{h:02d}:00:00+00:00" for h in range(4)]


class Reported:
    """A report as the reference sees it: one event's figures."""

    def __init__(self, event_id: str, published_at: str, is_update: bool, figures: dict[str, int]):
        self.event_id = event_id
        self.published_at = published_at
        self.is_update = is_update
        self.figures = figures


def reference_ranges(reports: list[Reported]) -> dict[str, FigureRange]:
    """The figures as ``Incident.figure_ranges`` computed them from every stored report."""
    ranges: dict[str, FigureRange] = {}
    ordered = sorted(reports, key=lambda r: (r.published_at, r.event_id))
    for name in FIGURES:
        reported = [r for r in ordered if name in r.figures]
        if not reported:
            continue
        values = [r.figures[name] for r in reported]
        updates = [r for r in reported if r.is_update]
        if updates:
            base = updates[-1]
            later = [r.figures[name] for r in reported if r.published_at > base.published_at]
            best = max([base.figures[name], *later])
        else:
            best = max(values)
        ranges[name] = FigureRange(best=best, low=min(values), high=max(values))
    return ranges


@st.composite
def report_sets(draw: st.DrawFn) -> tuple[list[Reported], list[int]]:
    """Distinct reports (unique event ids) and an insertion order that may repeat them."""
    count = draw(st.integers(min_value=1, max_value=12))
    reports = [
        Reported(
            event_id=f"e{n:02d}",
            published_at=draw(st.sampled_from(TIMES)),
            is_update=draw(st.booleans()),
            figures=draw(
                st.dictionaries(
                    st.sampled_from(("killed", "injured")),
                    st.integers(min_value=0, max_value=6),
                    min_size=1,
                )
            ),
        )
        for n in range(count)
    ]
    order = draw(st.permutations(range(count)))
    repeats = draw(st.lists(st.integers(min_value=0, max_value=count - 1), max_size=8))
    positions = draw(st.lists(st.integers(min_value=0, max_value=count), min_size=len(repeats)))
    sequence = list(order)
    for item, at in zip(repeats, positions, strict=False):
        sequence.insert(at, item)  # a duplicate, anywhere (also before the first delivery)
    return reports, sequence


def _fold(reports: list[Reported], sequence: list[int], name: str) -> FigureFold | None:
    fold: FigureFold | None = None
    for i in sequence:
        r = reports[i]
        if name not in r.figures:
            continue
        args = (r.published_at, r.event_id, r.figures[name], r.is_update)
        fold = fold.add(*args) if fold is not None else FigureFold.of(*args)
    return fold


@settings(max_examples=300, deadline=None, database=None)
@given(report_sets())
def test_the_fold_equals_the_direct_computation(case: tuple[list[Reported], list[int]]) -> None:
    reports, sequence = case
    expected = reference_ranges(reports)
    for name in ("killed", "injured"):
        fold = _fold(reports, sequence, name)
        assert (fold.range() if fold else None) == expected.get(name)
        assert fold == _fold(reports, list(range(len(reports))), name)  # a function of the set
        if fold is not None:  # the staircase invariant: times rising, values falling
            times = [t for t, _ in fold.later]
            values = [v for _, v in fold.later]
            assert times == sorted(set(times))
            assert values == sorted(set(values), reverse=True)
            assert fold.base is None or all(t > fold.base[0] for t in times)


def _event(report: Reported) -> CasualtiesEvent:
    figures = {name: Figure(value=value) for name, value in report.figures.items()}
    return CasualtiesEvent(
        event_id=report.event_id,
        incident_key="casualties|Pavlohrad",
        article_id=f"article-{report.event_id}",
        published_at=dt.datetime.fromisoformat(report.published_at),
        date=dt.date(2025, 4, 25),
        extractor_version="test",
        evidence=[
            Evidence(article_id="a", sentence="s", start=0, end=1, confidence=0.9),
        ],
        region="UA-12",
        is_update=report.is_update,
        **figures,
    )


@settings(max_examples=100, deadline=None, database=None)
@given(report_sets())
def test_merged_incidents_have_the_figures_of_all_their_reports(
    case: tuple[list[Reported], list[int]],
) -> None:
    reports, sequence = case
    store = MemoryStore()
    results = [apply_event(store, _event(reports[i]), partition=0).result for i in sequence]
    (incident,) = store.incidents.values()
    assert incident.figure_ranges() == reference_ranges(reports)
    assert incident.report_count == len(reports)
    assert results.count("duplicate") == len(sequence) - len(reports)
    # The stored fold itself, not only its figures, is the same in every order.
    plain = MemoryStore()
    for report in reports:
        apply_event(plain, _event(report), partition=0)
    (other,) = plain.incidents.values()
    assert incident.folds == other.folds
