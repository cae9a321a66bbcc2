"""People index: heads of state/government, ministers, org leaders and envoys (2022-2026).

Data: ``lagebild/data/people.json`` (hand-written; facts as of early 2026).  Each person has a
canonical name, aliases (German and English transliterations, surname-alone forms only where
unambiguous) and roles over time.  A role's ``end`` is exclusive: the successor's ``start`` is
usually the same day, and on that day the successor holds the office.

Role kinds: ``head_of_state``, ``head_of_government``, ``foreign_minister``,
``defence_minister``, ``org_leader``, ``envoy``, ``other``.  Affiliations are ISO 3166-1
alpha-2 codes or ``NATO``, ``EU``, ``UN``; the Holy See is ``VA``.  EU offices are mapped onto
the generic kinds: President of the European Commission -> ``head_of_government``/EU,
President of the European Council -> ``head_of_state``/EU, High Representative ->
``foreign_minister``/EU.

Besides names, :meth:`PeopleIndex.find_roles` finds role phrases such as "der norwegische
Ministerpräsident", "US-Verteidigungsminister", "NATO-Generalsekretär", "the Ukrainian
president", "US Secretary of State" and resolves them to ``(kind, affiliation)``; combine with
:meth:`PeopleIndex.holder` to get the office holder on a given day.
"""

from __future__ import annotations

import datetime
import functools
import importlib.resources
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lagebild.extraction.places import AliasMatcher, genitive

ROLE_KINDS: tuple[str, ...] = (
    "head_of_state",
    "head_of_government",
    "org_leader",
    "foreign_minister",
    "defence_minister",
    "envoy",
    "other",
)
# Seniority: lower is more senior (used by Person.role_on).
_SENIORITY: dict[str, int] = {kind: i for i, kind in enumerate(ROLE_KINDS)}


@dataclass(frozen=True, slots=True)
class Role:
    title: str
    title_de: str
    affiliation: str
    kind: str
    start: datetime.date
    end: datetime.date | None  # exclusive; None = still in office

    def active_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    aliases: tuple[str, ...]
    roles: tuple[Role, ...]

    def role_on(self, day: datetime.date) -> Role | None:
        """The most senior role held on ``day`` (None if none)."""
        active = [r for r in self.roles if r.active_on(day)]
        if not active:
            return None
        return min(active, key=lambda r: (_SENIORITY.get(r.kind, len(_SENIORITY)), r.start))


# Not frozen (never mutated, hashable): hundreds are built per article, and a frozen
# dataclass costs three times as much to build.
@dataclass(slots=True, unsafe_hash=True)
class PersonMatch:
    start: int
    end: int
    surface: str
    person: Person


# Not frozen (never mutated, hashable): hundreds are built per article, and a frozen
# dataclass costs three times as much to build.
@dataclass(slots=True, unsafe_hash=True)
class RoleMatch:
    start: int
    end: int
    surface: str
    kind: str
    affiliation: str


# --------------------------------------------------------------------------------------------
# Role phrases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CountryForms:
    code: str
    de_adj: tuple[str, ...]  # adjective stems, lower case: "norwegisch"
    de_gen: tuple[str, ...]  # genitive noun phrases: "Norwegens", "der Ukraine"
    de_prefix: tuple[str, ...]  # compound prefixes: "US" -> "US-Präsident"
    en_adj: tuple[str, ...]  # "Norwegian"
    en_name: tuple[str, ...]  # "Norway" -> "Prime Minister of Norway", "Norway's prime minister"
    en_prefix: tuple[str, ...] = ()  # "US" -> "US President"


_COUNTRIES: tuple[_CountryForms, ...] = (
    _CountryForms(
        "UA", ("ukrainisch",), ("der Ukraine",), ("Ukraine",), ("Ukrainian",), ("Ukraine",)
    ),
    _CountryForms("RU", ("russisch",), ("Russlands",), ("Russland",), ("Russian",), ("Russia",)),
    _CountryForms(
        "US",
        ("amerikanisch", "US-amerikanisch"),
        ("der USA", "der Vereinigten Staaten"),
        ("US", "USA"),
        ("American", "U.S.", "US"),
        ("the United States", "the US", "the U.S.", "America"),
        ("US", "U.S."),
    ),
    _CountryForms(
        "GB",
        ("britisch",),
        ("Großbritanniens", "des Vereinigten Königreichs"),
        ("UK",),
        ("British", "UK"),
        ("Britain", "the UK", "the United Kingdom"),
    ),
    _CountryForms(
        "FR", ("französisch",), ("Frankreichs",), ("Frankreich",), ("French",), ("France",)
    ),
    _CountryForms("DE", ("deutsch",), ("Deutschlands",), ("Bundes",), ("German",), ("Germany",)),
    _CountryForms("IT", ("italienisch",), ("Italiens",), ("Italien",), ("Italian",), ("Italy",)),
    _CountryForms("PL", ("polnisch",), ("Polens",), ("Polen",), ("Polish",), ("Poland",)),
    _CountryForms(
        "NO", ("norwegisch",), ("Norwegens",), ("Norwegen",), ("Norwegian",), ("Norway",)
    ),
    _CountryForms(
        "TR", ("türkisch",), ("der Türkei",), ("Türkei",), ("Turkish",), ("Turkey", "Türkiye")
    ),
    _CountryForms("CN", ("chinesisch",), ("Chinas",), ("China",), ("Chinese",), ("China",)),
    _CountryForms(
        "KP",
        ("nordkoreanisch",),
        ("Nordkoreas",),
        ("Nordkorea",),
        ("North Korean",),
        ("North Korea",),
    ),
    _CountryForms(
        "BY",
        ("belarussisch", "weißrussisch"),
        ("von Belarus", "Weißrusslands"),
        ("Belarus",),
        ("Belarusian",),
        ("Belarus",),
    ),
    _CountryForms("HU", ("ungarisch",), ("Ungarns",), ("Ungarn",), ("Hungarian",), ("Hungary",)),
    _CountryForms(
        "NL",
        ("niederländisch",),
        ("der Niederlande",),
        ("Niederlande",),
        ("Dutch",),
        ("the Netherlands",),
    ),
    _CountryForms("CA", ("kanadisch",), ("Kanadas",), ("Kanada",), ("Canadian",), ("Canada",)),
    _CountryForms("JP", ("japanisch",), ("Japans",), ("Japan",), ("Japanese",), ("Japan",)),
    _CountryForms("FI", ("finnisch",), ("Finnlands",), ("Finnland",), ("Finnish",), ("Finland",)),
    _CountryForms("SE", ("schwedisch",), ("Schwedens",), ("Schweden",), ("Swedish",), ("Sweden",)),
    _CountryForms("DK", ("dänisch",), ("Dänemarks",), ("Dänemark",), ("Danish",), ("Denmark",)),
    _CountryForms(
        "SA",
        ("saudisch", "saudi-arabisch"),
        ("Saudi-Arabiens",),
        ("Saudi-Arabien",),
        ("Saudi",),
        ("Saudi Arabia",),
    ),
)

_DE_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "head_of_state": (
        "Präsident",
        "Präsidenten",
        "Präsidentin",
        "Staatspräsident",
        "Staatspräsidenten",
        "Staatspräsidentin",
        "Staatschef",
        "Staatschefs",
        "Staatschefin",
        "Staatsoberhaupt",
        "Staatsoberhaupts",
        "Machthaber",
        "Machthabers",
        "König",
        "Königs",
    ),
    "head_of_government": (
        "Ministerpräsident",
        "Ministerpräsidenten",
        "Ministerpräsidentin",
        "Premierminister",
        "Premierministers",
        "Premierministerin",
        "Regierungschef",
        "Regierungschefs",
        "Regierungschefin",
        "Premier",
        "Premiers",
        "Kanzler",
        "Kanzlers",
        "Kanzlerin",
    ),
    "foreign_minister": (
        "Außenminister",
        "Außenministers",
        "Außenministerin",
        "Chefdiplomat",
        "Chefdiplomaten",
        "Chefdiplomatin",
    ),
    "defence_minister": (
        "Verteidigungsminister",
        "Verteidigungsministers",
        "Verteidigungsministerin",
        "Kriegsminister",
        "Kriegsministers",
    ),
    "envoy": (
        "Sondergesandte",
        "Sondergesandten",
        "Sondergesandter",
        "Sonderbeauftragte",
        "Sonderbeauftragten",
        "Sonderbeauftragter",
        "Sondervermittler",
        "Sondervermittlers",
    ),
}

_EN_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "head_of_state": ("President", "president", "head of state", "King", "king"),
    "head_of_government": (
        "Prime Minister",
        "prime minister",
        "PM",
        "Premier",
        "premier",
        "Chancellor",
        "chancellor",
    ),
    "foreign_minister": (
        "Foreign Minister",
        "foreign minister",
        "Foreign Secretary",
        "foreign secretary",
        "Secretary of State",
        "top diplomat",
    ),
    "defence_minister": (
        "Defence Minister",
        "defence minister",
        "Defense Minister",
        "defense minister",
        "Defence Secretary",
        "defence secretary",
        "Defense Secretary",
        "defense secretary",
        "Secretary of Defense",
        "Secretary of War",
        "War Secretary",
        "war secretary",
    ),
    "envoy": ("special envoy", "Special Envoy", "envoy", "Envoy"),
}

# Phrases that are not built from the patterns above.
_EXTRA_ROLE_PHRASES: dict[str, tuple[str, str]] = {}


def _extra(kind: str, affiliation: str, *phrases: str) -> None:
    for p in phrases:
        _EXTRA_ROLE_PHRASES[p] = (kind, affiliation)


_extra(
    "org_leader",
    "NATO",
    "NATO-Generalsekretär",
    "NATO-Generalsekretärs",
    "Nato-Generalsekretär",
    "Nato-Generalsekretärs",
    "NATO-Chef",
    "NATO-Chefs",
    "Nato-Chef",
    "Nato-Chefs",
    "Generalsekretär der NATO",
    "Generalsekretär der Nato",
    "NATO Secretary General",
    "NATO Secretary-General",
    "NATO secretary general",
    "NATO secretary-general",
    "Nato secretary general",
    "Nato secretary-general",
    "NATO chief",
    "Nato chief",
    "Secretary General of NATO",
    "Secretary-General of NATO",
    "NATO-Generalsekretärin",
)
_extra(
    "org_leader",
    "UN",
    "UN-Generalsekretär",
    "UN-Generalsekretärs",
    "UNO-Generalsekretär",
    "UNO-Generalsekretärs",
    "Generalsekretär der Vereinten Nationen",
    "UN Secretary-General",
    "UN Secretary General",
    "UN secretary-general",
    "UN secretary general",
    "UN chief",
    "U.N. Secretary-General",
    "Secretary-General of the United Nations",
    "UN-Chef",
    "UNO-Chef",
)
_extra(
    "head_of_government",
    "EU",
    "EU-Kommissionspräsidentin",
    "EU-Kommissionspräsident",
    "EU-Kommissionschefin",
    "EU-Kommissionschef",
    "Kommissionspräsidentin",
    "Kommissionschefin",
    "Präsidentin der EU-Kommission",
    "Präsidentin der Europäischen Kommission",
    "European Commission President",
    "European Commission president",
    "EU Commission President",
    "EU Commission president",
    "Commission President",
    "President of the European Commission",
    "EU chief",
    "EU-Chefin",
)
_extra(
    "head_of_state",
    "EU",
    "EU-Ratspräsident",
    "EU-Ratspräsidenten",
    "Ratspräsident",
    "Ratspräsidenten",
    "Präsident des Europäischen Rates",
    "Präsident des Europäischen Rats",
    "European Council President",
    "European Council president",
    "President of the European Council",
)
_extra(
    "foreign_minister",
    "EU",
    "EU-Außenbeauftragte",
    "EU-Außenbeauftragten",
    "EU-Außenbeauftragter",
    "EU-Chefdiplomatin",
    "EU-Chefdiplomat",
    "EU-Außenministerin",
    "EU foreign policy chief",
    "EU High Representative",
    "EU foreign affairs chief",
    "High Representative for Foreign Affairs",
    "EU's top diplomat",
)
_extra("head_of_state", "VA", "Papst", "Papstes", "Pope", "Heilige Vater", "Heiligen Vater")
_extra(
    "head_of_state",
    "RU",
    "Kremlchef",
    "Kremlchefs",
    "Kreml-Chef",
    "Kreml-Chefs",
    "Kremlherrscher",
    "Kremlin leader",
    "Kremlin chief",
)
_extra("defence_minister", "US", "Pentagonchef", "Pentagon-Chef", "Pentagonchefs", "Pentagon chief")
_extra("head_of_state", "DE", "Bundespräsident", "Bundespräsidenten")
_extra("head_of_government", "DE", "Bundeskanzler", "Bundeskanzlers", "Bundeskanzlerin")
_extra(
    "head_of_state",
    "KP",
    "Supreme Leader",
    "nordkoreanische Machthaber",
    "nordkoreanischen Machthaber",
    "nordkoreanischen Machthabers",
)


def _de_adj_forms(stem: str) -> Iterator[str]:
    for ending in ("e", "en", "er", "es"):
        form = stem + ending
        yield form
        yield form[0].upper() + form[1:]


@functools.cache
def role_phrases() -> dict[str, tuple[str, str]]:
    """All role phrases (German and English) mapped to ``(kind, affiliation)``."""
    out: dict[str, tuple[str, str]] = {}
    for c in _COUNTRIES:
        for kind, words in _DE_ROLE_WORDS.items():
            for word in words:
                for stem in c.de_adj:
                    for adj in _de_adj_forms(stem):
                        out[f"{adj} {word}"] = (kind, c.code)
                for gen in c.de_gen:
                    out[f"{word} {gen}"] = (kind, c.code)
                    if not gen.startswith(("der ", "des ", "von ")):
                        out[f"{gen} {word}"] = (kind, c.code)
                for prefix in c.de_prefix:
                    if prefix == "Bundes":
                        continue  # handled by the explicit Bundes- phrases
                    out[f"{prefix}-{word}"] = (kind, c.code)
        for kind, words in _EN_ROLE_WORDS.items():
            for word in words:
                for adj in c.en_adj:
                    out[f"{adj} {word}"] = (kind, c.code)
                for prefix in c.en_prefix:
                    out[f"{prefix} {word}"] = (kind, c.code)
                for name in c.en_name:
                    out[f"{word} of {name}"] = (kind, c.code)
                    for apo in ("'s", "’s"):
                        out[f"{name}{apo} {word}"] = (kind, c.code)
                        if name.startswith("the "):
                            cap = "The " + name[4:]
                            out[f"{cap}{apo} {word}"] = (kind, c.code)
    out.update(_EXTRA_ROLE_PHRASES)
    return out


# --------------------------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------------------------


def _parse_date(value: str | None) -> datetime.date | None:
    return None if value is None else datetime.date.fromisoformat(value)


def _person_from_json(obj: dict[str, Any]) -> Person:
    roles = []
    for r in obj.get("roles", ()):
        start = _parse_date(r["start"])
        if start is None:
            raise ValueError(f"role without start for {obj['name']!r}")
        roles.append(
            Role(
                title=str(r["title"]),
                title_de=str(r["title_de"]),
                affiliation=str(r["affiliation"]),
                kind=str(r["kind"]),
                start=start,
                end=_parse_date(r.get("end")),
            )
        )
    return Person(name=str(obj["name"]), aliases=tuple(obj.get("aliases", ())), roles=tuple(roles))


class PeopleIndex:
    """Name and role-phrase index over a list of people."""

    def __init__(self, people: Iterable[Person]) -> None:
        self._people: tuple[Person, ...] = tuple(people)
        explicit: dict[str, Person] = {}
        generated: dict[str, Person] = {}
        by_fold: dict[str, Person] = {}
        for person in self._people:
            for alias in (person.name, *person.aliases):
                alias = alias.strip()
                if not alias:
                    continue
                explicit.setdefault(alias, person)
                by_fold.setdefault(alias.casefold(), person)
                gen = genitive(alias)
                if gen:
                    generated.setdefault(gen, person)
        for gen, person in generated.items():
            by_fold.setdefault(gen.casefold(), person)
        surfaces: dict[str, Person] = dict(generated)
        surfaces.update(explicit)
        self._by_fold = by_fold
        self._surfaces = surfaces
        self._matcher = AliasMatcher(surfaces)
        self._role_matcher = AliasMatcher(role_phrases())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PeopleIndex:
        return cls(_person_from_json(obj) for obj in data["people"])

    @classmethod
    @functools.cache
    def default(cls) -> PeopleIndex:
        """The packaged index (loaded once per process)."""
        raw = importlib.resources.files("lagebild").joinpath("data/people.json").read_text("utf-8")
        return cls.from_json(json.loads(raw))

    @property
    def people(self) -> tuple[Person, ...]:
        return self._people

    @property
    def surfaces(self) -> Mapping[str, Person]:
        """Every name form that :meth:`find` matches, with its person."""
        return self._surfaces

    @property
    def role_surfaces(self) -> Mapping[str, tuple[str, str]]:
        """Every role phrase that :meth:`find_roles` matches, with ``(kind, affiliation)``."""
        return role_phrases()

    def find(self, text: str) -> list[PersonMatch]:
        """Name mentions: whole-word, case-sensitive, leftmost-longest, sorted by start."""
        return [
            PersonMatch(start, end, text[start:end], person)
            for start, end, person in self._matcher.find(text)
        ]

    def find_roles(self, text: str) -> list[RoleMatch]:
        """Role phrases ("US-Verteidigungsminister", "the Ukrainian president", ...)."""
        return [
            RoleMatch(start, end, text[start:end], kind, affiliation)
            for start, end, (kind, affiliation) in self._role_matcher.find(text)
        ]

    def lookup(self, name: str) -> Person | None:
        """The person for any alias (case-insensitive), or None."""
        return self._by_fold.get(name.strip().casefold())

    def holder(self, kind: str, affiliation: str, day: datetime.date) -> Person | None:
        """Who held the office ``kind`` of ``affiliation`` on ``day``.

        If several people match (e.g. envoys) the one whose role began last wins.
        """
        best: tuple[datetime.date, Person] | None = None
        for person in self._people:
            for role in person.roles:
                if (
                    role.kind == kind
                    and role.affiliation == affiliation
                    and role.active_on(day)
                    and (best is None or role.start > best[0])
                ):
                    best = (role.start, person)
        return None if best is None else best[1]
