"""promtool checks the rules and the scrape config, and runs the rules' unit tests."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from lagebild.dashboards.common import AGGREGATOR_JOB, EXTRACTOR_JOB
from tests.unit.deploy_support import DEPLOY, exported_families, unknown_metrics

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="needs promtool (apt prometheus)")
RULES = sorted((DEPLOY / "prometheus/rules").glob("*.yml"))
TESTS = sorted((DEPLOY / "prometheus/tests").glob("*.yml"))


def promtool(*args: str) -> str:
    result = subprocess.run(
        [str(PROMTOOL), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@needs_promtool
def test_rules_are_valid() -> None:
    assert RULES
    assert "SUCCESS" in promtool("check", "rules", *map(str, RULES))


@needs_promtool
def test_rule_unit_tests_pass() -> None:
    assert TESTS
    assert "SUCCESS" in promtool("test", "rules", *map(str, TESTS))


@needs_promtool
def test_scrape_config_is_valid() -> None:
    promtool("check", "config", str(DEPLOY / "prometheus/prometheus.yml"))


def test_every_alert_is_unit_tested_and_uses_exported_metrics() -> None:
    known = exported_families()
    alerts, exprs = set(), []
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                exprs.append(rule["expr"])
                if "alert" in rule:
                    alerts.add(rule["alert"])
                    assert rule["labels"]["severity"] in {"warning", "critical"}
                    assert rule["annotations"]["summary"]
    for expr in exprs:
        assert not unknown_metrics(expr, known), expr
    tested = {
        case["alertname"]
        for path in TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alerts == tested, f"alerts without a firing test: {alerts - tested}"
    assert {"LagebildNoArticles", "LagebildWorkerDown", "LagebildConsumerLagGrowing"} <= alerts


def test_scrape_jobs_match_the_dashboards() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs == {EXTRACTOR_JOB, AGGREGATOR_JOB}
    rules_text = "".join(path.read_text() for path in RULES)
    assert re.search(f"{EXTRACTOR_JOB}\\|{AGGREGATOR_JOB}", rules_text)
