"""API views of review work (issue #6): the pull queue with leases, skipping, reopening and reassigning,
curation (the queue, the aligned view, gold spans) and managers' progress. Thin, as in views.py.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import review_serializers as r
from annotations.api import serializers as s
from annotations.api.common import NumberedPage
from annotations.api.permissions import acting_user, project_for
from annotations.api.views import article_or_404, parse, responses, user_by_name
from annotations.domain import Role
from annotations.models import Adjudication, Article, Assignment, Span
from annotations.selectors.projects import project_with_role
from annotations.selectors.review import curation_queue, curation_view, project_progress
from annotations.services.curation import (
    GoldFields,
    curation_complete,
    curation_reopen,
    curation_start,
    gold_span_create,
    gold_span_delete,
)
from annotations.services.review import (
    assignment_reassign,
    assignment_renew,
    assignment_reopen,
    assignment_skip,
    queue_next,
)


def curated_article(request: Request, article_id: int) -> Article:
    """An article the caller curates: 404 when they may not open it, 403 below the curator role."""
    article, role = article_or_404(request, article_id)
    if not role.at_least(Role.CURATOR):
        raise PermissionDenied("this needs the curator role in the project")
    return article


def assignment_in_scope(request: Request, assignment_id: int, *, needs: Role) -> Assignment:
    """An assignment of a project the caller belongs to with the role; other projects' ids answer 404,
    exactly like missing ones."""
    project_id = Assignment.objects.filter(pk=assignment_id).values_list("article__project_id", flat=True).first()
    found = project_with_role(user=request.user, project_id=project_id) if project_id is not None else None
    if found is None:
        raise NotFound("no such assignment")
    if not found[1].at_least(needs):
        raise PermissionDenied(f"this needs the {needs.value} role in the project")
    return Assignment.objects.select_related("article", "reviewer").get(pk=assignment_id)


# --- The reviewer's queue ---------------------------------------------------------------------------


class QueueNextView(APIView):
    @extend_schema(
        operation_id="queue_next",
        summary="My next article (annotator): my open work first, else a free slot from the pool",
        description="Starts or renews the lease on the article handed out. 204 when nothing is left for me: "
        "every article has its k reviewers, or I already had (or skipped) the rest. 409 (rare) when the queue "
        "changed under every attempt: ask again.",
        request=None,
        responses=responses({200: r.QueueAssignmentOutput, 204: None}, 403, 409),
    )
    def post(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.ANNOTATOR)
        assignment = queue_next(project=project, reviewer=acting_user(request))
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(r.QueueAssignmentOutput(assignment).data)


class ArticleLeaseView(APIView):
    @extend_schema(
        operation_id="articles_lease",
        summary="Renew (or start) my lease on an article I review",
        description="Send while working. An expired lease is taken back if a slot is still free; a 409 "
        "means the article went to another reviewer (my spans are kept).",
        request=None,
        responses=responses({200: s.AssignmentOutput}, 403, 409),
    )
    def post(self, request: Request, article_id: int) -> Response:
        article, _ = article_or_404(request, article_id)
        assignment = assignment_renew(article=article, reviewer=acting_user(request))
        return Response(s.AssignmentOutput(assignment).data)


class ArticleSkipView(APIView):
    @extend_schema(
        operation_id="articles_skip",
        summary="Pass on an article: it goes to someone else, never back to me",
        request=None,
        responses=responses({200: s.AssignmentOutput}, 403, 409),
    )
    def post(self, request: Request, article_id: int) -> Response:
        article, _ = article_or_404(request, article_id)
        assignment = assignment_skip(article=article, reviewer=acting_user(request))
        return Response(s.AssignmentOutput(assignment).data)


class AssignmentReopenView(APIView):
    @extend_schema(
        operation_id="assignments_reopen",
        summary="Hand submitted work back to its reviewer (curator or manager)",
        description="The reviewer's spans unlock and the article returns to their queue. Not on a curated "
        "article: reopen its curation first (409).",
        request=None,
        responses=responses({200: s.AssignmentOutput}, 403, 409),
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = assignment_in_scope(request, assignment_id, needs=Role.CURATOR)
        reopened = assignment_reopen(assignment=assignment, actor=acting_user(request))
        return Response(s.AssignmentOutput(reopened).data)


class AssignmentReassignView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="assignments_reassign",
        summary="Move unfinished work to another reviewer (manager)",
        description="The assignment is revoked (its spans stay stored); the new reviewer gets the article "
        "at the top of their queue. Answers the new assignment.",
        request=r.ReassignInput,
        responses=responses({201: s.AssignmentOutput}, 400, 403, 409),
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = assignment_in_scope(request, assignment_id, needs=Role.MANAGER)
        data = parse(r.ReassignInput, request.data)
        reviewer = user_by_name(data["reviewer"], "reviewer")
        created = assignment_reassign(assignment=assignment, reviewer=reviewer, actor=acting_user(request))
        return Response(s.AssignmentOutput(created).data, status=status.HTTP_201_CREATED)


# --- Curation ---------------------------------------------------------------------------------------


class CurationQueueView(GenericAPIView):
    pagination_class = NumberedPage
    serializer_class = r.CurationQueueOutput

    @extend_schema(
        operation_id="curation_queue",
        summary="Articles ready for curation, most disagreement first (curator or manager)",
        responses=responses({200: r.CurationQueueOutput(many=True)}, 403),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        page = self.paginate_queryset(curation_queue(project=project))
        return self.get_paginated_response(r.CurationQueueOutput(page, many=True).data)


def _curation_body(article: Article) -> dict[str, Any]:
    view = curation_view(article=article)
    adjudication = Adjudication.objects.select_related("curator").filter(article=article).first()
    groups = [
        {
            "start": group.start,
            "end": group.end,
            "kind": group.kind,
            "missing": list(group.missing),
            "by_reviewer": {
                str(reviewer): [view.spans[item.id] for item in items] for reviewer, items in group.by_reviewer.items()
            },
        }
        for group in view.groups
    ]
    return dict(
        r.CurationOutput(
            {
                "article": article.pk,
                "title": article.title,
                "review_status": article.review_status,
                "disagreement": article.disagreement,
                "reviewers": view.reviewers,
                "groups": groups,
                "gold": view.gold,
                "adjudication": adjudication,
                "assignments": view.assignments,
            }
        ).data
    )


class CurationView(APIView):
    @extend_schema(
        operation_id="curation_retrieve",
        summary="An article's curation: the reviewers' spans aligned into groups, and the gold so far",
        responses=responses({200: r.CurationOutput}, 403),
    )
    def get(self, request: Request, article_id: int) -> Response:
        return Response(_curation_body(curated_article(request, article_id)))

    @extend_schema(
        operation_id="curation_start",
        summary="Start (or resume, or take over) the article's curation",
        description="Once all k reviewers have submitted (409 before). The first start pre-fills a gold span "
        "wherever every reviewer made the same span with the same link. Answers the curation view.",
        request=None,
        responses=responses({200: r.CurationOutput}, 403, 409),
    )
    def post(self, request: Request, article_id: int) -> Response:
        article = curated_article(request, article_id)
        curation_start(article=article, curator=acting_user(request))
        article.refresh_from_db(fields=["review_status", "disagreement"])
        return Response(_curation_body(article))


class CurationCompleteView(APIView):
    @extend_schema(
        operation_id="curation_complete",
        summary="Confirm the gold: the article is curated and blind review ends for it",
        request=None,
        responses=responses({200: r.AdjudicationOutput}, 403, 409),
    )
    def post(self, request: Request, article_id: int) -> Response:
        article = curated_article(request, article_id)
        adjudication = curation_complete(article=article, curator=acting_user(request))
        return Response(r.AdjudicationOutput(adjudication).data)


class CurationReopenView(APIView):
    @extend_schema(
        operation_id="curation_reopen",
        summary="Reopen a curated article: its gold can change again, and blind review applies again",
        request=None,
        responses=responses({200: r.AdjudicationOutput}, 403, 409),
    )
    def post(self, request: Request, article_id: int) -> Response:
        article = curated_article(request, article_id)
        adjudication = curation_reopen(article=article, curator=acting_user(request))
        return Response(r.AdjudicationOutput(adjudication).data)


def _gold_out(span_id: int) -> dict[str, Any]:
    span = Span.objects.select_related("annotator", "link", "link__claim").prefetch_related("derived_from")
    return dict(r.GoldSpanOutput(span.get(pk=span_id)).data)


class GoldSpanListView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="gold_spans_create",
        summary="Write a gold span (curator or manager; the curation must be open)",
        description="Accept a reviewer's span (`from_span`), accept it with changes (from_span plus fields), "
        "or write a new one (`start`, `end`). A link copied from a reviewer keeps its source and suggestion "
        "rank, score and model. `derived_from` names further reviewer spans it settles.",
        request=r.GoldInput,
        responses=responses({201: r.GoldSpanOutput}, 400, 403, 409),
    )
    def post(self, request: Request, article_id: int) -> Response:
        article = curated_article(request, article_id)
        data = parse(r.GoldInput, request.data)
        fields = GoldFields(**{**data, "derived_from": tuple(data["derived_from"])})
        gold = gold_span_create(article=article, curator=acting_user(request), fields=fields)
        return Response(_gold_out(gold.pk), status=status.HTTP_201_CREATED)


class GoldSpanDetailView(APIView):
    @extend_schema(
        operation_id="gold_spans_destroy",
        summary="Delete a gold span (curator or manager; the curation must be open)",
        responses=responses({204: None}, 403, 409),
    )
    def delete(self, request: Request, span_id: int) -> Response:
        article_id = Span.objects.filter(pk=span_id, is_gold=True).values_list("article_id", flat=True).first()
        if article_id is None:
            raise NotFound("no such gold span")
        try:
            article = curated_article(request, article_id)
        except NotFound:
            raise NotFound("no such gold span") from None
        gold_span_delete(article=article, span_id=span_id, curator=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Progress ---------------------------------------------------------------------------------------


class ProgressView(APIView):
    @extend_schema(
        operation_id="projects_progress",
        summary="Review progress (manager): articles by status, reviewers, submissions per day, stuck leases",
        responses=responses({200: r.ProgressOutput}, 403),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        progress = project_progress(project=project)
        body = {
            "articles": progress.articles,
            "reviewers": progress.reviewers,
            "per_day": progress.per_day,
            "stuck": progress.stuck,
        }
        return Response(r.ProgressOutput(body).data)
