"""The pipeline health dashboard: is news flowing, how fast, what is stuck, what is rejected."""

from __future__ import annotations

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import heatmap, stat, statetimeline, timeseries
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import Dashboard as DashboardModel
from grafana_foundation_sdk.models.dashboard import (
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from lagebild.dashboards.common import WORKER_JOBS, at, link_to_other_dashboards, query

UID = "lagebild-pipeline"
UP = f'up{{job=~"{WORKER_JOBS}"}}'

# The extractor counts its dead letters by stage and reason; the aggregator counts invalid
# events as a result of consumption. Both land in articles.dlq, so both belong in one panel.
DEAD_LETTER_RATE = (
    "sum by (stage, reason) (rate(lagebild_dead_letters_total[$__rate_interval]))"
    " or label_replace(label_replace("
    'sum(rate(lagebild_events_consumed_total{result="dead_lettered"}[$__rate_interval])),'
    ' "stage", "aggregate", "", ""), "reason", "invalid_event", "", "")'
)
LATENCY = "rate(lagebild_extraction_duration_seconds_bucket[$__rate_interval])"


def rate_panel(title: str, unit: str, pos: tuple[int, int, int, int]) -> timeseries.Panel:
    return (
        timeseries.Panel()
        .title(title)
        .grid_pos(at(*pos))
        .unit(unit)
        .min(0)
        .fill_opacity(15)
        .legend(cb.VizLegendOptions().display_mode(common.LegendDisplayMode.LIST).show_legend(True))
    )


def workers_stat() -> stat.Panel:
    return (
        stat.Panel()
        .title("Workers up")
        .description("Scrape targets that answer, per service (one per replica).")
        .grid_pos(at(0, 0, 6, 6))
        .with_target(query(f"sum by (job) ({UP})", "{{job}}", instant=True))
        .reduce_options(cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .thresholds(
            db.ThresholdsConfig()
            .mode(ThresholdsMode.ABSOLUTE)
            .steps([Threshold(value=None, color="red"), Threshold(value=1, color="green")])
        )
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
    )


def workers_timeline() -> statetimeline.Panel:
    states = {
        "0": ValueMappingResult(text="down", color="red"),
        "1": ValueMappingResult(text="up", color="green"),
    }
    return (
        statetimeline.Panel()
        .title("Worker up / down")
        .grid_pos(at(6, 0, 18, 6))
        .with_target(query(UP, "{{job}} {{instance}}"))
        .mappings([ValueMap(options=states)])
        .show_value(common.VisibilityMode.NEVER)
    )


def articles_panel() -> timeseries.Panel:
    expr = "sum by (outcome) (rate(lagebild_articles_consumed_total[$__rate_interval]))"
    return (
        rate_panel("Articles in", "reqps", (0, 6, 12, 8))
        .description(
            "Articles read by the extractors, by outcome: processed, revised (a new text under"
            " a known id), unsupported_language (no events, not an error), dead_lettered."
        )
        .with_target(query(expr, "{{outcome}}"))
    )


def events_panel() -> timeseries.Panel:
    produced = "sum by (type) (rate(lagebild_events_produced_total[$__rate_interval]))"
    consumed = "sum by (result) (rate(lagebild_events_consumed_total[$__rate_interval]))"
    return (
        rate_panel("Events out", "reqps", (12, 6, 12, 8))
        .description("Events published by the extractors, and what the aggregators made of them.")
        .with_target(query(produced, "produced {{type}}", "A"))
        .with_target(query(consumed, "aggregated: {{result}}", "B"))
    )


def latency_heatmap() -> heatmap.Panel:
    return (
        heatmap.Panel()
        .title("Extraction latency")
        .description("Time the extraction library spends on one article (histogram buckets).")
        .grid_pos(at(0, 14, 12, 8))
        .with_target(query(f"sum by (le) ({LATENCY})", "{{le}}").format(PromQueryFormat.HEATMAP))
        .calculate(False)
        .y_axis(heatmap.YAxisConfig().unit("s"))
        .color(heatmap.HeatmapColorOptions().scheme("Oranges").steps(64))
    )


def latency_quantiles() -> timeseries.Panel:
    panel = rate_panel("Extraction latency quantiles", "s", (12, 14, 12, 8))
    for ref, q in zip("ABC", ("0.5", "0.95", "0.99"), strict=True):
        expr = f"histogram_quantile({q}, sum by (le) ({LATENCY}))"
        panel = panel.with_target(query(expr, f"p{q[2:].ljust(2, '0')}", ref))
    return panel


def lag_panel() -> timeseries.Panel:
    expr = "max by (job, topic, partition) (lagebild_consumer_lag_messages)"
    return (
        rate_panel("Consumer lag per partition", "short", (0, 22, 12, 8))
        .description("Messages not yet committed: high watermark minus committed offset.")
        .with_target(query(expr, "{{job}} {{topic}}/{{partition}}"))
    )


def dlq_panel() -> timeseries.Panel:
    return (
        rate_panel("Dead letters by reason", "reqps", (12, 22, 12, 8))
        .description("Messages sent to articles.dlq per second; `lagebild dlq` lists them.")
        .with_target(query(DEAD_LETTER_RATE, "{{stage}}: {{reason}}"))
        .draw_style(common.GraphDrawStyle.BARS)
    )


def build() -> DashboardModel:
    return (
        db.Dashboard("lagebild — pipeline health")
        .uid(UID)
        .description("Throughput, latency, lag, dead letters and worker health.")
        .tags(["lagebild"])
        .time("now-6h", "now")
        .refresh("10s")
        .timezone("browser")
        .link(link_to_other_dashboards())
        .with_panel(workers_stat())
        .with_panel(workers_timeline())
        .with_panel(articles_panel())
        .with_panel(events_panel())
        .with_panel(latency_heatmap())
        .with_panel(latency_quantiles())
        .with_panel(lag_panel())
        .with_panel(dlq_panel())
        .build()
    )
