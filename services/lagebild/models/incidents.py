"""What the aggregator tells consumers about incidents (incident-updates topic)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class IncidentUpdate(BaseModel):
    """One message per consumed event: did it create, update or repeat an incident?

    Keyed by incident key. At-least-once: consumers dedupe on (incident_id, event_id).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    incident_id: str = Field(description="Stable id of the incident (bucket, first date, n).")
    incident_key: str = Field(description="The events' key: the bucket the incident is in.")
    result: Literal["created", "updated", "duplicate"]
    event_id: str
    article_id: str
    type: Literal["attack", "casualties", "meeting"]
    date: str | None
    weapon_class: str
    region: str
    counted: bool = Field(description="False for running totals and planned meetings.")
    figures: dict[str, int] = Field(description="The incident's merged figures after the event.")
    reports: int = Field(ge=1, description="Number of distinct reports merged so far.")
