"""Thin API views: parse input, resolve the project scope and role, call one service, shape the output.

Outsiders get 404 for project objects (ids do not leak); members without the needed role get 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import serializers as s
from annotations.api.common import (
    CursorPage,
    NumberedPage,
    query_version,
    requested_version,
    with_etag,
    write_or_conflict,
)
from annotations.api.errors import error, error_response
from annotations.api.permissions import acting_user, project_for
from annotations.domain import Decision, ImportReport, LinkSource, Role
from annotations.models import Article, CanonicalClaim, Membership, Span, Suggestion, SuggestionRun
from annotations.selectors.articles import (
    article_for,
    articles_list,
    span_for,
    span_rows_visible,
    spans_visible,
)
from annotations.selectors.claims import (
    claim_for,
    claim_linked_spans,
    claim_role,
    claims_hidden_from,
    claims_list,
    claims_search,
)
from annotations.selectors.imports import import_batch_for, import_progress
from annotations.selectors.projects import projects_for_user
from annotations.selectors.review import assignments_visible
from annotations.selectors.suggestions import suggestion_quality
from annotations.services.articles import article_import
from annotations.services.claim_import import claim_import
from annotations.services.claims import ClaimFields, claim_create, claim_merge, claim_update
from annotations.services.links import (
    LinkTarget,
    claim_link_create,
    claim_link_delete,
    claim_link_replace,
    suggestion_decide,
)
from annotations.services.projects import membership_remove, membership_set, project_create, project_update
from annotations.services.review import assignment_create, assignment_submit
from annotations.services.spans import span_create, span_delete, span_update

ERRORS = {code: s.ErrorOutput for code in (400, 401, 403, 404, 409, 413, 415, 429)}
PROJECT_ID = OpenApiParameter("project_id", int, OpenApiParameter.PATH)


def responses(ok: dict[int, Any], *codes: int) -> dict[int, Any]:
    """Every operation may meet 401, 404 (unknown ids, bad pages), 413 (body too large) and 429."""
    return {**ok, **{code: ERRORS[code] for code in (401, 404, 413, 429, *codes)}}


def article_or_404(request: Request, article_id: int) -> tuple[Article, Role]:
    found = article_for(user=acting_user(request), article_id=article_id)
    if found is None:
        raise NotFound("no such article")
    return found


def span_or_404(request: Request, span_id: int) -> tuple[Span, Role]:
    found = span_for(user=acting_user(request), span_id=span_id)
    if found is None:
        raise NotFound("no such span")
    return found


def own_span(request: Request, span_id: int) -> Span:
    """A span the caller may change: their own (curators see others' spans but do not edit them)."""
    span, _ = span_or_404(request, span_id)
    if span.annotator_id != acting_user(request).pk:
        raise PermissionDenied("only the reviewer who made a span may change it")
    return span


def claim_or_404(request: Request, claim_id: int) -> tuple[CanonicalClaim, Role]:
    user = acting_user(request)
    claim = claim_for(user=user, claim_id=claim_id)
    role = claim_role(user=user, claim=claim) if claim is not None else None
    if claim is None or role is None:
        raise NotFound("no such claim")
    return claim, role


def user_by_name(username: str, field: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise s.serializers.ValidationError({field: [f"no active user {username!r}"]})
    return user


def parse(serializer_class: type[s.serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Projects and members ---------------------------------------------------------------------------


class ProjectListView(GenericAPIView):
    pagination_class = NumberedPage
    serializer_class = s.ProjectOutput

    @extend_schema(
        operation_id="projects_list",
        summary="My projects",
        responses=responses({200: s.ProjectOutput(many=True)}),
    )
    def get(self, request: Request) -> Response:
        projects = projects_for_user(acting_user(request))
        page = self.paginate_queryset(projects)
        return self.get_paginated_response(s.ProjectOutput(page, many=True).data)

    @extend_schema(
        operation_id="projects_create",
        summary="Create a project (staff)",
        request=s.ProjectCreateInput,
        responses=responses({201: s.ProjectOutput}, 400, 403, 409),
    )
    def post(self, request: Request) -> Response:
        user = acting_user(request)
        if not user.is_staff:
            raise PermissionDenied("only staff create projects")
        data = parse(s.ProjectCreateInput, request.data)
        project = project_create(actor=user, **data)
        membership_set(project=project, user=user, role=Role.MANAGER, actor=user)
        return Response(s.ProjectOutput(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    @extend_schema(operation_id="projects_retrieve", responses=responses({200: s.ProjectOutput}))
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.ANNOTATOR)
        return Response(s.ProjectOutput(project).data)

    @extend_schema(
        operation_id="projects_update",
        summary="Change project settings (manager)",
        request=s.ProjectUpdateInput,
        responses=responses({200: s.ProjectOutput}, 400, 403),
    )
    def patch(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        changes = parse(s.ProjectUpdateInput, request.data)
        project = project_update(project=project, actor=acting_user(request), changes=changes)
        return Response(s.ProjectOutput(project).data)


class MemberListView(GenericAPIView):
    pagination_class = NumberedPage
    serializer_class = s.MemberOutput

    @extend_schema(operation_id="members_list", responses=responses({200: s.MemberOutput(many=True)}, 403))
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        members = Membership.objects.filter(project=project).select_related("user").order_by("user__username")
        page = self.paginate_queryset(members)
        return self.get_paginated_response(s.MemberOutput(page, many=True).data)

    @extend_schema(
        operation_id="members_set",
        summary="Add a member or change a role (manager)",
        request=s.MemberInput,
        responses=responses({201: s.MemberOutput}, 400, 403, 409),
    )
    def post(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        data = parse(s.MemberInput, request.data)
        user = user_by_name(data["username"], "username")
        membership = membership_set(project=project, user=user, role=data["role"], actor=acting_user(request))
        return Response(s.MemberOutput(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    def _membership(self, request: Request, project_id: int, member_id: int) -> Membership:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        membership = Membership.objects.select_related("user").filter(project=project, pk=member_id).first()
        if membership is None:
            raise NotFound("no such member")
        return membership

    @extend_schema(
        operation_id="members_update",
        request=s.MemberUpdateInput,
        responses=responses({200: s.MemberOutput}, 400, 403, 409),
    )
    def patch(self, request: Request, project_id: int, member_id: int) -> Response:
        membership = self._membership(request, project_id, member_id)
        data = parse(s.MemberUpdateInput, request.data)
        updated = membership_set(
            project=membership.project, user=membership.user, role=data["role"], actor=acting_user(request)
        )
        return Response(s.MemberOutput(updated).data)

    @extend_schema(operation_id="members_remove", responses=responses({204: None}, 403, 409))
    def delete(self, request: Request, project_id: int, member_id: int) -> Response:
        membership_remove(membership=self._membership(request, project_id, member_id), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Articles ---------------------------------------------------------------------------------------


class _ImportView(APIView):
    """Upload files (field `files`) to one import service; 201 with the report, or 400 naming file and line."""

    parser_classes = [MultiPartParser]
    importer: Any = None  # a service: (project=, sources=, actor=) -> ImportReport

    def post(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        # Oversized uploads never get here: RequestBodyLimit answers 413 before the body is read.
        uploads = parse(s.ArticleImportInput, request.data)["files"]
        sources = [(u.name, u.file) for u in uploads]
        report: ImportReport = type(self).importer(project=project, sources=sources, actor=acting_user(request))
        body = report.as_dict()
        if report.ok:
            return Response(body, status=status.HTTP_201_CREATED)
        failures = [
            error(p.field or "files", p.code, p.message, file=p.source_name, **({"line": p.line} if p.line else {}))
            for p in report.problems
            if p.code != "duplicate"
        ]
        return error_response(status.HTTP_400_BAD_REQUEST, failures, report=body)


_IMPORT_RESPONSES = responses({201: s.ImportReportOutput, 400: s.ImportFailedOutput}, 403, 413, 415)


@extend_schema_view(
    post=extend_schema(
        operation_id="articles_import",
        summary="Import articles from files",
        description="Managers upload one or more files (field `files`). Good records are stored; bad ones "
        "are reported by file and line. If any record failed the status is 400, but the good ones are kept "
        "(see `report.created`). Duplicates (same text already in the project) are skipped, not failures.",
        request={"multipart/form-data": s.ArticleImportInput},
        responses=_IMPORT_RESPONSES,
    )
)
class ArticleImportView(_ImportView):
    importer = article_import


@extend_schema_view(
    post=extend_schema(
        operation_id="claims_import",
        summary="Import canonical claims (CSV, JSONL, ClaimReview JSON-LD)",
        description="Managers upload files (field `files`) into the project's claim base. Bad records are "
        "reported by file and line (400, the good ones are kept); duplicates of existing claims are skipped. "
        "In JSON-LD, `Claim` nodes that no ClaimReview of the file reviews become claims without a verdict. "
        "Embedding runs in the background: follow it at `imports/{batch_id}`.",
        request={"multipart/form-data": s.ArticleImportInput},
        responses=_IMPORT_RESPONSES,
    )
)
class ClaimImportView(_ImportView):
    importer = claim_import


class ImportStatusView(APIView):
    @extend_schema(
        operation_id="imports_retrieve",
        summary="An import's report and embedding progress",
        responses=responses({200: s.ImportStatusOutput}, 403),
    )
    def get(self, request: Request, project_id: int, batch_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        batch = import_batch_for(project=project, batch_id=batch_id)
        if batch is None:
            raise NotFound("no such import")
        state = import_progress(batch)
        return Response(
            s.ImportStatusOutput(
                {"batch": batch, "to_embed": state.to_embed, "embedded": state.embedded, "done": state.done}
            ).data
        )


class ArticleListView(GenericAPIView):
    pagination_class = CursorPage
    serializer_class = s.ArticleListOutput

    @extend_schema(
        operation_id="articles_list",
        summary="Articles (an annotator's: those assigned to them)",
        parameters=[s.ArticleListQuery],
        responses=responses({200: s.ArticleListOutput(many=True)}, 400),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, role = project_for(request, project_id, needs=Role.ANNOTATOR)
        filters = parse(s.ArticleListQuery, request.query_params)
        review_status = filters.pop("review_status")
        articles = articles_list(user=acting_user(request), role=role, project=project, **filters)
        if review_status:
            articles = articles.filter(review_status=review_status)
        page = self.paginate_queryset(articles)
        return self.get_paginated_response(s.ArticleListOutput(page, many=True).data)


class ArticleDetailView(APIView):
    @extend_schema(
        operation_id="articles_retrieve",
        summary="An article with the spans the caller may see",
        responses=responses({200: s.ArticleDetailOutput}),
    )
    def get(self, request: Request, article_id: int) -> Response:
        article, role = article_or_404(request, article_id)
        rows = span_rows_visible(user=acting_user(request), role=role, article=article)
        return Response(s.ArticleDetailOutput(article, context={"span_rows": rows}).data)


# --- Spans ------------------------------------------------------------------------------------------


class ArticleSpansView(GenericAPIView):
    pagination_class = CursorPage
    serializer_class = s.SpanOutput

    @extend_schema(operation_id="spans_list", responses=responses({200: s.SpanOutput(many=True)}))
    def get(self, request: Request, article_id: int) -> Response:
        article, role = article_or_404(request, article_id)
        page = self.paginate_queryset(spans_visible(user=acting_user(request), role=role, article=article))
        return self.get_paginated_response(s.SpanOutput(page, many=True).data)

    @extend_schema(
        operation_id="spans_create",
        summary="Highlight a span",
        description="`quote` must equal the article text at [start, end) (code points); a mismatch "
        "is a 400 whose error carries the `expected` text.",
        request=s.SpanCreateInput,
        responses=responses({201: s.SpanOutput}, 400, 409),
    )
    def post(self, request: Request, article_id: int) -> Response:
        article, _ = article_or_404(request, article_id)
        data = parse(s.SpanCreateInput, request.data)
        span = span_create(article=article, annotator=acting_user(request), **data)
        return with_etag(Response(s.SpanOutput(span).data, status=status.HTTP_201_CREATED), span.version)


def _span_out(span_id: int) -> dict[str, Any]:
    return dict(s.SpanOutput(Span.objects.select_related("annotator", "link", "link__claim").get(pk=span_id)).data)


class SpanDetailView(APIView):
    @extend_schema(operation_id="spans_retrieve", responses=responses({200: s.SpanOutput}))
    def get(self, request: Request, span_id: int) -> Response:
        span, _ = span_or_404(request, span_id)
        return with_etag(Response(s.SpanOutput(span).data), span.version)

    @extend_schema(
        operation_id="spans_update",
        summary="Adjust boundaries, label or note",
        description="Send the version you read (`version` or If-Match); a stale one is a 409 with the "
        "current span. New boundaries need the new `quote`.",
        request=s.SpanUpdateInput,
        responses=responses({200: s.SpanOutput}, 400, 403, 409),
    )
    def patch(self, request: Request, span_id: int) -> Response:
        span = own_span(request, span_id)
        data = parse(s.SpanUpdateInput, request.data)
        version = requested_version(request, data.pop("version", None))
        result = write_or_conflict(
            lambda: span_update(span=span, actor=acting_user(request), version=version, **data),
            lambda: _span_out(span.pk),
        )
        if isinstance(result, Response):
            return result
        return with_etag(Response(_span_out(result.pk)), result.version)

    @extend_schema(
        operation_id="spans_destroy",
        parameters=[OpenApiParameter("version", int)],
        responses=responses({204: None}, 400, 403, 409),
    )
    def delete(self, request: Request, span_id: int) -> Response:
        span = own_span(request, span_id)
        version = requested_version(request, query_version(request))
        result = write_or_conflict(
            lambda: span_delete(span=span, actor=acting_user(request), version=version),
            lambda: _span_out(span.pk),
        )
        return result if isinstance(result, Response) else Response(status=status.HTTP_204_NO_CONTENT)


def _link_target(data: dict[str, Any], span: Span, user: User) -> LinkTarget:
    claim = suggestion = None
    if "claim" in data:
        # A claim of another claim base, or one a co-reviewer wrote that blind review hides from this user,
        # answers like a missing one: neither its id nor its wording leaks.
        base = span.article.project.claim_base_id
        visible = CanonicalClaim.objects.filter(claim_base_id=base).exclude(pk__in=claims_hidden_from(user.pk))
        claim = visible.filter(pk=data["claim"]).first()
        if claim is None:
            raise s.serializers.ValidationError({"claim": [f"no claim #{data['claim']} in this project's claim base"]})
    if "suggestion" in data:
        suggestion = Suggestion.objects.select_related("run").filter(pk=data["suggestion"], run__span=span).first()
        if suggestion is None:
            raise s.serializers.ValidationError({"suggestion": [f"no suggestion #{data['suggestion']} for this span"]})
    new_claim = (
        ClaimFields(**{**data["new_claim"], "tags": tuple(data["new_claim"]["tags"])}) if "new_claim" in data else None
    )
    source = LinkSource(data["source"]) if "source" in data else None
    return LinkTarget(
        claim=claim,
        new_claim=new_claim,
        no_match=data.get("no_match", False),
        source=source,
        suggestion=suggestion,
    )


class SpanLinkView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="links_create",
        summary="Link a span: a claim, a new claim, or no match",
        description="Exactly one of `claim`, `new_claim`, `no_match`. A span has one link: a second "
        "POST is a 409 (replace it with PUT).",
        request=s.LinkInput,
        responses=responses({201: s.SpanOutput}, 400, 403, 409),
    )
    def post(self, request: Request, span_id: int) -> Response:
        span = own_span(request, span_id)
        data = parse(s.LinkInput, request.data)
        claim_link_create(span=span, target=_link_target(data, span, acting_user(request)), actor=acting_user(request))
        return Response(_span_out(span.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="links_replace",
        summary="Replace a span's link (send its version)",
        request=s.LinkInput,
        responses=responses({200: s.SpanOutput}, 400, 403, 409),
    )
    def put(self, request: Request, span_id: int) -> Response:
        span = own_span(request, span_id)
        data = parse(s.LinkInput, request.data)
        version = requested_version(request, data.pop("version", None))
        result = write_or_conflict(
            lambda: claim_link_replace(
                span=span,
                target=_link_target(data, span, acting_user(request)),
                actor=acting_user(request),
                version=version,
            ),
            lambda: _span_out(span.pk),
        )
        return result if isinstance(result, Response) else Response(_span_out(span.pk))

    @extend_schema(
        operation_id="links_destroy",
        parameters=[OpenApiParameter("version", int)],
        responses=responses({204: None}, 400, 403, 409),
    )
    def delete(self, request: Request, span_id: int) -> Response:
        span = own_span(request, span_id)
        version = requested_version(request, query_version(request))
        result = write_or_conflict(
            lambda: claim_link_delete(span=span, actor=acting_user(request), version=version),
            lambda: _span_out(span.pk),
        )
        return result if isinstance(result, Response) else Response(status=status.HTTP_204_NO_CONTENT)


class SpanSuggestionsView(APIView):
    @extend_schema(
        operation_id="suggestions_for_span",
        summary="The span's suggestion runs, newest first",
        responses=responses({200: s.SpanSuggestionsOutput}),
    )
    def get(self, request: Request, span_id: int) -> Response:
        span, _ = span_or_404(request, span_id)
        runs = list(
            SuggestionRun.objects.filter(span=span)
            .prefetch_related(Prefetch("suggestions", Suggestion.objects.select_related("claim").order_by("rank")))
            .order_by("-queued_at", "-id")[:5]
        )
        body = {"span": span.pk, "status": runs[0].status if runs else "none", "runs": runs}
        return Response(s.SpanSuggestionsOutput(body).data)


class SuggestionQualityView(APIView):
    @extend_schema(
        operation_id="suggestions_quality",
        summary="Suggestion quality from real use, per model (curator or manager)",
        responses=responses({200: s.SuggestionQualityOutput(many=True)}, 403),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        return Response(s.SuggestionQualityOutput(suggestion_quality(project=project), many=True).data)


class SuggestionDecisionView(APIView):
    @extend_schema(
        operation_id="suggestions_decide",
        summary="Accept (links the span) or reject a suggestion",
        description="A span has at most one accepted suggestion, the one its link comes from: accepting another "
        "(or relinking the span, or removing its link) leaves the earlier one undecided. Rejecting the suggestion "
        "the link comes from is a 409: change the link first.",
        request=s.DecisionInput,
        responses=responses({200: s.SuggestionOutput}, 400, 403, 409),
    )
    def post(self, request: Request, suggestion_id: int) -> Response:
        suggestion = Suggestion.objects.select_related("run", "run__span", "claim").filter(pk=suggestion_id).first()
        # A suggestion of a span the caller may not see answers exactly like a missing one.
        if suggestion is None or span_for(user=acting_user(request), span_id=suggestion.run.span_id) is None:
            raise NotFound("no such suggestion")
        own_span(request, suggestion.run.span_id)
        data = parse(s.DecisionInput, request.data)
        decided = suggestion_decide(
            suggestion=suggestion, decision=Decision(data["decision"]), actor=acting_user(request)
        )
        return Response(s.SuggestionOutput(decided).data)


# --- Claims -----------------------------------------------------------------------------------------


class ClaimListView(GenericAPIView):
    pagination_class = CursorPage
    serializer_class = s.ClaimOutput

    @extend_schema(
        operation_id="claims_list",
        summary="Canonical claims of the project's claim base",
        parameters=[PROJECT_ID, s.ClaimListQuery],
        responses=responses({200: s.ClaimOutput(many=True)}, 400),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.ANNOTATOR)
        filters = parse(s.ClaimListQuery, request.query_params)
        claims = claims_list(claim_base_id=project.claim_base_id, hidden_from=acting_user(request).pk, **filters)
        page = self.paginate_queryset(claims)
        return self.get_paginated_response(s.ClaimOutput(page, many=True).data)

    @extend_schema(
        operation_id="claims_create",
        request=s.ClaimInput,
        responses=responses({201: s.ClaimOutput}, 400, 409),
    )
    def post(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.ANNOTATOR)
        data = parse(s.ClaimInput, request.data)
        fields = ClaimFields(**{**data, "tags": tuple(data["tags"])})
        claim = claim_create(claim_base_id=project.claim_base_id, fields=fields, actor=acting_user(request))
        return with_etag(Response(s.ClaimOutput(claim).data, status=status.HTTP_201_CREATED), claim.version)


class ClaimSearchView(GenericAPIView):
    pagination_class = NumberedPage
    serializer_class = s.ClaimSearchOutput

    @extend_schema(
        operation_id="claims_search",
        summary="Full-text search of canonical claims, best first",
        parameters=[PROJECT_ID, s.ClaimSearchQuery],
        responses=responses({200: s.ClaimSearchOutput(many=True)}, 400),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.ANNOTATOR)
        params = parse(s.ClaimSearchQuery, request.query_params)
        claims = claims_search(claim_base_id=project.claim_base_id, hidden_from=acting_user(request).pk, **params)
        page = self.paginate_queryset(claims)
        return self.get_paginated_response(s.ClaimSearchOutput(page, many=True).data)


CLAIM_SPANS_SHOWN = 200


class ClaimSpansView(GenericAPIView):
    pagination_class = CursorPage
    serializer_class = s.ClaimSpanOutput

    @extend_schema(
        operation_id="claims_spans",
        summary="Every span linked to the claim (or to claims merged into it) that the caller may see, paged",
        responses=responses({200: s.ClaimSpanOutput(many=True)}),
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim, _ = claim_or_404(request, claim_id)
        page = self.paginate_queryset(claim_linked_spans(user=acting_user(request), claim=claim))
        return self.get_paginated_response(s.ClaimSpanOutput(page, many=True).data)


class ClaimDetailView(APIView):
    @extend_schema(
        operation_id="claims_retrieve",
        summary="A claim with the linked spans the caller may see",
        responses=responses({200: s.ClaimDetailOutput}),
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim, _ = claim_or_404(request, claim_id)
        spans = list(claim_linked_spans(user=acting_user(request), claim=claim)[: CLAIM_SPANS_SHOWN + 1])
        context = {"spans": spans[:CLAIM_SPANS_SHOWN], "more_spans": len(spans) > CLAIM_SPANS_SHOWN}
        return with_etag(Response(s.ClaimDetailOutput(claim, context=context).data), claim.version)

    @extend_schema(
        operation_id="claims_update",
        summary="Edit a claim (curator or manager; send its version)",
        request=s.ClaimUpdateInput,
        responses=responses({200: s.ClaimOutput}, 400, 403, 409),
    )
    def patch(self, request: Request, claim_id: int) -> Response:
        claim, role = claim_or_404(request, claim_id)
        if role == Role.ANNOTATOR:
            raise PermissionDenied("editing canonical claims needs the curator or manager role")
        data = parse(s.ClaimUpdateInput, request.data)
        version = requested_version(request, data.pop("version", None))
        if "tags" in data:
            data["tags"] = tuple(data["tags"])
        result = write_or_conflict(
            lambda: claim_update(claim=claim, actor=acting_user(request), version=version, changes=data),
            lambda: dict(s.ClaimOutput(CanonicalClaim.objects.get(pk=claim.pk)).data),
        )
        if isinstance(result, Response):
            return result
        return with_etag(Response(s.ClaimOutput(result).data), result.version)


class ClaimMergeView(APIView):
    @extend_schema(
        operation_id="claims_merge",
        summary="Merge this claim into another (curator or manager)",
        request=s.ClaimMergeInput,
        responses=responses({200: s.ClaimOutput}, 400, 403, 409),
    )
    def post(self, request: Request, claim_id: int) -> Response:
        claim, role = claim_or_404(request, claim_id)
        if role == Role.ANNOTATOR:
            raise PermissionDenied("merging canonical claims needs the curator or manager role")
        into_id = parse(s.ClaimMergeInput, request.data)["into"]
        target = claim_for(user=acting_user(request), claim_id=into_id)
        if target is None:
            raise s.serializers.ValidationError({"into": [f"no claim #{into_id}"]})
        merged = claim_merge(source=claim, target=target, actor=acting_user(request))
        return Response(s.ClaimOutput(merged).data)


# --- Assignments ------------------------------------------------------------------------------------


class AssignmentListView(GenericAPIView):
    pagination_class = CursorPage
    serializer_class = s.AssignmentOutput

    @extend_schema(
        operation_id="assignments_list",
        summary="Assignments (an annotator's own)",
        responses=responses({200: s.AssignmentOutput(many=True)}),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, role = project_for(request, project_id, needs=Role.ANNOTATOR)
        page = self.paginate_queryset(assignments_visible(user=acting_user(request), role=role, project=project))
        return self.get_paginated_response(s.AssignmentOutput(page, many=True).data)

    @extend_schema(
        operation_id="assignments_create",
        summary="Assign an article to a reviewer (manager)",
        request=s.AssignmentInput,
        responses=responses({201: s.AssignmentOutput}, 400, 403, 409),
    )
    def post(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.MANAGER)
        data = parse(s.AssignmentInput, request.data)
        article = Article.objects.filter(project=project, pk=data["article"]).first()
        if article is None:
            raise s.serializers.ValidationError({"article": [f"no article #{data['article']} in this project"]})
        reviewer = user_by_name(data["reviewer"], "reviewer")
        assignment = assignment_create(article=article, reviewer=reviewer, actor=acting_user(request))
        return Response(s.AssignmentOutput(assignment).data, status=status.HTTP_201_CREATED)


class ArticleSubmitView(APIView):
    @extend_schema(
        operation_id="articles_submit",
        summary="Submit my work on an assigned article (locks my spans and links)",
        request=None,
        responses=responses({200: s.AssignmentOutput}, 403, 409),
    )
    def post(self, request: Request, article_id: int) -> Response:
        article, _ = article_or_404(request, article_id)
        assignment = assignment_submit(article=article, reviewer=acting_user(request))
        return Response(s.AssignmentOutput(assignment).data)
