"""The situation dashboard: what happened, where, and how it developed per day.

Every figure comes from the aggregator's gauges, summed over workers (each worker exports only
the incidents of the partitions it owns). Stat panels end in ``or vector(0)`` so an empty
picture reads 0, not "No data". Per-day panels subtract the total 24 h earlier: the gauges are
totals, so the difference is what was reported that day (by processing time, not event date).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, geomap, stat, table, timeseries
from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import Dashboard as DashboardModel
from grafana_foundation_sdk.models.dashboard import (
    DashboardLinkType,
    DataTransformerConfig,
    FieldColorModeId,
    ValueMap,
    ValueMappingResult,
    VariableRefresh,
    VariableSort,
)

from lagebild.dashboards.common import DATASOURCE, TAG, at, link_to_other_dashboards, query
from lagebild.dashboards.gazetteer import GAZETTEER_PATH, region_names

UID = "lagebild-situation"
REGION = 'region=~"$region"'
WEAPON = 'weapon_class=~"$weapon_class"'
MISSILES = 'weapon_class=~"cruise_missile|ballistic_missile|missile"'
OUTCOMES = (("launched", "launched"), ("shot_down", "shot down"), ("diverted", "diverted"))

# The selectors behind the headline figures; the same ones as the aggregator's /counters.
ATTACKS = f'lagebild_incidents{{type="attack", {REGION}, {WEAPON}}}'
KILLED = f'lagebild_casualties{{kind="killed", {REGION}}}'
INJURED = f'lagebild_casualties{{kind="injured", {REGION}}}'
MEETINGS = f'lagebild_incidents{{type="meeting", {REGION}}}'


def weapons(outcome: str, family: str = "") -> str:
    # Two matchers on weapon_class are fine in PromQL: the family AND the user's filter.
    family = f"{family}, " if family else ""
    return f'lagebild_weapons{{outcome="{outcome}", {family}{WEAPON}, {REGION}}}'


def total(selector: str) -> str:
    return f"sum({selector}) or vector(0)"


def per_day(selector: str) -> str:
    return f"(sum({selector}) or vector(0)) - (sum({selector} offset 1d) or vector(0))"


def headline(title: str, selector: str, color: str, pos: tuple[int, int, int, int]) -> stat.Panel:
    return (
        stat.Panel()
        .title(title)
        .with_target(query(total(selector), title, instant=True))
        .grid_pos(at(*pos))
        .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .color_scheme(db.FieldColor().mode(FieldColorModeId.FIXED).fixed_color(color))
        .color_mode(common.BigValueColorMode.VALUE)
        .graph_mode(common.BigValueGraphMode.NONE)
        .decimals(0)
    )


def weapons_stat(title: str, family: str, color: str, x: int) -> stat.Panel:
    panel = (
        stat.Panel()
        .title(title)
        .description("Summed over attack incidents; the weapon-class filter applies.")
        .grid_pos(at(x, 4, 12, 5))
        .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .color_scheme(db.FieldColor().mode(FieldColorModeId.FIXED).fixed_color(color))
        .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
        .graph_mode(common.BigValueGraphMode.NONE)
        .decimals(0)
    )
    outcomes = (*OUTCOMES, ("hit", "hit"))
    for ref, (outcome, label) in zip("ABCD", outcomes, strict=True):
        panel = panel.with_target(query(total(weapons(outcome, family)), label, ref, instant=True))
    return panel


def trend_series() -> list[tuple[str, str]]:
    return [
        ("attacks", ATTACKS),
        ("drones launched", weapons("launched", 'weapon_class="drone"')),
        ("missiles launched", weapons("launched", MISSILES)),
        ("killed", KILLED),
        ("injured", INJURED),
    ]


def per_day_panel() -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title("Reported per day")
        .description(
            "Change of each total over 24 h, i.e. what the pipeline learned that day "
            "(by processing time; a correction can make a day negative)."
        )
        .grid_pos(at(0, 9, 12, 9))
        .interval("1d")
        .draw_style(common.GraphDrawStyle.BARS)
        .fill_opacity(70)
        .decimals(0)
        .legend(cb.VizLegendOptions().display_mode(common.LegendDisplayMode.LIST).show_legend(True))
    )
    for ref, (label, selector) in zip("ABCDE", trend_series(), strict=True):
        panel = panel.with_target(query(per_day(selector), label, ref))
    return panel


def totals_panel() -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title("Totals over time")
        .grid_pos(at(12, 9, 12, 9))
        .line_width(2)
        .fill_opacity(10)
        .decimals(0)
        .legend(cb.VizLegendOptions().display_mode(common.LegendDisplayMode.LIST).show_legend(True))
    )
    for ref, (label, selector) in zip("ABCDE", trend_series(), strict=True):
        panel = panel.with_target(query(f"sum({selector})", label, ref))
    return panel


def region_mappings() -> list[ValueMap]:
    names = {code: ValueMappingResult(text=f"{name}") for code, name in region_names().items()}
    names["multiple"] = ValueMappingResult(text="several regions")
    return [ValueMap(options=names)]


def region_table() -> table.Panel:
    columns = [
        ("Attacks", ATTACKS),
        ("Drones launched", weapons("launched", 'weapon_class="drone"')),
        ("Missiles launched", weapons("launched", MISSILES)),
        ("Shot down", weapons("shot_down")),
        ("Killed", KILLED),
        ("Injured", INJURED),
        ("Meetings", MEETINGS),
    ]
    panel = (
        table.Panel()
        .title("By region")
        .description("Incidents and figures by ISO 3166-2 region ('several regions' = multiple).")
        .grid_pos(at(0, 18, 12, 10))
        .mappings(region_mappings())  # type: ignore[arg-type]
        .sort_by([cb.TableSortByFieldState().display_name("Attacks").desc(True)])
    )
    renames = {}
    for ref, (label, selector) in zip("ABCDEFG", columns, strict=True):
        panel = panel.with_target(
            query(f"sum by (region) ({selector})", label, ref, instant=True, table=True)
        )
        renames[f"Value #{ref}"] = label
    merge = DataTransformerConfig(id_val="merge", options={})
    organize = DataTransformerConfig(
        id_val="organize",
        options={"excludeByName": {"Time": True}, "renameByName": {"region": "Region", **renames}},
    )
    return panel.with_transformation(merge).with_transformation(organize)


def incident_map() -> geomap.Panel:
    # Attacks follow the weapon-class filter; casualty reports and meetings (class "none") stay.
    expr = f'sum by (region) (lagebild_incidents{{{REGION}, weapon_class=~"$weapon_class|none"}})'
    location = (
        cb.FrameGeometrySource()
        .mode(common.FrameGeometrySourceMode.LOOKUP)
        .lookup("region")
        .gazetteer(GAZETTEER_PATH)
    )
    markers = (
        cb.MapLayerOptions()
        .type("markers")
        .name("Incidents")
        .location(location)
        .tooltip(True)
        .config(
            {
                "showLegend": True,
                "style": {
                    "size": {"field": "Value", "min": 6, "max": 40, "fixed": 8},
                    "color": {"fixed": "dark-red"},
                    "opacity": 0.6,
                    "text": {"mode": "field", "field": "Value", "fixed": ""},
                    "textConfig": {"fontSize": 12, "offsetY": -18, "textAlign": "center"},
                },
            }
        )
    )
    return (
        geomap.Panel()
        .title("Incidents by region")
        .description("Marker size = incidents; positions from lagebild's gazetteer.")
        .grid_pos(at(12, 18, 12, 10))
        .with_target(query(expr, "{{region}}", instant=True, table=True))
        .view(geomap.MapViewConfig().id("coords").lat(49).lon(33).zoom(5))
        .basemap(cb.MapLayerOptions().type("default").name("Basemap"))
        .layers([markers])
        .controls(geomap.ControlsOptions().show_zoom(True).mouse_wheel_zoom(False))
    )


def meetings_panel() -> bargauge.Panel:
    # Bounded label: participants are canonical names from the people data file.
    return (
        bargauge.Panel()
        .title("Meetings by participant")
        .description("Meetings held (not planned, not calls), by canonical participant.")
        .grid_pos(at(0, 28, 12, 8))
        .with_target(
            query(
                "sort_desc(sum by (participant) (lagebild_meetings_by_participant))",
                "{{participant}}",
                instant=True,
            )
        )
        .orientation(common.VizOrientation.HORIZONTAL)
        .display_mode(common.BarGaugeDisplayMode.BASIC)
        .decimals(0)
    )


def incident_days_panel() -> bargauge.Panel:
    # By the day incidents happened (event date), unlike "Reported per day" (processing time).
    return (
        bargauge.Panel()
        .title("Attacks and killed by day of the incident")
        .description("From lagebild_daily: the last 31 days up to the newest incident.")
        .grid_pos(at(12, 28, 12, 8))
        .with_target(
            query(
                'sum by (date) (lagebild_daily{counter="attacks"})',
                "{{date}} attacks",
                "A",
                instant=True,
            )
        )
        .with_target(
            query(
                'sum by (date) (lagebild_daily{counter="killed"})',
                "{{date}} killed",
                "B",
                instant=True,
            )
        )
        .orientation(common.VizOrientation.HORIZONTAL)
        .display_mode(common.BarGaugeDisplayMode.BASIC)
        .decimals(0)
    )


def variable(name: str, label: str, source: str) -> db.QueryVariable:
    return (
        db.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(f"label_values({source}, {name})")
        .definition(f"label_values({source}, {name})")
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
    )


def new_incidents_annotation() -> db.AnnotationQuery:
    return (
        db.AnnotationQuery()
        .name("New incidents")
        .datasource(DATASOURCE)
        .enable(True)
        .icon_color("orange")
        .expr("sum(lagebild_incidents) - sum(lagebild_incidents offset 5m) > 0")
        .step("5m")
        .title_format("New incidents")
        .text_format("{{value}} new incidents in 5 min")
    )


def build() -> DashboardModel:
    builder = (
        db.Dashboard("lagebild — situation")
        .uid(UID)
        .description("Attacks, casualties and meetings extracted from the news stream.")
        .tags([TAG])
        .time("now-7d", "now")
        .refresh("30s")
        .timezone("browser")
        .with_variable(variable("region", "Region", "lagebild_incidents"))
        .with_variable(
            variable("weapon_class", "Weapon class", 'lagebild_incidents{type="attack"}')
        )
        .annotation(new_incidents_annotation())
        .link(link_to_other_dashboards())
        .link(
            db.DashboardLink("Alerts (Prometheus)")
            .type(DashboardLinkType.LINK)
            .url("http://localhost:9090/alerts")
            .target_blank(True)
        )
        .with_panel(headline("Attacks", ATTACKS, "orange", (0, 0, 6, 4)))
        .with_panel(headline("Killed", KILLED, "red", (6, 0, 6, 4)))
        .with_panel(headline("Injured", INJURED, "yellow", (12, 0, 6, 4)))
        .with_panel(headline("Meetings", MEETINGS, "blue", (18, 0, 6, 4)))
        .with_panel(weapons_stat("Drones", 'weapon_class="drone"', "purple", 0))
        .with_panel(weapons_stat("Missiles", MISSILES, "dark-orange", 12))
        .with_panel(per_day_panel())
        .with_panel(totals_panel())
        .with_panel(region_table())
        .with_panel(incident_map())
        .with_panel(meetings_panel())
        .with_panel(incident_days_panel())
    )
    return builder.build()
