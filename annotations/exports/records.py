"""The plain records a release is written from: a frozen snapshot of the project's reviewed data, built by
the release service and streamed to the writers one record at a time (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OFFSETS = "unicode code points, half-open [start, end), into the article text as stored (NFC)"


@dataclass(frozen=True)
class ReleaseArticle:
    article_id: int
    external_id: str
    title: str
    source_url: str
    language: str
    published_date: str | None  # ISO date
    sha256: str
    text: str
    priority: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReleaseClaim:
    claim_id: int
    text: str
    title: str = ""
    language: str = ""
    claimant: str = ""
    claim_date: str | None = None  # ISO date
    verdict: str = ""
    fact_check_url: str = ""
    reviewed_by: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseSpan:
    """One span: a curator's gold span, or (optionally) a reviewer's own. People are pseudonyms by default."""

    span_id: int
    article_id: int
    article_external_id: str
    article_sha256: str
    article_url: str
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    label: str
    note: str
    is_gold: bool
    claim_id: int | None  # None: no link, or an explicit "no match" (see link_source)
    claim_text: str
    link_source: str | None  # suggestion | search | created | no_match | None (no link)
    suggestion_rank: int | None
    suggestion_score: float | None
    suggestion_model: str  # "name@version", or "" when the link did not come from a suggestion
    reviewers: tuple[str, ...]  # who made it (a reviewer span) or whose spans it settles (a gold span)
    curator: str | None
    derived_from: tuple[int, ...]
    created_at: str  # ISO 8601, UTC
    updated_at: str
