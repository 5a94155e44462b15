"""API fixtures: an article assigned to both annotators, and a claim in the project's claim base."""

from __future__ import annotations

from typing import Any

import pytest

from annotations.domain import normalize_text
from annotations.models import Article, CanonicalClaim
from annotations.services.claims import ClaimFields, claim_create
from annotations.services.review import assignment_create
from tests.conftest import Personas
from tests.factories import ArticleFactory

# Emoji (two code points, four UTF-16 units), a combining accent composed by NFC, and plain ASCII.
ARTICLE_TEXT = normalize_text(
    "Geneva, 18 February. Envoys 🇺🇦 met for two hours on Wednesday. Cafe\u0301 owners said the talks ended "
    "abruptly. The Kremlin said a ceasefire had not been agreed."
)


@pytest.fixture
def article(personas: Personas) -> Article:
    article = ArticleFactory.create(project=personas.project, text=ARTICLE_TEXT, title="Geneva talks")
    for annotator in (personas.annotator, personas.other_annotator):
        assignment_create(article=article, reviewer=annotator, actor=personas.manager)
    return article


@pytest.fixture
def claim(personas: Personas) -> CanonicalClaim:
    fields = ClaimFields(text="A ceasefire was agreed at the Geneva talks.", verdict="False", tags=("ceasefire",))
    return claim_create(claim_base_id=personas.project.claim_base_id, fields=fields, actor=personas.manager)


def span_body(text: str, needle: str, **extra: Any) -> dict[str, Any]:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle), "quote": needle, **extra}
