"""Projects, memberships and the claim base they search."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from annotations.domain import DomainError, QueueOrder, Role
from annotations.models import ClaimBase, Membership, Project
from annotations.services.audit import audit_record
from annotations.services.review import project_review_refresh

DEFAULT_CLAIM_BASE_SLUG = "shared"


NAME_MAX = Project._meta.get_field("name").max_length or 200
SLUG_MAX = Project._meta.get_field("slug").max_length or 100


def claim_base_default() -> ClaimBase:
    """The installation's shared claim base, created on first use."""
    base, _ = ClaimBase.objects.get_or_create(slug=DEFAULT_CLAIM_BASE_SLUG, defaults={"name": "Shared claim base"})
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
    if len(name) > NAME_MAX:
        raise DomainError(f"a project name has at most {NAME_MAX} characters", field="name")
    if len(slugify(slug)) > SLUG_MAX:
        raise DomainError(f"a slug has at most {SLUG_MAX} characters", field="slug")
    slug = slugify(slug) or slugify(name)[:SLUG_MAX].rstrip("-")  # one made from a long name is cut short
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


def project_get_or_create(
    *, slug: str, actor: User | None, claim_base: ClaimBase | None = None
) -> tuple[Project, bool]:
    """The project with this slug, created (named after the slug) if it does not exist."""
    existing = Project.objects.filter(slug=slugify(slug)).first()
    if existing is not None:
        return existing, False
    return project_create(name=slug, slug=slug, actor=actor, claim_base=claim_base), True


def claim_base_get_or_create(*, slug: str) -> ClaimBase:
    base, _ = ClaimBase.objects.get_or_create(slug=slugify(slug), defaults={"name": slug})
    return base


@transaction.atomic
def membership_set(*, project: Project, user: User, role: Role | str, actor: User | None) -> Membership:
    """Give `user` this role in `project` (one membership per user and project)."""
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(f"unknown role {role!r}", field="role") from None
    membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
    before = {"role": membership.role} if membership else None
    if membership is not None and membership.role == Role.MANAGER and role != Role.MANAGER:
        others = Membership.objects.filter(project=project, role=Role.MANAGER).exclude(pk=membership.pk)
        if not others.exists():
            raise DomainError("a project needs at least one manager", field="role", code="conflict")
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


PROJECT_EDITABLE = (
    "name",
    "description",
    "guidelines",
    "labels",
    "reviewers_per_article",
    "lease_minutes",
    "queue_order",
)


@transaction.atomic
def project_update(*, project: Project, actor: User, changes: dict[str, object]) -> Project:
    """Change a project's settings (managers); the slug and claim base stay as created."""
    unknown = set(changes) - set(PROJECT_EDITABLE)
    if unknown:
        raise DomainError(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    locked = Project.objects.select_for_update().get(pk=project.pk)
    before = {name: getattr(locked, name) for name in changes}
    if "name" in changes:
        name = str(changes["name"]).strip()
        if not name:
            raise DomainError("a project needs a name", field="name")
        locked.name = name
    if "labels" in changes:
        labels = changes["labels"]
        if not isinstance(labels, list) or not labels or any(not isinstance(x, str) or not x.strip() for x in labels):
            raise DomainError("labels must be a non-empty list of non-blank strings", field="labels")
        locked.labels = [label.strip() for label in labels]
    if "reviewers_per_article" in changes:
        k = changes["reviewers_per_article"]
        if not isinstance(k, int) or not 1 <= k <= 20:
            raise DomainError("reviewers per article must be between 1 and 20", field="reviewers_per_article")
        locked.reviewers_per_article = k
    if "lease_minutes" in changes:
        minutes = changes["lease_minutes"]
        if not isinstance(minutes, int) or not 1 <= minutes <= 1440:
            raise DomainError("the lease must be between 1 and 1440 minutes", field="lease_minutes")
        locked.lease_minutes = minutes
    if "queue_order" in changes:
        if changes["queue_order"] not in set(QueueOrder):
            raise DomainError(f"queue order is one of: {', '.join(QueueOrder)}", field="queue_order")
        locked.queue_order = str(changes["queue_order"])
    for name in ("description", "guidelines"):
        if name in changes:
            setattr(locked, name, str(changes[name]))
    locked.save()
    if before.get("reviewers_per_article", locked.reviewers_per_article) != locked.reviewers_per_article:
        project_review_refresh(project=locked)  # every unfinished article's free slots follow the new k
    audit_record(
        actor=actor,
        action="project.update",
        obj=locked,
        project=locked,
        before=before,
        after={name: getattr(locked, name) for name in changes},
    )
    return locked


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    """Remove a member; a project always keeps at least one manager."""
    locked = Membership.objects.select_for_update(of=("self",)).select_related("project", "user").get(pk=membership.pk)
    if locked.role == Role.MANAGER:
        others = Membership.objects.filter(project=locked.project, role=Role.MANAGER).exclude(pk=locked.pk)
        if not others.exists():
            raise DomainError("a project needs at least one manager", field="role", code="conflict")
    audit_record(
        actor=actor,
        action="membership.remove",
        obj=locked,
        project=locked.project,
        before={"user": locked.user.get_username(), "role": locked.role},
    )
    locked.delete()
