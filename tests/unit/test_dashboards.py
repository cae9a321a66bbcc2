"""The committed Grafana JSON is current, valid for the SDK's models, and queries real metrics.

grafana-foundation-sdk ships no JSON Schema files in its Python package, so validation uses
the SDK's own typed models: with the panel and query plugins registered, every panel's options
and every query must decode into the plugin's type, and encoding again must give back exactly
the committed JSON (an unknown or misspelt field would be dropped and break the equality).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from grafana_foundation_sdk.cog import plugins
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import prometheus
from grafana_foundation_sdk.models.dashboard import Dashboard

from lagebild.dashboards.__main__ import main
from lagebild.dashboards.common import DATASOURCE_UID
from lagebild.dashboards.gazetteer import region_points
from lagebild.dashboards.render import OUTPUTS, render_all
from tests.unit.deploy_support import ROOT, exported_families, unknown_metrics

DASHBOARDS = sorted(p for p in OUTPUTS if "/dashboards/" in p)


def load(path: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / path).read_text()))


def test_committed_files_are_current() -> None:
    for path, text in render_all().items():
        committed = (ROOT / path).read_text(encoding="utf-8")
        assert committed == text, f"{path} is stale: run `make dashboards`"
    assert main(["--check", "--root", str(ROOT)]) == 0


@pytest.mark.parametrize("path", DASHBOARDS)
def test_round_trips_through_the_sdk_models(path: str) -> None:
    plugins.register_default_plugins()
    data = load(path)
    model = Dashboard.from_json(data)
    assert json.loads(json.dumps(model, cls=JSONEncoder)) == data
    assert model.panels
    for panel in model.panels:
        assert not isinstance(panel.options, dict), f"{panel.type_val}: options not decoded"
        for target in panel.targets or []:
            assert isinstance(target, prometheus.Dataquery), f"{panel.title}: {target!r}"


@pytest.mark.parametrize("path", DASHBOARDS)
def test_queries_use_the_provisioned_datasource_and_exported_metrics(path: str) -> None:
    known = exported_families()
    data = load(path)
    queries = [t for p in data["panels"] for t in p["targets"]]
    queries += [a for a in data.get("annotations", {}).get("list", []) if a.get("expr")]
    assert queries
    for query in queries:
        assert query["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}
        assert not unknown_metrics(query["expr"], known), query["expr"]
    for variable in data.get("templating", {}).get("list", []):
        assert variable["datasource"]["uid"] == DATASOURCE_UID
        assert not unknown_metrics(variable["query"], known)


@pytest.mark.parametrize("path", DASHBOARDS)
def test_layout_fits_the_grid_without_overlaps(path: str) -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in load(path)["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


def test_situation_has_the_promised_panels_and_filters() -> None:
    data = load("deploy/grafana/dashboards/lagebild-situation.json")
    types = {p["title"]: p["type"] for p in data["panels"]}
    assert types["Incidents by region"] == "geomap"
    assert types["By region"] == "table"
    assert {"Attacks", "Killed", "Injured", "Meetings", "Drones", "Missiles"} <= set(types)
    assert types["Meetings by participant"] == "bargauge"
    assert {v["name"] for v in data["templating"]["list"]} == {"region", "weapon_class"}
    layer = next(p for p in data["panels"] if p["type"] == "geomap")["options"]["layers"][0]
    assert layer["location"]["gazetteer"] == "public/gazetteer/lagebild-regions.json"


def test_gazetteer_covers_every_region_of_the_place_data() -> None:
    points = {p["key"]: p for p in region_points()}
    places = json.loads((ROOT / "services/lagebild/data/places.json").read_text())["places"]
    for place in places:
        if place.get("region") and place["kind"] == "region":
            assert points[place["region"]]["latitude"] == place["lat"]
    assert all(
        -90 <= p["latitude"] <= 90 and -180 <= p["longitude"] <= 180 for p in points.values()
    )
