"""Event ids and incident keys: deterministic, unique per event, coarse enough to co-locate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lagebild.extraction import extract
from lagebild.identity import attack_key, casualties_key, meeting_key
from lagebild.ingest import read_articles
from lagebild.models import Article

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_articles() -> list[Article]:
    seed = next(read_articles(FIXTURES / "article-de-2025-04-25.txt"))
    english = Article.model_validate(json.loads((FIXTURES / "article-en-sample.json").read_text()))
    return [seed, english]


@pytest.mark.parametrize("article", fixture_articles(), ids=lambda a: a.id)
def test_event_ids_are_unique_and_stable(article: Article) -> None:
    first = [e.event_id for e in extract(article)]
    assert len(first) == len(set(first))
    assert [e.event_id for e in extract(article)] == first


def test_keys_carry_no_date_so_reports_of_other_days_can_merge() -> None:
    assert attack_key("UA", ["Kyiv"]) == "attack|UA|Kyiv"
    assert casualties_key("UA-12", "Pavlohrad") == "casualties|Pavlohrad"
    assert meeting_key(["Mark Rutte", "Donald Trump", "Mark Rutte"]) == (
        "meeting|Donald Trump+Mark Rutte"
    )


def test_waves_over_several_regions_are_nationwide() -> None:
    assert attack_key("UA", [], ["UA-63", "UA-59"]) == "attack|UA|nationwide"
    assert attack_key("UA", ["Kyiv"], ["UA-30"], nationwide=True) == "attack|UA|nationwide"
    assert attack_key("UA", [], ["UA-63"]) == "attack|UA|UA-63"
    assert attack_key(None) == "attack|unknown|unknown"
