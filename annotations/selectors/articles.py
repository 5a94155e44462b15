"""Reads of articles and spans, with blind review applied.

Blind review: until an article's adjudication is completed, an annotator sees only their own spans (and
their links and suggestions), and only the articles assigned to them. Curators and managers see everything.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from annotations.domain import AdjudicationStatus, AssignmentStatus, Role
from annotations.models import Adjudication, Article, Assignment, Project, Span
from annotations.selectors.projects import project_role


def articles_visible(*, user: User, role: Role, project: Project) -> QuerySet[Article]:
    """The project's articles the user may open; an annotator's are the ones assigned to them."""
    queryset = Article.objects.filter(project=project)
    if role == Role.ANNOTATOR:
        queryset = queryset.filter(
            Exists(
                Assignment.objects.filter(article=OuterRef("pk"), reviewer=user).exclude(
                    status=AssignmentStatus.SKIPPED
                )
            )
        )
    return queryset


def articles_list(
    *,
    user: User,
    role: Role,
    project: Project,
    q: str = "",
    language: str = "",
    external_id: str = "",
    published_after: object = None,
    published_before: object = None,
) -> QuerySet[Article]:
    queryset = articles_visible(user=user, role=role, project=project).defer("text", "metadata")
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(text__icontains=q))
    if language:
        queryset = queryset.filter(language=language)
    if external_id:
        queryset = queryset.filter(external_id=external_id)
    if published_after:
        queryset = queryset.filter(published_date__gte=published_after)
    if published_before:
        queryset = queryset.filter(published_date__lte=published_before)
    return queryset.annotate(my_span_count=Count("spans", filter=Q(spans__annotator=user)))


def article_for(*, user: User, article_id: int) -> tuple[Article, Role] | None:
    """The article and the user's role in its project, or None if the user may not open it."""
    article = Article.objects.select_related("project").filter(pk=article_id).first()
    if article is None:
        return None
    role = project_role(user=user, project_id=article.project_id)
    if role is None:
        return None
    if not articles_visible(user=user, role=role, project=article.project).filter(pk=article.pk).exists():
        return None
    return article, role


def article_is_adjudicated(article: Article) -> bool:
    return Adjudication.objects.filter(article=article, status=AdjudicationStatus.COMPLETED).exists()


def spans_visible(*, user: User, role: Role, article: Article) -> QuerySet[Span]:
    """The article's spans the user may see, with links and claims joined in (no N+1)."""
    queryset = Span.objects.filter(article=article)
    if role == Role.ANNOTATOR and not article_is_adjudicated(article):
        queryset = queryset.filter(annotator=user, is_gold=False)
    return queryset.select_related("annotator", "link", "link__claim").order_by("start", "end", "id")


def span_for(*, user: User, span_id: int) -> tuple[Span, Role] | None:
    """A span the user may see (with its article and link), or None: blind review hides the rest."""
    span = Span.objects.select_related("article", "article__project", "link", "link__claim").filter(pk=span_id)
    found = span.first()
    if found is None:
        return None
    opened = article_for(user=user, article_id=found.article_id)
    if opened is None:
        return None
    article, role = opened
    if role == Role.ANNOTATOR and found.annotator_id != user.pk and not article_is_adjudicated(article):
        return None
    return found, role
