"""Generate the JSON Schema files in ``schemas/`` from the pydantic models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from lagebild.models import Article, EventAdapter, IncidentUpdate


def schema_documents() -> dict[str, dict[str, Any]]:
    article = Article.model_json_schema()
    event = EventAdapter.json_schema()
    event["title"] = "Event"
    update = IncidentUpdate.model_json_schema()
    for schema, name in ((article, "article"), (event, "event"), (update, "incident-update")):
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://lagebild.example/schemas/{name}.schema.json"
    return {
        "article.schema.json": article,
        "event.schema.json": event,
        "incident-update.schema.json": update,
    }


def _render(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def write_schema_files(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in schema_documents().items():
        path = directory / name
        path.write_bytes(_render(document))
        written.append(path)
    return written


def stale_schema_files(directory: Path) -> list[str]:
    """Names of schema files that are missing or differ from the models."""
    return [
        name
        for name, document in schema_documents().items()
        if not (directory / name).exists() or (directory / name).read_bytes() != _render(document)
    ]
