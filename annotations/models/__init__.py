"""Domain models, one module per aggregate."""

from annotations.models.agreement import AgreementSnapshot
from annotations.models.article import Article, ImportBatch
from annotations.models.audit import AuditEvent
from annotations.models.claim import CanonicalClaim, ClaimEmbedding
from annotations.models.project import ClaimBase, Membership, Project
from annotations.models.release import DatasetRelease
from annotations.models.review import Adjudication, Assignment
from annotations.models.span import ClaimLink, Span
from annotations.models.suggestion import Suggestion, SuggestionRun
from annotations.models.token import ApiToken

__all__ = [
    "Adjudication",
    "AgreementSnapshot",
    "ApiToken",
    "Article",
    "Assignment",
    "AuditEvent",
    "CanonicalClaim",
    "ClaimBase",
    "ClaimEmbedding",
    "ClaimLink",
    "DatasetRelease",
    "ImportBatch",
    "Membership",
    "Project",
    "Span",
    "Suggestion",
    "SuggestionRun",
]
