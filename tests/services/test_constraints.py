"""The database refuses bad states on its own: CHECK constraints, unique keys and triggers."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.domain import ClaimStatus, LinkSource, ReleaseStatus, Role, quote_context
from annotations.models import (
    AgreementSnapshot,
    Article,
    AuditEvent,
    CanonicalClaim,
    ClaimEmbedding,
    ClaimLink,
    DatasetRelease,
    Span,
)
from annotations.services.audit import audit_record
from annotations.services.claims import claim_normalized_text
from tests.factories import ArticleFactory, ClaimBaseFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Talks in Genève 🇺🇦 ended; e\u0301 the envoy said progress was made."


def make_span(article: Article, start: int, end: int, **overrides: object) -> Span:
    prefix, quote, suffix = quote_context(article.text, start, end)
    fields = {
        "article": article,
        "annotator": UserFactory.create(),
        "start": start,
        "end": end,
        "quote": quote,
        "prefix": prefix,
        "suffix": suffix,
        **overrides,
    }
    return Span.objects.create(**fields)


def refused(callable_: object, match: str) -> None:
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        callable_()  # type: ignore[operator]


def test_span_offsets_must_lie_inside_the_text_and_match_the_quote() -> None:
    article = ArticleFactory.create(text=TEXT)
    span = make_span(article, 16, 18)  # the flag: two code points, four UTF-16 units
    assert span.quote == "🇺🇦"
    length = len(TEXT)
    raw = {"article": article, "annotator": UserFactory.create(), "quote": ""}
    refused(lambda: Span.objects.create(start=0, end=0, **raw), "start < end")
    refused(lambda: Span.objects.create(start=5, end=3, **raw), "start < end")
    refused(
        lambda: Span.objects.create(
            article=article,
            annotator=UserFactory.create(),
            start=length - 2,
            end=length + 1,
            quote=TEXT[length - 2 :] + "x",
        ),
        "past the article length",
    )
    refused(lambda: make_span(article, 0, 5, quote="Tolks"), "quote does not equal")
    refused(lambda: make_span(article, 10, 15, prefix="wrong"), "prefix/suffix")
    refused(lambda: Span.objects.filter(pk=span.pk).update(end=19), "quote does not equal")


def test_article_text_is_immutable_and_unique_per_project() -> None:
    article = ArticleFactory.create(text=TEXT)
    refused(lambda: Article.objects.filter(pk=article.pk).update(text=TEXT + "!"), "immutable")
    Article.objects.filter(pk=article.pk).update(title="A new title")  # metadata may change
    refused(lambda: ArticleFactory.create(project=article.project, text=TEXT), "article_unique_text_per_project")
    ArticleFactory.create(text=TEXT)  # the same text in another project is fine
    refused(lambda: ArticleFactory.create(text="x", sha256="not-a-hash"), "article_sha256_hex")


def test_one_membership_per_user_and_project_and_roles_are_known() -> None:
    membership = MembershipFactory.create(role=Role.ANNOTATOR)
    refused(
        lambda: MembershipFactory.create(user=membership.user, project=membership.project, role=Role.CURATOR),
        "membership_one_per_user_and_project",
    )
    refused(lambda: MembershipFactory.create(role="owner"), "membership_role_valid")


def test_claims_merge_only_into_another_claim_and_text_is_unique_per_base() -> None:
    base = ClaimBaseFactory.create()

    def claim(text: str, **extra: object) -> CanonicalClaim:
        return CanonicalClaim.objects.create(
            claim_base=base, text=text, normalized_text=claim_normalized_text(text), **extra
        )

    first = claim("A ceasefire was signed in Geneva.")
    refused(lambda: claim("A  CEASEFIRE was signed in Geneva."), "claim_unique_text_per_base")
    refused(lambda: claim("Merged without a target.", status=ClaimStatus.MERGED), "claim_merged_iff_target")
    second = claim("Active with a target.")
    refused(
        lambda: CanonicalClaim.objects.filter(pk=second.pk).update(merged_into=first),
        "claim_merged_iff_target",
    )
    refused(
        lambda: CanonicalClaim.objects.filter(pk=first.pk).update(status=ClaimStatus.MERGED, merged_into=first),
        "claim_not_merged_into_itself",
    )
    ok = claim("Right dimension.")
    ClaimEmbedding.objects.create(
        claim=ok,
        model_name="m",
        model_version="1",
        dimensions=3,
        vector=[0.1, 0.2, 0.3],
        text_sha256="0" * 64,
    )
    refused(
        lambda: ClaimEmbedding.objects.create(
            claim=second,
            model_name="m",
            model_version="1",
            dimensions=4,
            vector=[0.1, 0.2, 0.3],
            text_sha256="0" * 64,
        ),
        "claim_embedding_dimensions_match",
    )
    refused(
        lambda: ClaimEmbedding.objects.create(
            claim=ok,
            model_name="m",
            model_version="1",
            dimensions=3,
            vector=[0.3, 0.2, 0.1],
            text_sha256="0" * 64,
        ),
        "claim_embedding_one_per_model",
    )
    assert CanonicalClaim.objects.filter(pk=ok.pk, search_vector="dimension").exists()


def test_claim_link_is_a_claim_or_an_explicit_no_match() -> None:
    article = ArticleFactory.create(text=TEXT)
    span = make_span(article, 0, 5)
    user = UserFactory.create()
    refused(
        lambda: ClaimLink.objects.create(span=span, source=LinkSource.SEARCH, created_by=user),
        "claim_link_no_match_iff_no_claim",
    )
    refused(
        lambda: ClaimLink.objects.create(span=span, source=LinkSource.SUGGESTION, created_by=user, claim=_claim()),
        "claim_link_suggestion_has_rank",
    )
    link = ClaimLink.objects.create(span=span, source=LinkSource.NO_MATCH, created_by=user)
    refused(lambda: ClaimLink.objects.create(span=span, source=LinkSource.NO_MATCH, created_by=user), "span_id")
    assert link.claim is None


def _claim() -> CanonicalClaim:
    text = "The envoy said progress was made."
    return CanonicalClaim.objects.create(
        claim_base=ClaimBaseFactory.create(), text=text, normalized_text=claim_normalized_text(text)
    )


def test_audit_events_are_append_only() -> None:
    project = ProjectFactory.create()
    event = audit_record(actor=None, action="test", obj=project, project=project, after={"a": 1})
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(action="edited"), "append-only")
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete(), "append-only")


def test_agreement_snapshots_are_never_overwritten_and_scopes_are_consistent() -> None:
    project = ProjectFactory.create()
    snapshot = AgreementSnapshot.objects.create(
        project=project, scope="project", metric="span_f1", value=0.8, n_units=10, inputs_fingerprint="f" * 64
    )
    refused(lambda: AgreementSnapshot.objects.filter(pk=snapshot.pk).update(value=0.9), "append-only")
    a, b = sorted([UserFactory.create(), UserFactory.create()], key=lambda u: u.pk)
    refused(
        lambda: AgreementSnapshot.objects.create(
            project=project,
            scope="reviewer_pair",
            reviewer_a=b,
            reviewer_b=a,
            metric="kappa",
            n_units=1,
            inputs_fingerprint="0" * 64,
        ),
        "agreement_scope_fields_match",
    )
    refused(
        lambda: AgreementSnapshot.objects.create(
            project=project, scope="article", metric="kappa", n_units=1, inputs_fingerprint="0" * 64
        ),
        "agreement_scope_fields_match",
    )


def test_published_releases_are_immutable() -> None:
    project = ProjectFactory.create()
    release = DatasetRelease.objects.create(project=project, version=1, created_by=UserFactory.create())
    DatasetRelease.objects.filter(pk=release.pk).update(progress=0.5)  # still building: may change
    DatasetRelease.objects.filter(pk=release.pk).update(status=ReleaseStatus.PUBLISHED, published_at=timezone.now())
    refused(lambda: DatasetRelease.objects.filter(pk=release.pk).update(counts={"spans": 1}), "append-only")
    refused(lambda: DatasetRelease.objects.filter(pk=release.pk).delete(), "append-only")
    refused(
        lambda: DatasetRelease.objects.create(project=project, version=1, created_by=UserFactory.create()),
        "release_version_unique_per_project",
    )
