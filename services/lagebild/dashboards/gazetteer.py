"""A Grafana gazetteer for the ``region`` label, built from lagebild's own place data.

The metrics carry only a bounded ``region`` label (an ISO 3166-2 code). The geomap panel
looks each code up in this file (Grafana's "worldmap" gazetteer format: key, latitude,
longitude, name), which docker-compose mounts into Grafana's public/gazetteer directory.
The coordinates are those of the gazetteer in ``lagebild/data/places.json``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

# Grafana serves files under public/ at this path; the compose file mounts the file there.
GAZETTEER_PATH = "public/gazetteer/lagebild-regions.json"
_PREFERENCE = {"region": 0, "city": 1, "landmark": 2}


def region_points() -> list[dict[str, Any]]:
    """One point per region code: the region's own entry if any, else its first city."""
    places = json.loads(resources.files("lagebild").joinpath("data/places.json").read_text())
    best: dict[str, tuple[int, dict[str, Any]]] = {}
    for place in places["places"]:
        code, rank = place.get("region"), _PREFERENCE.get(place["kind"])
        if not code or rank is None or place.get("lat") is None:
            continue
        if code not in best or rank < best[code][0]:
            best[code] = (rank, place)
    return [
        {
            "key": code,
            "latitude": place["lat"],
            "longitude": place["lon"],
            "name": place["name"] if rank == 0 else f"{place['name']} ({code})",
        }
        for code, (rank, place) in sorted(best.items())
    ]


def region_names() -> dict[str, str]:
    return {point["key"]: point["name"] for point in region_points()}
