"""A reproducible corpus of ~3 KB German and English war-reporting articles for the benchmarks.

Article ``i`` (for a seed) is always the same, whatever range it is generated in, so phases of
one run use disjoint index ranges and never see each other's articles. Each article reports an
attack and its casualties at one Ukrainian city on one day, and article ``i`` gets a
(city, day) pair no other article in the first ~100,000 has: its attack and casualty events
open new incidents, so every article visibly changes the aggregator's counters. A quarter also
report a meeting (those incidents may merge, as in real news). The rest of each article is
realistic filler (background, quotes, statistics, planned meetings, running totals), so the
extraction rules see the same mix of matches and near-misses as in real live blogs.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
from importlib import resources

from lagebild.ingest import article_bytes
from lagebild.models.article import Article

TARGET_BYTES = 3_000
ENGLISH_SHARE = 0.3
BASE_DAY = dt.date(2024, 1, 1)
DAYS_PER_SLOT = 2  # more than the aggregator's one-day tolerance: different incidents
DEFAULT_SEED = 20_250_425


@functools.cache
def cities() -> list[tuple[str, str]]:
    """(English name, German name) of every Ukrainian city in the gazetteer, sorted."""
    raw = (resources.files("lagebild") / "data" / "places.json").read_text("utf-8")
    data = json.loads(raw)
    stop = set(data.get("stop", []))
    out = []
    for place in data["places"]:
        if place["kind"] != "city" or place["country"] != "UA" or place["name"] in stop:
            continue
        aliases = [a for a in place["aliases"] if a not in stop]
        german = next((a for a in aliases if a != place["name"]), place["name"])
        out.append((place["name"], german))
    return sorted(out)


DE_WEEKDAY = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
EN_WEEKDAY = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PEOPLE = [  # (English, German)
    ("Volodymyr Zelensky", "Wolodymyr Selenskyj"),
    ("Emmanuel Macron", "Emmanuel Macron"),
    ("Mark Rutte", "Mark Rutte"),
    ("Friedrich Merz", "Friedrich Merz"),
    ("Keir Starmer", "Keir Starmer"),
    ("Donald Trump", "Donald Trump"),
    ("Andrii Sybiha", "Andrij Sybiha"),
]

DE_EVENT = [
    "Russland hat die Stadt {city} in der Nacht auf {wd} mit {n} Drohnen angegriffen, {k} davon "
    "seien abgeschossen worden, teilte die ukrainische Luftwaffe mit.",
    "Bei dem Angriff auf {city} wurden nach Angaben des Gouverneurs {dead} Menschen getötet und "
    "{hurt} weitere verletzt.",
]
EN_EVENT = [
    "Russia attacked {city} with {n} drones overnight, {k} of which were shot down, Ukraine's "
    "air force said on {wd}.",
    "In {city}, {dead} people were killed and {hurt} injured in the attack, the regional "
    "governor said.",
]
DE_MEETING = "{p1} traf am {wd} in Kiew {p2} zu Gesprächen über die Luftverteidigung."
EN_MEETING = "{p1} met {p2} in Kyiv on {wd} to discuss air defence."
DE_FILLER = [
    "Die Lage an der Front bleibt nach Einschätzung westlicher Beobachter angespannt.",
    "Der Krieg dauert inzwischen mehr als drei Jahre an, ein Ende ist nicht in Sicht.",
    "Die Angaben beider Seiten lassen sich unabhängig nicht überprüfen.",
    "Russland kontrolliert etwa ein Fünftel des ukrainischen Staatsgebiets.",
    "Nach UN-Angaben sind seit Kriegsbeginn mehr als sechs Millionen Menschen ins Ausland "
    "geflohen.",
    "Die EU hat ein weiteres Hilfspaket in Höhe von 1,5 Milliarden Euro angekündigt.",
    "Wenn die Waffenlieferungen ausbleiben, könnte die Ukraine weitere Gebiete verlieren, warnen "
    "Experten.",
    "Russland hatte die Halbinsel Krim bereits 2014 annektiert.",
    "Der Kreml wies die Vorwürfe am Abend als haltlos zurück.",
    '"Wir werden unser Land verteidigen, solange es nötig ist", sagte der Präsident in seiner '
    "abendlichen Videobotschaft.",
    "Die Energieinfrastruktur des Landes ist durch die monatelangen Angriffe schwer beschädigt.",
    "Nach Angaben des Statistikamts ist der Anteil der Rüstungsausgaben am Haushalt auf 40 "
    "Prozent gestiegen.",
    "Beobachter rechnen in den kommenden Wochen mit weiteren diplomatischen Initiativen.",
    "Die Verhandlungen über eine Waffenruhe kommen nach Angaben aus Diplomatenkreisen nur "
    "langsam voran.",
    "Der Bürgermeister rief die Bewohner auf, bei Luftalarm die Schutzräume aufzusuchen.",
    "Im Zentrum der Stadt gingen am Morgen mehrere Fensterscheiben zu Bruch.",
    "Die Regierung in Kiew fordert seit Monaten zusätzliche Flugabwehrsysteme.",
    "Eine unabhängige Bestätigung der Zahlen lag zunächst nicht vor.",
    "Der Generalstab veröffentlicht täglich Angaben zu den russischen Verlusten.",
    "Seit Beginn der Invasion wurden nach UN-Angaben mehr als 12.000 Zivilisten getötet.",
    "Ob die Außenminister sich in der kommenden Woche treffen werden, ist noch offen.",
    "Die Feuerwehr war bis in die Morgenstunden mit Löscharbeiten beschäftigt.",
    "Auch ein Wohnhaus und eine Schule wurden beschädigt, berichteten örtliche Medien.",
]
EN_FILLER = [
    "The claims could not be independently verified.",
    "Russia controls about a fifth of Ukraine's territory.",
    "More than 12,000 civilians have been killed since the start of the full-scale invasion.",
    "If Russia launched a new offensive, it could hit Kharkiv again, analysts warned.",
    "Russia annexed Crimea in 2014.",
    "The European Union has pledged a new aid package worth 2 billion euros.",
    "Officials urged residents to stay in shelters during air raid alerts.",
    "Negotiations on a ceasefire have made little progress, diplomats said.",
    '"We will defend our country for as long as it takes," the president said in a video address.',
    "The Kremlin dismissed the accusations as baseless.",
    "Energy infrastructure across the country has been badly damaged by months of strikes.",
    "Analysts expect further diplomatic initiatives in the coming weeks.",
    "Firefighters worked through the night to put out the blaze.",
    "A residential building and a school were also damaged, local media reported.",
    "Whether the foreign ministers will meet next week remains unclear.",
]


def incident_of(index: int) -> tuple[int, dt.date]:
    """The city (index into :func:`cities`) and the day article ``index`` reports."""
    places = len(cities())
    return index % places, BASE_DAY + dt.timedelta(days=DAYS_PER_SLOT * (index // places))


def article(index: int, seed: int = DEFAULT_SEED, prefix: str = "bench") -> Article:
    rng = random.Random(f"{seed}:{index}")
    city_index, day = incident_of(index)
    english, german = cities()[city_index]
    lang = "en" if rng.random() < ENGLISH_SHARE else "de"
    de = lang == "de"
    weekday = (DE_WEEKDAY if de else EN_WEEKDAY)[day.weekday()]
    n = rng.randint(5, 90)
    p1, p2 = rng.sample(PEOPLE, 2)
    values = {
        "city": german if de else english,
        "wd": weekday,
        "n": n,
        "k": rng.randint(1, n),
        "dead": rng.randint(1, 9),
        "hurt": rng.randint(2, 40),
        "p1": p1[1] if de else p1[0],
        "p2": p2[1] if de else p2[0],
    }
    event_sentences = [s.format(**values) for s in (DE_EVENT if de else EN_EVENT)]
    if index % 4 == 0:
        event_sentences.append((DE_MEETING if de else EN_MEETING).format(**values))
    filler = DE_FILLER if de else EN_FILLER
    paragraphs = [" ".join(event_sentences[:2])]
    extra = event_sentences[2:]
    size = len(paragraphs[0].encode())
    while size < TARGET_BYTES - 150:
        sentences = rng.sample(filler, rng.randint(2, 4))
        if extra and len(paragraphs) == 2:
            sentences.insert(1, extra.pop())
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph.encode()) + 2
    published = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC) + dt.timedelta(
        seconds=rng.randint(0, 8 * 3600)
    )
    title = f"Angriff auf {german}" if de else f"Attack on {english}"
    return Article(
        id=f"{prefix}-{seed}-{index:06d}",
        title=title,
        text="\n\n".join(paragraphs),
        published_at=published,
        language=lang if index % 3 else None,  # a third without: language detection runs
        source="bench",
    )


def articles(
    start: int, count: int, seed: int = DEFAULT_SEED, prefix: str = "bench"
) -> list[Article]:
    return [article(i, seed, prefix) for i in range(start, start + count)]


def payloads(start: int, count: int, seed: int = DEFAULT_SEED) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs as ``lagebild publish`` sends them."""
    return [(a.id.encode(), article_bytes(a)) for a in articles(start, count, seed)]
