from __future__ import annotations

import pytest

from lagebild.extraction.sentences import split_paragraphs, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Er traf z.B. Dr. Müller am 24. April in Kiew. Dann reiste er ab.",
            ["Er traf z.B. Dr. Müller am 24. April in Kiew.", "Dann reiste er ab."],
        ),
        (
            "Das ist bzw. war so. Nr. 5 kam nicht.",
            ["Das ist bzw. war so.", "Nr. 5 kam nicht."],
        ),
        (
            '"Wladimir, STOPP!", schrieb Trump. Die Angriffe seien nicht notwendig.',
            ['"Wladimir, STOPP!", schrieb Trump.', "Die Angriffe seien nicht notwendig."],
        ),
        (
            'Er sagte: "Wir wollen Frieden." Dann ging er.',
            ['Er sagte: "Wir wollen Frieden."', "Dann ging er."],
        ),
        (
            "The U.S. Army said so. J. D. Vance met him on Apr. 3 in Paris. Then he left.",
            ["The U.S. Army said so.", "J. D. Vance met him on Apr. 3 in Paris.", "Then he left."],
        ),
        (
            '"Stop!" he said. "Go." Mr. Smith left at 5 p.m. today.',
            ['"Stop!" he said.', '"Go."', "Mr. Smith left at 5 p.m. today."],
        ),
        (
            "Er schrieb im Onlinedienst X. Das Treffen diente der Vorbereitung.",
            ["Er schrieb im Onlinedienst X.", "Das Treffen diente der Vorbereitung."],
        ),
        ("Where is it? Nobody knows!", ["Where is it?", "Nobody knows!"]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences(text)] == expected


def test_offsets_and_paragraphs() -> None:
    text = "  Erster Satz. Zweiter Satz.\n\nDritter Satz.\n \nVierter.  "
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Erster Satz.",
        "Zweiter Satz.",
        "Dritter Satz.",
        "Vierter.",
    ]
    assert [s.paragraph for s in sentences] == [0, 0, 1, 2]
    for s in sentences:
        assert text[s.start : s.end] == s.text
    assert len(split_paragraphs(text)) == 3


def test_never_crosses_a_paragraph() -> None:
    text = "Ohne Punkt am Ende\n\nneuer Absatz."
    assert [s.text for s in split_sentences(text)] == ["Ohne Punkt am Ende", "neuer Absatz."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Long words end sentences at once; short ones still go through the abbreviation checks.
        ("Sie wurden abgeschossen. Danach Ruhe.", ["Sie wurden abgeschossen.", "Danach Ruhe."]),
        ("Das sind approx. Die Zahlen.", ["Das sind approx. Die Zahlen."]),
        ("Siehe Nr. 5 und Abschnitt. Dann.", ["Siehe Nr. 5 und Abschnitt.", "Dann."]),
        ("Am 24. April kam es. Ende.", ["Am 24. April kam es.", "Ende."]),
        ("Er traf Prof. Müller. Gut.", ["Er traf Prof. Müller.", "Gut."]),
        # An abbreviation at the very start of a short text (no 7 characters before the dot).
        ("Dr. X", ["Dr. X"]),
    ],
)
def test_abbreviations_next_to_long_words(text: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences(text)] == expected
