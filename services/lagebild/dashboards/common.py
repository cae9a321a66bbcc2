"""What both dashboards share: the datasource, query and panel shorthands, job names."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import prometheus
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import DashboardLinkType, GridPos
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

# The provisioned datasource has this fixed uid (deploy/grafana/provisioning/datasources), so
# the dashboards never depend on the name a user gives it or on Grafana's default datasource.
DATASOURCE_UID = "lagebild-prometheus"
DATASOURCE = common.DataSourceRef(type_val="prometheus", uid=DATASOURCE_UID)

# Prometheus job names (deploy/prometheus/prometheus.yml); "up" of these is "worker up".
EXTRACTOR_JOB = "lagebild-extractor"
AGGREGATOR_JOB = "lagebild-aggregator"
WORKER_JOBS = f"{EXTRACTOR_JOB}|{AGGREGATOR_JOB}"

TAG = "lagebild"


def query(
    expr: str, legend: str = "", ref: str = "A", *, instant: bool = False, table: bool = False
) -> prometheus.Dataquery:
    q = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DATASOURCE)
    if legend:
        q = q.legend_format(legend)
    q = q.instant() if instant else q.range()
    if table:
        q = q.format(PromQueryFormat.TABLE)
    return q


def at(x: int, y: int, w: int, h: int) -> GridPos:
    return GridPos(x=x, y=y, w=w, h=h)


def link_to_other_dashboards() -> db.DashboardLink:
    """A dropdown of every lagebild dashboard (matched by tag), keeping time and variables."""
    return (
        db.DashboardLink("lagebild")
        .type(DashboardLinkType.DASHBOARDS)
        .tags([TAG])
        .as_dropdown(True)
        .include_vars(True)
        .keep_time(True)
    )
