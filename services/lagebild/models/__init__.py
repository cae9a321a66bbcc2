"""Pydantic v2 models: the source of truth for every message on the wire.

JSON Schema files in ``schemas/`` are generated from these (``lagebild schemas``).
"""

from lagebild.models.article import Article
from lagebild.models.events import (
    SCHEMA_VERSION,
    AttackEvent,
    CasualtiesEvent,
    Event,
    EventAdapter,
    Evidence,
    Figure,
    MeetingEvent,
    MeetingStatus,
    Participant,
    Place,
    Qualifier,
    WeaponClass,
)
from lagebild.models.incidents import IncidentUpdate

__all__ = [
    "SCHEMA_VERSION",
    "Article",
    "AttackEvent",
    "CasualtiesEvent",
    "Event",
    "EventAdapter",
    "Evidence",
    "Figure",
    "IncidentUpdate",
    "MeetingEvent",
    "MeetingStatus",
    "Participant",
    "Place",
    "Qualifier",
    "WeaponClass",
]
