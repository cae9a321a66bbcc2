from __future__ import annotations

import pytest

from lagebild.extraction.numbers import find_numbers, parse_number_word
from lagebild.models.events import Qualifier


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("zwei", 2), ("zwölf", 12), ("einhundertdrei", 103), ("Acht", 8),
        ("two", 2), ("twelve", 12), ("a hundred", 100), ("twenty-five", 25),
        ("one hundred and three", 103), ("1.200", 1200), ("1,200", 1200),
        ("Dutzende", 24), ("dozens", 24), ("Hunderte", 200), ("hundreds", 200),
        ("und", None), ("ein", None),
    ],
)  # fmt: skip
def test_parse_number_word(word: str, value: int | None) -> None:
    assert parse_number_word(word) == value


@pytest.mark.parametrize(
    ("text", "value", "qualifier", "low", "high"),
    [
        ("mit 103 Drohnen angegriffen", 103, Qualifier.EXACT, None, None),
        ("mindestens zwölf Menschen", 12, Qualifier.AT_LEAST, None, None),
        ("at least three people", 3, Qualifier.AT_LEAST, None, None),
        ("mehr als 1.500 Soldaten", 1500, Qualifier.MORE_THAN, None, None),
        ("more than 12,000 civilians", 12000, Qualifier.MORE_THAN, None, None),
        ("über 40 Raketen", 40, Qualifier.MORE_THAN, None, None),
        ("rund 300 Drohnen", 300, Qualifier.ABOUT, None, None),
        ("etwa 50 Menschen", 50, Qualifier.ABOUT, None, None),
        ("some 40 drones", 40, Qualifier.ABOUT, None, None),
        ("bis zu 2000 Drohnen", 2000, Qualifier.UP_TO, None, None),
        ("up to twenty drones", 20, Qualifier.UP_TO, None, None),
        ("Dutzende Verletzte", 24, Qualifier.WORD_QUANTITY, None, None),
        ("dozens of people", 24, Qualifier.WORD_QUANTITY, None, None),
        ("zwischen 10 und 15 Toten", 10, Qualifier.AT_LEAST, 10, 15),
        ("10 bis 15 Tote", 10, Qualifier.AT_LEAST, 10, 15),
        ("10-15 dead", 10, Qualifier.AT_LEAST, 10, 15),
        ("between 10 and 15 dead", 10, Qualifier.AT_LEAST, 10, 15),
    ],
)
def test_figures(
    text: str, value: int, qualifier: Qualifier, low: int | None, high: int | None
) -> None:
    found = find_numbers(text)
    assert len(found) == 1
    fig = found[0].figure
    assert (fig.value, fig.qualifier, fig.low, fig.high) == (value, qualifier, low, high)
    assert found[0].kind == "count"


def test_offsets_point_into_the_text() -> None:
    text = "Acht Menschen seien verletzt worden, mindestens zwei getötet."
    found = find_numbers(text)
    assert [text[n.num_start : n.end] for n in found] == ["Acht", "zwei"]
    assert text[found[1].start : found[1].end] == "mindestens zwei"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("am 24. April", "date"),
        ("on April 24", "date"),
        ("die bereits 2014 von Moskau annektierte", "year"),
        ("die Krim-Erklärung der USA von 2018", "year"),
    ],
)
def test_dates_and_years_are_not_counts(text: str, kind: str) -> None:
    assert find_numbers(text)[0].kind == kind


def test_no_numbers_in_plain_words() -> None:
    assert find_numbers("Und ich denke, der Achtung wegen, einheitlich.") == []
    assert find_numbers("2,5 Prozent") == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # No digit and none of the number words: the expression is skipped (nothing to find).
        ("Die Lage an der Front bleibt angespannt.", []),
        ("The claims could not be verified.", []),
        # The same spans with a number word or a digit are scanned as before.
        ("Die Lage an der Front: zwölf Angriffe.", [12]),
        ("Nur undein Satz.", [1]),  # "undein" reads as one (text2num), so it opens the gate
        ("İn Kiew ſind zwölf Drohnen", [12]),  # text with characters the copy folds
        ("Rund 40 Drohnen", [40]),
    ],
)
def test_spans_without_number_words(text: str, values: list[int]) -> None:
    assert [n.value for n in find_numbers(text)] == values
    # a sentence inside a longer text: the gate looks at the span only
    padded = "Zwei Sätze davor. " + text + " Danach 7."
    start = len("Zwei Sätze davor. ")
    inside = find_numbers(padded, start, start + len(text))
    assert [n.value for n in inside] == values
