"""A real Prometheus scrapes the real workers; every dashboard and rule query must run on it.

Prometheus (Debian's package) is started on a free loopback port with its own configuration
and a temporary TSDB, loads ``deploy/prometheus/rules``, and scrapes the pipeline every second.
After the seed article is published, every PromQL expression of every dashboard panel,
annotation and rule goes through the HTTP API (instant and range) and must succeed; the
situation panels must show the seed's gold totals.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from lagebild.broker import free_port
from lagebild.processes import http_json
from tests.integration.conftest import FIXTURES, ROOT, Pipeline, wait_for

PROMETHEUS = shutil.which("prometheus")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(PROMETHEUS is None, reason="needs the `prometheus` binary (apt prometheus)"),
]

DASHBOARDS = sorted((ROOT / "deploy/grafana/dashboards").glob("*.json"))
RULE_FILES = sorted((ROOT / "deploy/prometheus/rules").glob("*.yml"))
GOLD = json.loads((FIXTURES / "article-de-2025-04-25.gold.json").read_text())
EXPECTED = GOLD["expected_counters_after_this_article"]

# Grafana fills these in before a query reaches Prometheus; "All" of a variable is ".*".
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "1h",
    "$region": ".*",
    "$weapon_class": ".*",
}
# (situation panel title, legend of the query) -> gold counter it must show.
SITUATION_PANELS = {
    ("Attacks", "Attacks"): "attacks",
    ("Killed", "Killed"): "killed",
    ("Injured", "Injured"): "injured",
    ("Meetings", "Meetings"): "meetings",
    ("Drones", "launched"): "drones_launched",
    ("Drones", "shot down"): "drones_shot_down",
    ("Drones", "diverted"): "drones_diverted",
}


@dataclass(frozen=True)
class Expr:
    where: str  # dashboard/panel/legend or rule name, for failure messages
    promql: str
    panel: str = ""
    legend: str = ""


def grafana_to_promql(expr: str) -> str:
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, f"unhandled Grafana variable in {expr!r}"
    return expr


def dashboard_exprs() -> list[Expr]:
    found = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                where = f"{path.stem}/{panel['title']}/{target['refId']}"
                promql = grafana_to_promql(target["expr"])
                found.append(Expr(where, promql, panel["title"], target.get("legendFormat", "")))
        for annotation in dashboard.get("annotations", {}).get("list", []):
            if annotation.get("expr"):
                found.append(Expr(f"{path.stem}/annotation", grafana_to_promql(annotation["expr"])))
    return found


def rule_exprs() -> list[Expr]:
    found = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                name = rule.get("record") or rule["alert"]
                found.append(Expr(f"{path.name}/{name}", rule["expr"]))
    return found


class Prometheus:
    def __init__(self, workdir: Path, targets: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(path) for path in RULE_FILES],
            "scrape_configs": [
                {"job_name": job, "static_configs": [{"targets": [target]}]}
                for job, target in targets.items()
            ],
        }
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = (workdir / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [
                str(PROMETHEUS),
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole below
        )

    def api(self, path: str, **params: str) -> Any:
        url = f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            return http_json(url, timeout=10)
        except Exception as exc:  # HTTP 400/422 carry the PromQL error in the body
            body = getattr(exc, "read", lambda: b"")()
            raise AssertionError(f"{path} {params}: {exc} {body[:500]!r}") from exc

    def instant(self, promql: str) -> list[dict[str, Any]]:
        answer = self.api("query", query=promql)
        assert answer["status"] == "success", answer
        assert not answer.get("warnings"), answer
        return list(answer["data"]["result"])

    def ready(self) -> bool:
        try:
            return bool(self.api("status/runtimeinfo")["status"] == "success")
        except AssertionError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def prometheus(pipeline: Pipeline) -> Iterator[Prometheus]:
    workdir = pipeline.workdir / "prometheus"
    workdir.mkdir()
    server = Prometheus(
        workdir,
        {
            "lagebild-extractor": f"127.0.0.1:{pipeline.extractor.web_port}",
            "lagebild-aggregator": f"127.0.0.1:{pipeline.aggregator.web_port}",
        },
    )
    try:
        wait_for(server.ready, 30, "Prometheus to answer")
        yield server
    finally:
        server.stop()


def scalar(result: list[dict[str, Any]]) -> float:
    assert len(result) == 1, result
    return float(result[0]["value"][1])


def panel_value(prometheus: Prometheus, expr: Expr) -> float:
    return scalar(prometheus.instant(expr.promql))


def test_every_dashboard_and_rule_query_runs_and_shows_the_seed(
    pipeline: Pipeline, prometheus: Prometheus
) -> None:
    targets = {"lagebild-extractor", "lagebild-aggregator"}
    wait_for(
        lambda: (
            {
                t["labels"]["job"]
                for t in prometheus.api("targets")["data"]["activeTargets"]
                if t["health"] == "up"
            }
            == targets
        ),
        30,
        "both workers scraped",
    )
    result = pipeline.cli("publish", str(FIXTURES / "article-de-2025-04-25.txt"))
    assert result.returncode == 0, result.stderr.decode()

    situation = [e for e in dashboard_exprs() if (e.panel, e.legend) in SITUATION_PANELS]
    assert len(situation) == len(SITUATION_PANELS), "a situation panel was renamed or removed"
    expected = {e: float(EXPECTED[SITUATION_PANELS[(e.panel, e.legend)]]) for e in situation}

    def shown() -> dict[str, float]:
        return {e.where: panel_value(prometheus, e) for e in situation}

    try:
        wait_for(
            lambda: all(panel_value(prometheus, e) == v for e, v in expected.items()),
            90,
            "the situation panels to show the seed's totals",
        )
    finally:
        print("situation panels:", json.dumps(shown(), indent=1))
    # Rules evaluate every second and rate() needs two samples after the article arrived.
    time.sleep(3)

    failures = []
    now = time.time()
    for expr in dashboard_exprs() + rule_exprs():
        try:
            prometheus.instant(expr.promql)
            answer = prometheus.api(
                "query_range", query=expr.promql, start=str(now - 300), end=str(now), step="5"
            )
            assert answer["status"] == "success" and not answer.get("warnings"), answer
        except AssertionError as exc:
            failures.append(f"{expr.where}: {exc}")
    assert not failures, "\n".join(failures)


def test_tables_and_health_panels_agree(pipeline: Pipeline, prometheus: Prometheus) -> None:
    exprs = {e.where: e for e in dashboard_exprs()}
    # The by-region table adds up to the headline figures.
    columns = {
        "A": "attacks",
        "B": "drones_launched",
        "E": "killed",
        "F": "injured",
        "G": "meetings",
    }
    for ref, counter in columns.items():
        rows = prometheus.instant(exprs[f"lagebild-situation/By region/{ref}"].promql)
        assert sum(float(r["value"][1]) for r in rows) == EXPECTED[counter], (counter, rows)
        assert all(r["metric"].get("region") for r in rows), rows
    up = prometheus.instant(exprs["lagebild-pipeline/Workers up/A"].promql)
    assert {r["metric"]["job"]: float(r["value"][1]) for r in up} == {
        "lagebild-extractor": 1.0,
        "lagebild-aggregator": 1.0,
    }
    # Every worker exports lag for the partitions it owns; once idle, nothing is behind.
    lag = prometheus.instant("lagebild_consumer_lag_messages")
    topics = {(r["metric"]["job"], r["metric"]["topic"]) for r in lag}
    assert ("lagebild-extractor", pipeline.topics.articles) in topics, lag
    assert ("lagebild-aggregator", pipeline.topics.events) in topics, lag
    wait_for(
        lambda: scalar(prometheus.instant("sum(lagebild_consumer_lag_messages)")) == 0,
        30,
        "consumer lag to drain",
    )
    rules = prometheus.api("rules")["data"]["groups"]
    broken = [r["name"] for g in rules for r in g["rules"] if r.get("health") == "err"]
    assert not broken, broken
    assert re.search("lagebild", json.dumps(rules))
