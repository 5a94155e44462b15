"""API views of inter-reviewer agreement (issue #7): the latest figures with the reviewer matrix and the
weakest articles, the project figures over time, and a recompute request. Thin, as in views.py.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import agreement_serializers as g
from annotations.api import serializers as s
from annotations.api.common import CursorPage
from annotations.api.errors import error, error_response
from annotations.api.permissions import project_for
from annotations.api.views import parse, responses
from annotations.domain import DomainError, Role
from annotations.models import AgreementSnapshot
from annotations.selectors.agreement import AgreementReport, agreement_history, agreement_report
from annotations.services.agreement import agreement_recompute_request


def _estimate(snapshot: AgreementSnapshot) -> dict[str, Any]:
    return {
        "value": snapshot.value,
        "ci_low": snapshot.ci_low,
        "ci_high": snapshot.ci_high,
        "n_units": snapshot.n_units,
    }


def _pairs(snapshots: list[AgreementSnapshot]) -> list[dict[str, Any]]:
    """One entry per reviewer pair, its metrics side by side (the selector gives one row per metric)."""
    by_pair: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for snapshot in snapshots:
        assert snapshot.reviewer_a is not None
        assert snapshot.reviewer_b is not None
        by_pair[(snapshot.reviewer_a.username, snapshot.reviewer_b.username)][snapshot.metric] = _estimate(snapshot)
    return [{"reviewer_a": a, "reviewer_b": b, "metrics": metrics} for (a, b), metrics in by_pair.items()]


def agreement_body(report: AgreementReport, lowest_metric: str) -> dict[str, Any]:
    latest = report.project[0] if report.project else None
    return dict(
        g.AgreementOutput(
            {
                "computed_at": report.computed_at,
                "run": latest.details.get("run") if latest else None,
                "fingerprint": latest.inputs_fingerprint if latest else None,
                "project": report.project,
                "pairs": _pairs(report.pairs),
                "lowest_metric": lowest_metric,
                "lowest": report.lowest,
            }
        ).data
    )


class AgreementView(APIView):
    @extend_schema(
        operation_id="agreement_retrieve",
        summary="The latest agreement figures (curator or manager)",
        description="Project figures with 95% bootstrap intervals, the reviewer-by-reviewer matrix, and the "
        "articles with the lowest value of `metric`, from the latest computation. Before the first "
        "computation: empty lists and `computed_at` null.",
        parameters=[g.AgreementQuery],
        responses=responses({200: g.AgreementOutput}, 400, 403),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        metric = parse(g.AgreementQuery, request.query_params)["metric"]
        report = agreement_report(project=project, lowest_metric=metric)
        return Response(agreement_body(report, metric))


class AgreementHistoryView(GenericAPIView):
    pagination_class = CursorPage
    serializer_class = g.AgreementHistoryOutput

    @extend_schema(
        operation_id="agreement_history",
        summary="One project-level agreement figure over time, oldest first (curator or manager)",
        description="Every stored computation of `metric`; snapshots are never overwritten.",
        parameters=[g.AgreementHistoryQuery],
        responses=responses({200: g.AgreementHistoryOutput(many=True)}, 400, 403),
    )
    def get(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        metric = parse(g.AgreementHistoryQuery, request.query_params)["metric"]
        page = self.paginate_queryset(agreement_history(project=project, metric=metric))
        return self.get_paginated_response(g.AgreementHistoryOutput(page, many=True).data)


class AgreementRecomputeView(APIView):
    @extend_schema(
        operation_id="agreement_recompute",
        summary="Queue a recomputation of the project's agreement now (curator or manager)",
        description="The worker stores a new run even when the reviews are unchanged; read the figures again "
        "when it is done. Asking again while that run waits for the worker queues no second one. 503 when the "
        "worker's queue is unreachable.",
        request=None,
        responses={**responses({202: g.AgreementRecomputeOutput}, 403), 503: s.ErrorOutput},
    )
    def post(self, request: Request, project_id: int) -> Response:
        project, _ = project_for(request, project_id, needs=Role.CURATOR)
        try:
            agreement_recompute_request(project=project)
        except DomainError as exc:
            if exc.code != "unavailable":
                raise
            return error_response(status.HTTP_503_SERVICE_UNAVAILABLE, [error(None, exc.code, exc.message)])
        body = g.AgreementRecomputeOutput({"project": project.pk, "queued": True}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
