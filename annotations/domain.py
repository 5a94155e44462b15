"""The domain vocabulary: enums, frozen records passed between layers, and DomainError.

Standard library only, so every layer (pure parsers included) may import it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Ordered: a manager may do what a curator may, a curator what an annotator may."""

    ANNOTATOR = "annotator"
    CURATOR = "curator"
    MANAGER = "manager"

    def at_least(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


class ClaimStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"


class LinkSource(StrEnum):
    SUGGESTION = "suggestion"  # an accepted suggestion, with its rank and score
    SEARCH = "search"  # found by the reviewer through claim search
    CREATED = "created"  # a new claim written from the span
    NO_MATCH = "no_match"  # an explicit "no matching claim"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class AssignmentStatus(StrEnum):
    """An assignment holds one of the article's k reviewer slots while it is assigned, in progress or
    submitted; skipped, expired and revoked ones gave their slot back (the reviewer's spans are kept)."""

    ASSIGNED = "assigned"  # given by a manager or reopened by a curator; no lease until the reviewer starts
    IN_PROGRESS = "in_progress"  # taken, with a lease that work renews
    SUBMITTED = "submitted"
    SKIPPED = "skipped"  # the reviewer passed; the article is never handed to them again
    EXPIRED = "expired"  # the lease ran out; the reviewer may take the slot back while one is free
    REVOKED = "revoked"  # a manager moved the work to another reviewer

    @property
    def holds_slot(self) -> bool:
        return self in HOLDING_SLOT


HOLDING_SLOT = frozenset({AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED})
OPEN_WORK = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)
# A reviewer who skipped an article, or had it taken away, may no longer open it.
NO_ACCESS = (AssignmentStatus.SKIPPED, AssignmentStatus.REVOKED)


class ArticleStatus(StrEnum):
    """Where an article is in review, derived from its assignments by the review services."""

    UNASSIGNED = "unassigned"  # no reviewer holds a slot
    IN_REVIEW = "in_review"  # some reviewers hold slots, fewer than k have submitted
    READY_FOR_CURATION = "ready_for_curation"  # all k submitted
    CURATED = "curated"  # a curator completed the gold annotations


class QueueOrder(StrEnum):
    PRIORITY = "priority"  # highest priority (set at import) first, then oldest
    OLDEST = "oldest"  # oldest first, priority ignored


class AdjudicationStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REOPENED = "reopened"


class AgreementScope(StrEnum):
    PROJECT = "project"
    ARTICLE = "article"
    REVIEWER_PAIR = "reviewer_pair"


class ReleaseStatus(StrEnum):
    BUILDING = "building"
    PUBLISHED = "published"
    FAILED = "failed"


class ImportKind(StrEnum):
    ARTICLES = "articles"
    CLAIMS = "claims"


class DomainError(Exception):
    """Bad input or a forbidden state change; the edges turn it into a 4xx naming the field or line."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        code: str = "invalid",
        **details: Any,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.line = line
        self.code = code
        self.details = details  # further facts for the client, e.g. the text a quote should have been

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.message}"


@dataclass(frozen=True)
class ArticleRecord:
    """One article parsed from a file, before it is stored. `text` is already normalised."""

    text: str
    source_name: str
    line: int | None = None
    title: str = ""
    source_url: str = ""
    published_date: date | None = None
    language: str = ""
    external_id: str = ""
    priority: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", text_sha256(self.text))


@dataclass(frozen=True)
class ClaimRecord:
    """One claim parsed from a file, before the claim service validates and stores it.

    `text` is already normalised and single-line fields are whitespace-folded; length limits are the
    service's to check.
    """

    text: str
    source_name: str
    line: int | None = None
    title: str = ""
    language: str = ""
    claimant: str = ""
    claim_date: date | None = None
    verdict: str = ""
    fact_check_url: str = ""
    reviewed_by: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Something in an input that could not be used, located by file and (where known) line and field."""

    source_name: str
    message: str
    line: int | None = None
    field: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        where = self.source_name + (f", line {self.line}" if self.line is not None else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.source_name,
            "line": self.line,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def normalize_text(text: str) -> str:
    """The one normalisation stored text receives: NFC, LF line ends, no control characters, trimmed.

    Offsets are code points into the result, so this must never change for stored articles.
    """
    # Each step first checks whether it has anything to do: imports call this for every field.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if " \n" in text or "\t\n" in text:
        text = _TRAILING_SPACE.sub("\n", text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.strip()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


PREFIX_SUFFIX_LENGTH = 32


def quote_context(text: str, start: int, end: int) -> tuple[str, str, str]:
    """Return (prefix, exact, suffix) for a half-open code-point range, as a W3C TextQuoteSelector."""
    if not (0 <= start < end <= len(text)):
        raise DomainError(f"0 <= start < end <= {len(text)} does not hold for [{start}, {end})", field="end")
    return (
        text[max(0, start - PREFIX_SUFFIX_LENGTH) : start],
        text[start:end],
        text[end : end + PREFIX_SUFFIX_LENGTH],
    )


@dataclass(frozen=True)
class ImportReport:
    """What an import did: counts, and the problems (file, line, field, message) it met."""

    batch_id: int
    created: int
    duplicates: int
    failed: int
    problems: tuple[Problem, ...]
    problems_truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "created": self.created,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "problems": [problem.as_dict() for problem in self.problems],
            "problems_truncated": self.problems_truncated,
        }
