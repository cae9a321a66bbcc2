"""Enriched events: what the extractor publishes to the events topic.

One message per event; ``type`` discriminates attack, casualties and meeting.
``incident_key`` is the message key: reports of the same incident share it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SCHEMA_VERSION: Literal[1] = 1


class Qualifier(StrEnum):
    """How exactly a number was reported."""

    EXACT = "exact"
    AT_LEAST = "at_least"  # mindestens, at least
    MORE_THAN = "more_than"  # mehr als, more than
    ABOUT = "about"  # rund, etwa, about
    UP_TO = "up_to"  # bis zu, up to
    WORD_QUANTITY = "word_quantity"  # Dutzende, dozens


class WeaponClass(StrEnum):
    DRONE = "drone"
    CRUISE_MISSILE = "cruise_missile"
    BALLISTIC_MISSILE = "ballistic_missile"
    MISSILE = "missile"  # a missile of unspecified kind
    GLIDE_BOMB = "glide_bomb"
    ARTILLERY = "artillery"
    ROCKET_ARTILLERY = "rocket_artillery"
    AIR_STRIKE = "air_strike"  # unspecified air attack
    GROUND_ASSAULT = "ground_assault"
    OTHER = "other"


class MeetingStatus(StrEnum):
    HELD = "held"
    PLANNED = "planned"
    PHONE_CALL = "phone_call"
    VIDEO_CALL = "video_call"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Figure(_Frozen):
    """A reported number with its qualifier; ``low``/``high`` hold a range if given."""

    value: int = Field(ge=0)
    qualifier: Qualifier = Qualifier.EXACT
    low: int | None = Field(default=None, ge=0)
    high: int | None = Field(default=None, ge=0)


class Place(_Frozen):
    name: str = Field(description="Canonical (English) place name.")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    region: str | None = Field(default=None, description="ISO 3166-2 subdivision code.")
    lat: float | None = None
    lon: float | None = None


class Evidence(_Frozen):
    article_id: str
    sentence: str
    start: int = Field(ge=0, description="Character offset of the sentence in the text.")
    end: int = Field(ge=0)
    confidence: float = Field(ge=0.0, le=1.0)


class Participant(_Frozen):
    name: str = Field(description="Canonical name of the person.")
    role: str | None = Field(default=None, description="Role at the time, e.g. 'US President'.")
    affiliation: str | None = Field(
        default=None, description="ISO country code or organisation (NATO, EU, UN)."
    )


class _EventBase(_Frozen):
    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: str = Field(description="Deterministic: the same article gives the same ids.")
    incident_key: str = Field(description="Reports of the same incident share this key.")
    article_id: str
    published_at: dt.datetime = Field(description="Publication time of the source article.")
    date: dt.date | None = Field(description="Day the incident happened, if known.")
    extractor_version: str
    evidence: list[Evidence] = Field(min_length=1)


class AttackEvent(_EventBase):
    type: Literal["attack"] = "attack"
    attacker: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    target_country: str | None = None
    weapon_class: WeaponClass
    weapon_models: list[str] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list, description="ISO 3166-2 regions hit.")
    launched: Figure | None = None
    shot_down: Figure | None = None
    diverted: Figure | None = Field(default=None, description="Lost to electronic warfare.")
    hit: Figure | None = None
    outcome: Literal["repelled", "hit", "unknown"] | None = None
    reported_by: str | None = None


class CasualtiesEvent(_EventBase):
    type: Literal["casualties"] = "casualties"
    place: Place | None = None
    region: str | None = None
    killed: Figure | None = None
    injured: Figure | None = None
    children_killed: Figure | None = None
    children_injured: Figure | None = None
    is_update: bool = Field(default=False, description="Replaces an earlier figure.")
    is_running_total: bool = Field(
        default=False, description="Cumulative since the war began: never a new incident."
    )
    caused_by: str | None = Field(default=None, description="incident_key of the attack.")


class MeetingEvent(_EventBase):
    type: Literal["meeting"] = "meeting"
    participants: list[Participant] = Field(min_length=2)
    place: Place | None = None
    status: MeetingStatus = MeetingStatus.HELD


Event = Annotated[AttackEvent | CasualtiesEvent | MeetingEvent, Field(discriminator="type")]
EventAdapter: TypeAdapter[AttackEvent | CasualtiesEvent | MeetingEvent] = TypeAdapter(Event)
