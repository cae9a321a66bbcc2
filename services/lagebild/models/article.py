"""The input message: one news article as published to the articles topic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

ArticleId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class Article(BaseModel):
    """A news article. ``text`` is plain text; ``published_at`` anchors relative dates."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: ArticleId = Field(description="Stable id of the article; the Kafka message key.")
    title: str = Field(default="", max_length=2_000)
    text: str = Field(min_length=1, description="Plain text body of the article.")
    published_at: datetime = Field(
        description="Publication time; naive timestamps are taken as UTC."
    )
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}$",
        description="ISO 639-1 code if the publisher states it.",
    )
    source: str | None = Field(default=None, max_length=256)
    url: str | None = Field(default=None, max_length=2_048)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is blank")
        return value

    @field_validator("published_at")
    @classmethod
    def _assume_utc(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)
