"""Projects, memberships and the claim base they search."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from annotations.domain import DomainError, Role
from annotations.models import ClaimBase, Membership, Project
from annotations.services.audit import audit_record

DEFAULT_CLAIM_BASE_SLUG = "shared"


def claim_base_default() -> ClaimBase:
    """The installation's shared claim base, created on first use."""
    base, _ = ClaimBase.objects.get_or_create(
        slug=DEFAULT_CLAIM_BASE_SLUG, defaults={"name": "Shared claim base"}
    )
    return base


@transaction.atomic
def project_create(
    *,
    name: str,
    actor: User | None,
    slug: str = "",
    description: str = "",
    guidelines: str = "",
    labels: list[str] | None = None,
    reviewers_per_article: int = 2,
    claim_base: ClaimBase | None = None,
) -> Project:
    name = name.strip()
    if not name:
        raise DomainError("a project needs a name", field="name")
    slug = slugify(slug or name)
    if not slug:
        raise DomainError("the slug must contain letters or digits", field="slug")
    if Project.objects.filter(slug=slug).exists():
        raise DomainError(f"a project with slug {slug!r} exists already", field="slug", code="duplicate")
    if not 1 <= reviewers_per_article <= 20:
        raise DomainError("reviewers per article must be between 1 and 20", field="reviewers_per_article")
    labels = labels if labels is not None else ["claim"]
    if not labels or any(not isinstance(label, str) or not label.strip() for label in labels):
        raise DomainError("labels must be a non-empty list of non-blank strings", field="labels")
    project = Project.objects.create(
        name=name,
        slug=slug,
        description=description,
        guidelines=guidelines,
        labels=[label.strip() for label in labels],
        reviewers_per_article=reviewers_per_article,
        claim_base=claim_base or claim_base_default(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="project.create",
        obj=project,
        project=project,
        after={"name": name, "slug": slug, "reviewers_per_article": reviewers_per_article},
    )
    return project


def project_get_or_create(*, slug: str, actor: User | None) -> tuple[Project, bool]:
    """The project with this slug, created (named after the slug) if it does not exist."""
    existing = Project.objects.filter(slug=slugify(slug)).first()
    if existing is not None:
        return existing, False
    return project_create(name=slug, slug=slug, actor=actor), True


@transaction.atomic
def membership_set(*, project: Project, user: User, role: Role | str, actor: User | None) -> Membership:
    """Give `user` this role in `project` (one membership per user and project)."""
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(f"unknown role {role!r}", field="role") from None
    membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
    before = {"role": membership.role} if membership else None
    if membership is None:
        membership = Membership.objects.create(project=project, user=user, role=role)
    elif membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action="membership.set",
        obj=membership,
        project=project,
        before=before,
        after={"user": user.get_username(), "role": role.value},
    )
    return membership
