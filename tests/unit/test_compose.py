"""docker-compose.yml is valid and agrees with the code: commands, ports, settings, files.

No Docker engine runs here. Debian's ``docker-compose`` (v1) validates the file against the
compose specification without one; the rest is checked against the settings classes.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from aggregator.settings import AggregatorSettings
from extractor.settings import ExtractorSettings
from ingest_api.settings import IngestSettings
from lagebild.cli import build_parser
from lagebild.cli_settings import CliSettings
from lagebild.dashboards.common import DATASOURCE_UID
from tests.unit.deploy_support import DEPLOY, ROOT

COMPOSE = ROOT / "docker-compose.yml"
SPEC = yaml.safe_load(COMPOSE.read_text())
SERVICES: dict[str, Any] = SPEC["services"]
SETTINGS: dict[str, type[BaseModel]] = {
    "LAGEBILD_EXTRACTOR_": ExtractorSettings,
    "LAGEBILD_AGGREGATOR_": AggregatorSettings,
    "LAGEBILD_INGEST_": IngestSettings,
    "LAGEBILD_": CliSettings,  # last: the other prefixes start with it
}
WORKERS = {"extractor": ExtractorSettings, "aggregator": AggregatorSettings}


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="needs docker-compose (apt)")
def test_compose_spec_validation() -> None:
    result = subprocess.run(
        [
            "docker-compose",
            *("-f", str(COMPOSE), "--profile", "sample", "--profile", "ingest"),
            *("config", "-q"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def field_path(model: type[BaseModel], env: str) -> list[str]:
    """Follow ``KAFKA__BOOTSTRAP_SERVERS`` through the settings fields; fail if one is missing."""
    path, current = [], model
    for part in env.lower().split("__"):
        assert part in current.model_fields, f"{env}: no field {part!r} in {current.__name__}"
        path.append(part)
        annotation = current.model_fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
    return path


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_environment_variables_are_settings(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    environment = {k: str(v) for k, v in (SERVICES[name].get("environment") or {}).items()}
    ours = {k: v for k, v in environment.items() if k.startswith("LAGEBILD_")}
    if not ours:
        return
    prefixes = {next(p for p in SETTINGS if key.startswith(p)) for key in ours}
    assert len(prefixes) == 1, f"{name} mixes settings prefixes: {prefixes}"
    prefix = prefixes.pop()
    for key in ours:
        field_path(SETTINGS[prefix], key.removeprefix(prefix))
    for key, value in ours.items():
        monkeypatch.setenv(key, value)
    SETTINGS[prefix]()  # the values parse too


@pytest.mark.parametrize("name", sorted(WORKERS))
def test_workers_command_port_and_healthcheck(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    service = SERVICES[name]
    assert service["command"] == ["python", "-m", name]
    assert importlib.util.find_spec(f"{name}.__main__") is not None
    for key, value in service["environment"].items():
        monkeypatch.setenv(key, str(value))
    worker = WORKERS[name]().worker  # type: ignore[attr-defined]
    assert worker.web_host == "0.0.0.0", "Prometheus in another container must reach it"
    assert service["expose"] == [str(worker.web_port)]
    assert f":{worker.web_port}/healthz" in " ".join(service["healthcheck"]["test"])
    assert "ports" not in service, "replicas cannot share a host port"
    assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    jobs = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())["scrape_configs"]
    dns = next(job["dns_sd_configs"][0] for job in jobs if job["job_name"].endswith(name))
    assert dns["names"] == [name] and dns["port"] == worker.web_port


def test_topics_step_and_start_order() -> None:
    command = SERVICES["topics"]["command"]
    assert command[0] == "lagebild"
    build_parser().parse_args(command[1:])  # a real subcommand
    assert SERVICES["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert SERVICES["topics"]["environment"]["LAGEBILD_KAFKA__BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert SERVICES["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"
    for name in ("kafka", "extractor", "aggregator", "prometheus", "grafana"):
        assert "healthcheck" in SERVICES[name], name


def test_kafka_is_pinned_apache_kafka_in_kraft_mode() -> None:
    kafka = SERVICES["kafka"]
    assert re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", kafka["image"])
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    for name, service in SERVICES.items():
        image = service["image"]
        assert re.search(r":[\w.-]*\d", image) or image == "lagebild:local", f"{name}: {image}"


def test_state_lives_in_volumes_and_mounted_files_exist() -> None:
    mounts = {name: [v.split(":")[1] for v in s.get("volumes", [])] for name, s in SERVICES.items()}
    assert "/var/lib/kafka/data" in mounts["kafka"]
    assert "/prometheus" in mounts["prometheus"]
    assert "/var/lib/grafana" in mounts["grafana"]
    assert set(SPEC["volumes"]) == {"kafka-data", "prometheus-data", "grafana-data"}
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source


def test_grafana_provisioning_and_no_committed_password() -> None:
    datasources = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"]
    assert [d["uid"] for d in datasources] == [DATASOURCE_UID]
    assert datasources[0]["url"] == "http://prometheus:9090"
    providers = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/lagebild.yml").read_text()
    )["providers"]
    dashboards_mount = next(
        v for v in SERVICES["grafana"]["volumes"] if v.startswith("./deploy/grafana/dashboards")
    )
    assert providers[0]["options"]["path"] == dashboards_mount.split(":")[1]
    password = SERVICES["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:-[^}]*\}", password)


def test_dockerfile_installs_the_services() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11[\w.-]*$", dockerfile, re.M)
    assert "pip install ." in dockerfile and "USER " in dockerfile
    ignore = (ROOT / ".dockerignore").read_text()
    assert "!services/" in ignore


def test_ingest_service_is_opt_in_and_matches_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = SERVICES["ingest"]
    assert service["profiles"] == ["ingest"]
    assert service["command"] == ["python", "-m", "ingest_api"]
    assert importlib.util.find_spec("ingest_api.__main__") is not None
    # The token comes from the operator's environment, never from the file.
    assert service["environment"]["LAGEBILD_INGEST_TOKEN"] == "${LAGEBILD_INGEST_TOKEN:-}"
    for key, value in service["environment"].items():
        if key != "LAGEBILD_INGEST_TOKEN":
            monkeypatch.setenv(key, str(value))
    monkeypatch.setenv("LAGEBILD_INGEST_TOKEN", "x" * 16)
    settings = IngestSettings()
    assert settings.host == "0.0.0.0"
    assert service["ports"] == [f"{settings.port}:{settings.port}"]
    assert f":{settings.port}/healthz" in " ".join(service["healthcheck"]["test"])
