"""Tests for the people data (people.json) and index (lagebild.extraction.people)."""

from __future__ import annotations

import datetime
import itertools
import time
from pathlib import Path

import pytest

from lagebild.extraction.people import ROLE_KINDS, PeopleIndex, Person, role_phrases

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "article-de-2025-04-25.txt"
D = datetime.date


@pytest.fixture(scope="module")
def idx() -> PeopleIndex:
    return PeopleIndex.default()


def test_default_is_cached(idx: PeopleIndex) -> None:
    assert PeopleIndex.default() is idx


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("Wolodymyr Selenskyj", "Volodymyr Zelensky"),
        ("Selenskyj", "Volodymyr Zelensky"),
        ("Selenski", "Volodymyr Zelensky"),
        ("Zelenskyy", "Volodymyr Zelensky"),
        ("Zelensky", "Volodymyr Zelensky"),
        ("Selenskyjs", "Volodymyr Zelensky"),
        ("Wladimir Putin", "Vladimir Putin"),
        ("Putin", "Vladimir Putin"),
        ("Putins", "Vladimir Putin"),
        ("Donald Trump", "Donald Trump"),
        ("Trump", "Donald Trump"),
        ("Trumps", "Donald Trump"),
        ("Jonas Gahr Støre", "Jonas Gahr Støre"),
        ("Jonas Gahr Store", "Jonas Gahr Støre"),
        ("Jonas Gahr Stoere", "Jonas Gahr Støre"),
        ("Mark Rutte", "Mark Rutte"),
        ("Rutte", "Mark Rutte"),
        ("Pete Hegseth", "Pete Hegseth"),
        ("Hegseth", "Pete Hegseth"),
        ("Erdogan", "Recep Tayyip Erdoğan"),
        ("Erdoğan", "Recep Tayyip Erdoğan"),
        ("Lawrow", "Sergei Lavrov"),
        ("Peskow", "Dmitry Peskov"),
        ("Uschakow", "Yuri Ushakov"),
        ("Dmitrijew", "Kirill Dmitriev"),
        ("Schoigu", "Sergei Shoigu"),
        ("Beloussow", "Andrei Belousov"),
        ("Jermak", "Andriy Yermak"),
        ("Umerow", "Rustem Umerov"),
        ("Sybiha", "Andrii Sybiha"),
        ("Kuleba", "Dmytro Kuleba"),
        ("Schmyhal", "Denys Shmyhal"),
        ("Swyrydenko", "Yulia Svyrydenko"),
        ("Rubio", "Marco Rubio"),
        ("Blinken", "Antony Blinken"),
        ("Lloyd Austin", "Lloyd Austin"),
        ("JD Vance", "JD Vance"),
        ("Kamala Harris", "Kamala Harris"),
        ("Biden", "Joe Biden"),
        ("Merz", "Friedrich Merz"),
        ("Scholz", "Olaf Scholz"),
        ("Baerbock", "Annalena Baerbock"),
        ("Wadephul", "Johann Wadephul"),
        ("Pistorius", "Boris Pistorius"),
        ("Macron", "Emmanuel Macron"),
        ("Starmer", "Keir Starmer"),
        ("Sunak", "Rishi Sunak"),
        ("Meloni", "Giorgia Meloni"),
        ("Tusk", "Donald Tusk"),
        ("Andrzej Duda", "Andrzej Duda"),
        ("Nawrocki", "Karol Nawrocki"),
        ("Fidan", "Hakan Fidan"),
        ("Xi Jinping", "Xi Jinping"),
        ("Xi", "Xi Jinping"),
        ("Kim Jong Un", "Kim Jong Un"),
        ("Kim Jong-un", "Kim Jong Un"),
        ("Lukaschenko", "Alexander Lukashenko"),
        ("Orbán", "Viktor Orbán"),
        ("Orban", "Viktor Orbán"),
        ("Schoof", "Dick Schoof"),
        ("Carney", "Mark Carney"),
        ("Trudeau", "Justin Trudeau"),
        ("Stubb", "Alexander Stubb"),
        ("Kristersson", "Ulf Kristersson"),
        ("Mette Frederiksen", "Mette Frederiksen"),
        ("Mohammed bin Salman", "Mohammed bin Salman"),
        ("Stoltenberg", "Jens Stoltenberg"),
        ("von der Leyen", "Ursula von der Leyen"),
        ("António Costa", "António Costa"),
        ("Charles Michel", "Charles Michel"),
        ("Kallas", "Kaja Kallas"),
        ("Borrell", "Josep Borrell"),
        ("Guterres", "António Guterres"),
        ("Papst Franziskus", "Pope Francis"),
        ("Papst Leo XIV.", "Pope Leo XIV"),
        ("Witkoff", "Steve Witkoff"),
        ("Kellogg", "Keith Kellogg"),
    ],
)
def test_alias(idx: PeopleIndex, alias: str, name: str) -> None:
    person = idx.lookup(alias)
    assert person is not None, alias
    assert person.name == name
    matches = idx.find(f"Das sagte {alias} am Freitag.")
    assert [(m.surface, m.person.name) for m in matches] == [(alias, name)]


@pytest.mark.parametrize(
    "word",
    [
        "Kim",
        "Costa",
        "Austin",
        "Harris",
        "Vance",
        "Michel",
        "Duda",
        "Store",
        "Stoere",
        "Frederiksen",
    ],
)
def test_ambiguous_surnames_alone_do_not_match(idx: PeopleIndex, word: str) -> None:
    assert idx.lookup(word) is None
    assert idx.find(f"Gestern kam {word} nach Hause.") == []


def test_surname_with_role_word(idx: PeopleIndex) -> None:
    m = idx.find("Vizepräsident Vance traf Präsident Duda.")
    assert [x.person.name for x in m] == ["JD Vance", "Andrzej Duda"]


@pytest.mark.parametrize(
    ("name", "day", "title"),
    [
        ("Donald Trump", D(2025, 4, 24), "US President"),
        ("Donald Trump", D(2024, 4, 24), None),
        ("Joe Biden", D(2024, 4, 24), "US President"),
        ("Joe Biden", D(2025, 1, 20), None),
        ("Donald Trump", D(2025, 1, 20), "US President"),
        ("Mark Rutte", D(2024, 10, 1), "NATO Secretary General"),
        ("Mark Rutte", D(2024, 3, 1), "Prime Minister of the Netherlands"),
        ("Mark Rutte", D(2024, 8, 1), None),
        ("Jens Stoltenberg", D(2024, 9, 30), "NATO Secretary General"),
        ("Pete Hegseth", D(2025, 1, 25), "US Secretary of Defense"),
        ("Pete Hegseth", D(2025, 1, 24), None),
        ("Friedrich Merz", D(2025, 5, 6), "Chancellor of Germany"),
        ("Olaf Scholz", D(2025, 5, 5), "Chancellor of Germany"),
        ("Jonas Gahr Støre", D(2025, 4, 24), "Prime Minister of Norway"),
        ("Volodymyr Zelensky", D(2025, 4, 25), "President of Ukraine"),
        ("Vladimir Putin", D(2025, 4, 25), "President of Russia"),
        ("Marco Rubio", D(2025, 6, 1), "US Secretary of State"),
        ("Recep Tayyip Erdoğan", D(2025, 1, 1), "President of Turkey"),
    ],
)
def test_role_on(idx: PeopleIndex, name: str, day: datetime.date, title: str | None) -> None:
    person = idx.lookup(name)
    assert person is not None
    role = person.role_on(day)
    assert (role.title if role else None) == title


@pytest.mark.parametrize(
    ("kind", "aff", "day", "name"),
    [
        ("head_of_government", "NO", D(2025, 4, 24), "Jonas Gahr Støre"),
        ("head_of_state", "US", D(2025, 4, 24), "Donald Trump"),
        ("head_of_state", "US", D(2023, 4, 24), "Joe Biden"),
        ("defence_minister", "US", D(2025, 4, 24), "Pete Hegseth"),
        ("defence_minister", "US", D(2024, 4, 24), "Lloyd Austin"),
        ("foreign_minister", "US", D(2025, 4, 24), "Marco Rubio"),
        ("org_leader", "NATO", D(2025, 4, 24), "Mark Rutte"),
        ("org_leader", "NATO", D(2023, 4, 24), "Jens Stoltenberg"),
        ("head_of_government", "DE", D(2025, 4, 24), "Olaf Scholz"),
        ("head_of_government", "DE", D(2025, 6, 1), "Friedrich Merz"),
        ("head_of_state", "UA", D(2025, 4, 24), "Volodymyr Zelensky"),
        ("head_of_state", "RU", D(2025, 4, 24), "Vladimir Putin"),
        ("foreign_minister", "RU", D(2025, 4, 24), "Sergei Lavrov"),
        ("defence_minister", "RU", D(2023, 4, 24), "Sergei Shoigu"),
        ("defence_minister", "RU", D(2025, 4, 24), "Andrei Belousov"),
        ("foreign_minister", "UA", D(2024, 1, 1), "Dmytro Kuleba"),
        ("foreign_minister", "UA", D(2025, 1, 1), "Andrii Sybiha"),
        ("head_of_government", "UA", D(2025, 1, 1), "Denys Shmyhal"),
        ("head_of_government", "UA", D(2025, 8, 1), "Yulia Svyrydenko"),
        ("head_of_state", "VA", D(2025, 4, 1), "Pope Francis"),
        ("head_of_state", "VA", D(2025, 6, 1), "Pope Leo XIV"),
        ("head_of_state", "PL", D(2025, 9, 1), "Karol Nawrocki"),
        ("head_of_government", "GB", D(2025, 4, 24), "Keir Starmer"),
        ("head_of_government", "EU", D(2025, 4, 24), "Ursula von der Leyen"),
        ("head_of_state", "EU", D(2025, 4, 24), "António Costa"),
        ("foreign_minister", "EU", D(2025, 4, 24), "Kaja Kallas"),
        ("org_leader", "UN", D(2025, 4, 24), "António Guterres"),
    ],
)
def test_holder(idx: PeopleIndex, kind: str, aff: str, day: datetime.date, name: str) -> None:
    person = idx.holder(kind, aff, day)
    assert person is not None and person.name == name


def test_holder_none(idx: PeopleIndex) -> None:
    assert idx.holder("head_of_state", "XX", D(2025, 1, 1)) is None


def test_data_well_formed(idx: PeopleIndex) -> None:
    assert len(idx.people) > 100
    for p in idx.people:
        assert isinstance(p, Person) and p.roles, p.name
        for r in p.roles:
            assert r.kind in ROLE_KINDS, (p.name, r.kind)
            assert r.end is None or r.start < r.end, p.name
            assert r.title and r.title_de and r.affiliation
    # no two people hold the same office at the same time (envoys/other excepted)
    offices: dict[tuple[str, str], list[tuple[datetime.date, datetime.date, str]]] = {}
    for p in idx.people:
        for r in p.roles:
            if r.kind in ("envoy", "other"):
                continue
            end = r.end or D(9999, 1, 1)
            offices.setdefault((r.kind, r.affiliation), []).append((r.start, end, p.name))
    for key, spans in offices.items():
        spans.sort()
        for a, b in itertools.pairwise(spans):
            assert a[1] <= b[0], (key, a, b)


def test_fixture_people_and_roles(idx: PeopleIndex) -> None:
    text = FIXTURE.read_text("utf-8")
    matches = idx.find(text)
    for m in matches:
        assert text[m.start : m.end] == m.surface
    names = {m.person.name for m in matches}
    assert {
        "Donald Trump",
        "Jonas Gahr Støre",
        "Volodymyr Zelensky",
        "Vladimir Putin",
        "Mark Rutte",
        "Pete Hegseth",
    } <= names
    roles = {(r.surface, r.kind, r.affiliation) for r in idx.find_roles(text)}
    assert ("US-Präsident", "head_of_state", "US") in roles
    assert ("norwegischen Ministerpräsidenten", "head_of_government", "NO") in roles
    assert ("ukrainische Präsident", "head_of_state", "UA") in roles
    assert ("russischen Präsidenten", "head_of_state", "RU") in roles
    assert ("NATO-Generalsekretär", "org_leader", "NATO") in roles
    assert ("US-Verteidigungsminister", "defence_minister", "US") in roles
    for r in idx.find_roles(text):
        assert text[r.start : r.end] == r.surface


@pytest.mark.parametrize(
    ("text", "surface", "kind", "aff"),
    [
        (
            "der norwegische Ministerpräsident sagte",
            "norwegische Ministerpräsident",
            "head_of_government",
            "NO",
        ),
        ("the Ukrainian president said", "Ukrainian president", "head_of_state", "UA"),
        ("US Secretary of State Marco Rubio", "US Secretary of State", "foreign_minister", "US"),
        ("Prime Minister of Norway", "Prime Minister of Norway", "head_of_government", "NO"),
        ("Russia's foreign minister", "Russia's foreign minister", "foreign_minister", "RU"),
        ("Bundeskanzler Merz", "Bundeskanzler", "head_of_government", "DE"),
        ("der Kremlchef", "Kremlchef", "head_of_state", "RU"),
        ("UN Secretary-General", "UN Secretary-General", "org_leader", "UN"),
        ("EU-Kommissionspräsidentin", "EU-Kommissionspräsidentin", "head_of_government", "EU"),
        ("US-Sondergesandte Witkoff", "US-Sondergesandte", "envoy", "US"),
        ("Frankreichs Präsident", "Frankreichs Präsident", "head_of_state", "FR"),
    ],
)
def test_find_roles(idx: PeopleIndex, text: str, surface: str, kind: str, aff: str) -> None:
    got = [(r.surface, r.kind, r.affiliation) for r in idx.find_roles(text)]
    assert (surface, kind, aff) in got


def test_role_phrases_table() -> None:
    table = role_phrases()
    assert table["NATO-Generalsekretär"] == ("org_leader", "NATO")
    assert table["US-Verteidigungsminister"] == ("defence_minister", "US")
    assert all(k in ROLE_KINDS for k, _ in table.values())


def test_find_speed(idx: PeopleIndex) -> None:
    text = FIXTURE.read_text("utf-8")[:3000]
    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        idx.find(text)
        idx.find_roles(text)
    assert (time.perf_counter() - t0) / n < 0.01
