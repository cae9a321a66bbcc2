"""Single-core throughput of the extraction engine on a reproducible corpus.

    python scripts/bench_extract.py                  # figures (articles/s, MB/s, per stage)
    python scripts/bench_extract.py --dump /tmp/x.jsonl     # write every event (JSON lines)
    python scripts/bench_extract.py --compare /tmp/x.jsonl  # exit 1 if any event differs

The corpus is generated with a fixed seed: ~3 KB German (and some English) articles recombined
from sentence templates typical of war reporting (counted attacks, casualties, meetings,
background, quotes, statistics, a lot of non-event filler), plus the seed article
``tests/fixtures/article-de-2025-04-25.txt``. The same seed gives the same corpus everywhere,
so figures are comparable across commits; the baseline line (``str.split`` plus one regex pass,
and a plain Aho-Corasick scan) makes them comparable across machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ahocorasick

from lagebild.extraction import attacks as attacks_mod
from lagebild.extraction import casualties as casualties_mod
from lagebild.extraction import dates as dates_mod
from lagebild.extraction import engine as engine_mod
from lagebild.extraction import extract
from lagebild.extraction import meetings as meetings_mod
from lagebild.extraction import numbers as numbers_mod
from lagebild.extraction import traps as traps_mod
from lagebild.extraction import weapons as weapons_mod
from lagebild.extraction.budget import Budget, prepare_text
from lagebild.extraction.document import Document
from lagebild.extraction.engine import default_extractor
from lagebild.extraction.sentences import split_sentences
from lagebild.models.article import Article

try:  # language detection (articles without a stated language), where the engine has it
    from lagebild.extraction.language import detect as detect_language
except ImportError:  # pragma: no cover - older engine
    detect_language = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT / "tests" / "fixtures" / "article-de-2025-04-25.txt"

# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------

DE_CITIES = [
    "Charkiw", "Sumy", "Odessa", "Kiew", "Dnipro", "Saporischschja", "Cherson", "Pokrowsk",
    "Pawlohrad", "Lwiw", "Tscherkassy", "Poltawa", "Krywyj Rih", "Kramatorsk", "Slowjansk",
    "Mykolajiw", "Tschernihiw", "Belgorod", "Kursk", "Brjansk",
]  # fmt: skip
DE_REGIONS = ["Charkiw", "Sumy", "Donezk", "Dnipropetrowsk", "Odessa", "Saporischschja", "Cherson"]
EN_CITIES = [
    "Kharkiv", "Sumy", "Odesa", "Kyiv", "Dnipro", "Zaporizhzhia", "Kherson", "Pokrovsk",
    "Pavlohrad", "Lviv", "Cherkasy", "Poltava", "Kryvyi Rih", "Kramatorsk", "Belgorod",
]  # fmt: skip
EN_REGIONS = ["Kharkiv", "Sumy", "Donetsk", "Dnipropetrovsk", "Odesa", "Zaporizhzhia"]
DE_PEOPLE = [
    "Wolodymyr Selenskyj", "Wladimir Putin", "Donald Trump", "Emmanuel Macron", "Mark Rutte",
    "Friedrich Merz", "Keir Starmer", "Andrij Sybiha", "Sergej Lawrow", "Ursula von der Leyen",
]  # fmt: skip
EN_PEOPLE = [
    "Volodymyr Zelensky", "Vladimir Putin", "Donald Trump", "Emmanuel Macron", "Mark Rutte",
    "Friedrich Merz", "Keir Starmer", "Andrii Sybiha", "Sergei Lavrov", "Marco Rubio",
]  # fmt: skip
DE_NUMBERS = ["zwei", "drei", "vier", "fünf", "acht", "zwölf", "mindestens sieben", "mehr als 20"]
DE_WEAPONS = ["Drohnen", "Shahed-Drohnen", "Raketen", "Marschflugkörpern", "ballistischen Raketen"]
DE_WEEKDAY = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
EN_WEEKDAY = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

DE_EVENTS = [
    "Russland hat die Ukraine in der Nacht auf {wd} mit {n} Drohnen und {m} Raketen angegriffen.",
    "Die ukrainische Luftwaffe teilte mit, {k} Drohnen seien abgeschossen worden, weitere {j} "
    "Drohnen seien durch elektronische Störmanöver umgeleitet worden.",
    "In den Regionen {r1}, {r2} und {r3} seien durch die Angriffe Schäden entstanden.",
    "Bei einem Luftangriff auf {c} wurden nach Angaben des Gouverneurs {dn} Menschen getötet und "
    "{dn2} weitere verletzt.",
    "Die Zahl der Todesopfer in {c} stieg nach Behördenangaben auf {dn}.",
    "Am {wd} wurde {c} mit {m} Gleitbomben angegriffen, dabei wurden {dn} Zivilisten verletzt.",
    "Russische Truppen hätten an der Front im Abschnitt {c} {n} Bodenangriffe unternommen, die "
    "meisten seien abgewehrt worden, teilte der Generalstab mit.",
    "{p1} traf am {wd} in {c} den französischen Präsidenten Emmanuel Macron.",
    "{p1} telefonierte am {wd} mit {p2} über die Lage an der Front.",
    "Der ukrainische Präsident {p1} empfing am Vormittag {p2} zu Gesprächen in Kiew.",
    "Ukrainische Drohnen griffen nach russischen Angaben die Region {rr} an, {k} seien "
    "abgefangen worden.",
    "Bei Beschuss der Stadt {c} kamen am {wd} {dn} Menschen ums Leben.",
]  # fmt: skip
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
    '"Wir werden unser Land verteidigen, solange es nötig ist", sagte {p1} in seiner '
    "abendlichen Videobotschaft.",
    '"Das ist ein Angriff auf die gesamte europäische Sicherheitsordnung", schrieb {p2} auf der '
    "Plattform X.",
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
    "Es werden sehr wichtige Treffen stattfinden, sagte ein Sprecher.",
    "Ob {p1} und {p2} sich in der kommenden Woche treffen werden, ist noch offen.",
]  # fmt: skip
EN_EVENTS = [
    "Russia launched {n} drones and {m} missiles at Ukraine overnight, the air force said on "
    "{wd}.",
    "The air force said {k} drones were shot down and {j} were lost to electronic warfare.",
    "Debris caused damage in the {r1}, {r2} and {r3} regions.",
    "In {c}, at least {dn} people were killed and {dn2} injured, the regional governor said.",
    "The death toll in {c} rose to {dn}, officials said on {wd}.",
    "Ukraine's military said it had repelled {n} ground assaults in the {c} direction.",
    "{p1} met {p2} in {c} on {wd} to discuss air defence.",
    "{p1} also held a phone call with {p2}.",
    "Russian shelling killed {dn} civilians in {c} on {wd}.",
]  # fmt: skip
EN_FILLER = [
    "The claims could not be independently verified.",
    "Russia controls about a fifth of Ukraine's territory.",
    "More than 12,000 civilians have been killed since the start of the full-scale invasion.",
    "If Russia launched a new offensive, it could hit Kharkiv again, analysts warned.",
    "Russia annexed Crimea in 2014.",
    "The European Union has pledged a new aid package worth 2 billion euros.",
    "Officials urged residents to stay in shelters during air raid alerts.",
    "Negotiations on a ceasefire have made little progress, diplomats said.",
    '"We will defend our country for as long as it takes," {p1} said in a video address.',
    "The Kremlin dismissed the accusations as baseless.",
    "Energy infrastructure across the country has been badly damaged by months of strikes.",
    "Analysts expect further diplomatic initiatives in the coming weeks.",
]  # fmt: skip


def _fill(rng: random.Random, template: str, lang: str) -> str:
    de = lang == "de"
    cities = DE_CITIES if de else EN_CITIES
    regions = DE_REGIONS if de else EN_REGIONS
    people = DE_PEOPLE if de else EN_PEOPLE
    r1, r2, r3 = rng.sample(regions, 3)
    p1, p2 = rng.sample(people, 2)
    return template.format(
        wd=rng.choice(DE_WEEKDAY if de else EN_WEEKDAY),
        n=rng.randint(20, 180),
        m=rng.randint(2, 15),
        k=rng.randint(10, 90),
        j=rng.randint(2, 40),
        dn=rng.choice(DE_NUMBERS) if de else str(rng.randint(1, 14)),
        dn2=rng.randint(3, 30),
        c=rng.choice(cities),
        rr=rng.choice(["Belgorod", "Kursk", "Brjansk"]),
        r1=r1,
        r2=r2,
        r3=r3,
        p1=p1,
        p2=p2,
    )


def _article_text(rng: random.Random, lang: str, target: int = 3000) -> str:
    events = DE_EVENTS if lang == "de" else EN_EVENTS
    filler = DE_FILLER if lang == "de" else EN_FILLER
    paragraphs: list[str] = []
    size = 0
    while size < target:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            pool = events if rng.random() < 0.25 else filler
            sentences.append(_fill(rng, rng.choice(pool), lang))
        para = " ".join(sentences)
        paragraphs.append(para)
        size += len(para) + 2
    return "\n\n".join(paragraphs)


def build_corpus(n: int = 300, seed: int = 20250425, english_share: float = 0.2) -> list[Article]:
    """``n`` generated articles plus the seed article, always the same for the same seed."""
    rng = random.Random(seed)
    base = dt.datetime(2025, 4, 25, 9, 30, tzinfo=dt.UTC)
    out = [
        Article(
            id="article-de-2025-04-25",
            text=SEED_ARTICLE.read_text("utf-8"),
            published_at=dt.datetime(2025, 4, 25, 8, 0, tzinfo=dt.UTC),
            language="de",
        )
    ]
    for i in range(n):
        lang = "en" if rng.random() < english_share else "de"
        out.append(
            Article(
                id=f"bench-{seed}-{i:04d}",
                text=_article_text(rng, lang),
                published_at=base + dt.timedelta(hours=7 * i),
                language=lang if i % 3 else None,  # a third without: language detection runs
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def _time(fn: Callable[[], Any], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.process_time()  # CPU time: stable when other processes share the cores
        fn()
        times.append(time.process_time() - t0)
    return times


def _cores() -> str:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 1
    return f"{usable} usable of {os.cpu_count()}"


def _dump_lines(corpus: list[Article]) -> list[str]:
    lines = []
    for article in corpus:
        for event in extract(article):
            lines.append(event.model_dump_json())
    return lines


def _stages(corpus: list[Article], repeats: int) -> dict[str, float]:
    """Median seconds over the corpus for each stage (run separately, so they add up only
    approximately to the total)."""
    ex = default_extractor()
    gaz, people = ex.gazetteer, ex.people
    texts = [a.text for a in corpus]
    docs: list[Document] = []

    def documents() -> None:
        docs.clear()
        docs.extend(Document(a, gaz, people) for a in corpus)

    def places() -> None:
        for t in texts:
            gaz.find(t)

    def persons() -> None:
        for t in texts:
            people.find(t)
            people.find_roles(t)

    def rules() -> None:
        for doc in docs:
            found = attacks_mod.extract_attacks(doc)
            attacks_mod.finalise(doc, found)
            casualties_mod.extract_casualties(doc, found)
            meetings_mod.extract_meetings(doc, people)

    def sentences() -> None:
        for t in texts:
            split_sentences(t)

    budget = Budget()

    def budget_check() -> None:
        for t in texts:
            prepare_text(t, budget)

    # The event models (pydantic validation, ids, evidence) built from drafts made once.
    drafted: list[tuple[Any, ...]] = []

    def events() -> None:
        for doc, attacks, casualties, meetings in drafted:
            keys = {id(a): engine_mod._attack_key(a) for a in attacks}
            for a in attacks:
                ex._attack(doc, a, keys[id(a)])
            for c in casualties:
                ex._casualties(doc, c, keys)
            for m in meetings:
                ex._meeting(doc, m)

    # Record every call of the costly helpers during one pass, then replay each kind alone.
    # find_numbers is replayed through its uncached scan when it has one (numbers.py caches).
    helpers = {
        "find_trap": (traps_mod, (attacks_mod, casualties_mod, meetings_mod)),
        "find_numbers": (numbers_mod, (attacks_mod, casualties_mod)),
        "find_weapons": (weapons_mod, (attacks_mod,)),
        "find_dates": (dates_mod, (dates_mod, meetings_mod)),
    }
    calls: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {n: [] for n in helpers}
    originals = {name: getattr(mod, name) for name, (mod, _) in helpers.items()}

    def recorder(name: str) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            calls[name].append((args, kwargs))
            return originals[name](*args, **kwargs)

        return record

    for name, (_, users) in helpers.items():
        for mod in users:
            setattr(mod, name, recorder(name))
    try:
        documents()
        rules()
    finally:
        for name, (_, users) in helpers.items():
            for mod in users:
                setattr(mod, name, originals[name])
    for doc in [Document(a, gaz, people) for a in corpus]:
        found = attacks_mod.extract_attacks(doc)
        attacks_mod.finalise(doc, found)
        drafted.append(
            (
                doc,
                found,
                casualties_mod.extract_casualties(doc, found),
                meetings_mod.extract_meetings(doc, people),
            )
        )
    replay_fn = dict(originals)
    replay_fn["find_numbers"] = getattr(numbers_mod, "_scan_numbers", originals["find_numbers"])

    def replay(name: str) -> Callable[[], None]:
        def run() -> None:
            fn = replay_fn[name]
            for args, kwargs in calls[name]:
                fn(*args, **kwargs)

        return run

    no_language = [a.text for a in corpus if not a.language]

    def language() -> None:
        if detect_language is not None:
            for t in no_language:
                detect_language(t)

    med = statistics.median
    out = {
        "document (all)": med(_time(documents, repeats)),
        "  sentences (split_sentences)": med(_time(sentences, repeats)),
        "  places (Gazetteer.find)": med(_time(places, repeats)),
        "  people (find + find_roles)": med(_time(persons, repeats)),
        f"  dates (find_dates, {len(calls['find_dates'])} calls)": med(
            _time(replay("find_dates"), repeats)
        ),
        "rules (attacks, casualties, meetings)": med(_time(rules, repeats)),
    }
    for name in ("find_trap", "find_numbers", "find_weapons"):
        key = f"  {name} ({len(calls[name])} calls)"
        out[key] = med(_time(replay(name), repeats))
    out["event models (pydantic events, evidence, ids)"] = med(_time(events, repeats))
    out["not in extract(): budget pre-check (prepare_text, worker path)"] = med(
        _time(budget_check, repeats)
    )
    if detect_language is not None:
        key = f"language detection ({len(no_language)} articles without a stated language)"
        out[key] = med(_time(language, repeats))
    return out


def _baseline(corpus: list[Article], repeats: int) -> tuple[float, float]:
    """Machine yardsticks: ``str.split`` + one ``\\w+`` regex pass; a plain Aho-Corasick scan
    of the lower-cased text for 1,000 corpus words."""
    texts = [a.text for a in corpus]
    word = re.compile(r"\w+")

    def split_regex() -> None:
        for t in texts:
            t.split()
            for _ in word.finditer(t):
                pass

    words = sorted({w.lower() for t in texts for w in word.findall(t)})[:1000]
    auto = ahocorasick.Automaton()
    for w in words:
        auto.add_word(w, len(w))
    auto.make_automaton()

    def ac_scan() -> None:
        for t in texts:
            for _ in auto.iter(t.lower()):
                pass

    return statistics.median(_time(split_regex, repeats)), statistics.median(
        _time(ac_scan, repeats)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="generated articles (+1 seed)")
    parser.add_argument("--seed", type=int, default=20250425)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dump", type=Path, help="write all events as JSON lines and exit")
    parser.add_argument("--compare", type=Path, help="compare all events with a dump, exit")
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage split")
    args = parser.parse_args(argv)

    corpus = build_corpus(args.articles, args.seed)
    if args.dump or args.compare:
        lines = _dump_lines(corpus)
        if args.dump:
            args.dump.write_text("\n".join(lines) + "\n", "utf-8")
            print(f"{len(lines)} events from {len(corpus)} articles -> {args.dump}")
            return 0
        expected = args.compare.read_text("utf-8").splitlines()
        if lines == expected:
            print(f"identical: {len(lines)} events from {len(corpus)} articles")
            return 0
        print(f"DIFFERENT: {len(lines)} events now, {len(expected)} in {args.compare}")
        for i, (a, b) in enumerate(zip(lines, expected, strict=False)):
            if a != b:
                print(f"first difference at event {i}:\n  now: {a}\n  was: {b}")
                break
        return 1

    n_bytes = sum(len(a.text.encode("utf-8")) for a in corpus)
    langs = sum(1 for a in corpus if (a.language or "de") == "en")
    extract(corpus[0])  # load the gazetteer and people index outside the timing

    n_events = 0

    def run() -> None:
        nonlocal n_events
        n_events = sum(len(extract(a)) for a in corpus)

    times = _time(run, args.repeats)
    rates = sorted(len(corpus) / t for t in times)
    print(
        f"corpus: {len(corpus)} articles ({langs} English), {n_bytes / len(corpus):,.0f} bytes "
        f"per article on average, {n_events} events, seed {args.seed}"
    )
    print(
        f"python {sys.version.split()[0]}, cores: {_cores()}; {args.repeats} repeats; "
        "times are process CPU time on one core"
    )
    lo, med, hi = rates[0], statistics.median(rates), rates[-1]
    mb = n_bytes / 1e6
    print(
        f"extract: {med:,.0f} articles/s (min {lo:,.0f}, max {hi:,.0f}); "
        f"{med * mb / len(corpus):.2f} MB/s; {1000 / med:.3f} ms per article"
    )
    split_s, ac_s = _baseline(corpus, args.repeats)
    print(
        f"baseline: str.split + \\w+ regex pass {mb / split_s:.1f} MB/s "
        f"({split_s / len(corpus) * 1e3:.3f} ms/article); plain Aho-Corasick scan "
        f"{mb / ac_s:.1f} MB/s ({ac_s / len(corpus) * 1e3:.3f} ms/article); "
        f"extract = {1000 / med / (split_s / len(corpus) * 1e3):.1f}x the split+regex baseline"
    )
    if not args.no_stages:
        print("per stage (median, ms per article):")
        for name, seconds in _stages(corpus, args.repeats).items():
            print(f"  {name:<72} {seconds / len(corpus) * 1e3:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
