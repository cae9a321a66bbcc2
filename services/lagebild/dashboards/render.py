"""Render every generated file to text, so writing and the staleness check share one path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.cog.encoder import JSONEncoder

from lagebild.dashboards import health, situation
from lagebild.dashboards.gazetteer import region_points


def _json(value: Any) -> str:
    return json.dumps(value, cls=JSONEncoder, indent=2, ensure_ascii=False) + "\n"


# Paths relative to the repository root -> producer of the file's content.
OUTPUTS: dict[str, Callable[[], str]] = {
    "deploy/grafana/dashboards/lagebild-situation.json": lambda: _json(situation.build()),
    "deploy/grafana/dashboards/lagebild-pipeline.json": lambda: _json(health.build()),
    "deploy/grafana/gazetteer/lagebild-regions.json": lambda: _json(region_points()),
}


def render_all() -> dict[str, str]:
    return {path: produce() for path, produce in OUTPUTS.items()}


def stale_files(root: Path) -> list[str]:
    """Generated files whose committed content differs from what the code produces now."""
    return [
        path
        for path, text in render_all().items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]


def write_all(root: Path) -> list[str]:
    written = []
    for path, text in render_all().items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(path)
    return written
