"""The agreement dashboard: the latest project figures with their intervals, the reviewer-by-reviewer matrix,
the articles with the lowest agreement, the figures over time as server-drawn SVG, and "Recompute now"."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from annotations.domain import DomainError, Role
from annotations.models import AgreementSnapshot, Project
from annotations.selectors.agreement import agreement_history, agreement_report
from annotations.services.agreement import ARTICLE_METRICS, PROJECT_METRICS, agreement_recompute_request
from annotations.ui.scope import project_or_404

# What each figure means, in one line (annotations/agreement/DESIGN.md has the definitions).
METRICS: dict[str, tuple[str, str]] = {
    "span_f1_exact": (
        "Span F1, exact",
        "Do reviewers mark the same spans, boundaries identical? Pooled over reviewer pairs and articles.",
    ),
    "span_f1_overlap": (
        "Span F1, overlap",
        "The same, counting overlapping spans (paired one to one) as a match.",
    ),
    "link_percent_agreement": (
        "Link agreement",
        "Of the spans reviewers both marked, the share linked to the same claim (or both “no match”).",
    ),
    "link_alpha": (
        "Link alpha (Krippendorff)",
        "Agreement on the claim linked to matched spans, corrected for chance: 1 perfect, 0 no better than chance.",
    ),
    "link_fleiss_kappa": (
        "Link kappa (Fleiss)",
        "The same corrected agreement, over the spans every reviewer of the article marked and linked.",
    ),
    "boundary_alpha": (
        "Boundary alpha",
        "Character by character: do reviewers agree on what is inside a span? Corrected for chance.",
    ),
}
assert set(METRICS) == {name for name, _, _ in PROJECT_METRICS}  # every stored figure is explained
CHART_METRICS = ("link_alpha", "span_f1_overlap")
CHART_POINTS = 100  # the latest computations drawn per chart
DEFAULT_LOWEST = "link_alpha"


# --- The chart: a pure function from (time, value) points to SVG -----------------------------------


@dataclass(frozen=True)
class ChartBox:
    width: int = 560
    height: int = 200
    left: int = 48  # room for the value labels
    right: int = 16
    top: int = 12
    bottom: int = 32  # room for the time labels

    @property
    def inner_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom


def svg_line_chart(
    points: Sequence[tuple[datetime, float | None]],
    *,
    title: str,
    box: ChartBox | None = None,
    y_range: tuple[float, float] = (0.0, 1.0),
    time_format: str = "%Y-%m-%d %H:%M",
) -> str:
    """An SVG line chart of `points` (oldest first; None values, undefined figures, are left out): axes, the
    value range labelled at its ends and middle, the first and last time labelled, one polyline vertex and one
    marker per point. Time is to scale; equal times (or one point) sit in the middle. The value axis spans
    `y_range`, widened to take in any value outside it (alpha and kappa can be negative)."""
    box = box or ChartBox()
    drawn = sorted(((at, value) for at, value in points if value is not None), key=lambda point: point[0])
    low = min([y_range[0], *(value for _, value in drawn)])
    high = max([y_range[1], *(value for _, value in drawn)])
    if high == low:
        high = low + 1.0
    x0, y0 = box.left, box.top + box.inner_height  # the origin, bottom left

    def y_of(value: float) -> float:
        return box.top + (high - value) / (high - low) * box.inner_height

    first = drawn[0][0].timestamp() if drawn else 0.0
    span = drawn[-1][0].timestamp() - first if drawn else 0.0

    def x_of(at: datetime) -> float:
        if span <= 0:
            return box.left + box.inner_width / 2
        return box.left + (at.timestamp() - first) / span * box.inner_width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {box.width} {box.height}" '
        f'width="{box.width}" height="{box.height}" role="img">',
        f"<title>{html.escape(title)}</title>",
        f'<line class="axis" x1="{x0}" y1="{box.top}" x2="{x0}" y2="{y0}"/>',
        f'<line class="axis" x1="{x0}" y1="{y0}" x2="{box.left + box.inner_width}" y2="{y0}"/>',
    ]
    for tick in (low, (low + high) / 2, high):
        y = round(y_of(tick), 1)
        parts.append(f'<line class="grid" x1="{x0}" y1="{y}" x2="{box.left + box.inner_width}" y2="{y}"/>')
        parts.append(f'<text class="y-label" x="{x0 - 6}" y="{y}" text-anchor="end" dy="0.35em">{tick:.2f}</text>')
    if not drawn:
        parts.append(
            f'<text class="empty" x="{box.left + box.inner_width / 2}" y="{box.top + box.inner_height / 2}" '
            'text-anchor="middle">no figures yet</text>'
        )
    else:
        coordinates = [(round(x_of(at), 1), round(y_of(value), 1)) for at, value in drawn]
        parts.append(f'<polyline class="series" fill="none" points="{" ".join(f"{x},{y}" for x, y in coordinates)}"/>')
        for (at, value), (x, y) in zip(drawn, coordinates, strict=True):
            label = html.escape(f"{at.strftime(time_format)}: {value:.3f}")
            parts.append(f'<circle class="point" cx="{x}" cy="{y}" r="3"><title>{label}</title></circle>')
        ends = [(drawn[0][0], "start", box.left), (drawn[-1][0], "end", box.left + box.inner_width)]
        times = ends if span > 0 else [(drawn[0][0], "middle", box.left + box.inner_width / 2)]
        for at, anchor, x in times:
            parts.append(
                f'<text class="x-label" x="{x}" y="{box.height - 8}" text-anchor="{anchor}">'
                f"{html.escape(at.strftime(time_format))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


# --- The page ---------------------------------------------------------------------------------------


@dataclass
class Figure:
    metric: str
    label: str
    meaning: str
    snapshot: AgreementSnapshot


@dataclass
class MatrixCell:
    other: str
    f1_overlap: AgreementSnapshot | None
    link_kappa: AgreementSnapshot | None


def _matrix(pairs: list[AgreementSnapshot]) -> tuple[list[str], list[tuple[str, list[MatrixCell | None]]]]:
    """Reviewers (by name) and, per reviewer, one cell per reviewer: the pair's figures, or None on the
    diagonal and for two reviewers who never reviewed an article together."""
    by_pair: dict[frozenset[str], dict[str, AgreementSnapshot]] = {}
    for snapshot in pairs:
        assert snapshot.reviewer_a is not None
        assert snapshot.reviewer_b is not None
        key = frozenset((snapshot.reviewer_a.username, snapshot.reviewer_b.username))
        by_pair.setdefault(key, {})[snapshot.metric] = snapshot
    reviewers = sorted({name for key in by_pair for name in key})
    rows: list[tuple[str, list[MatrixCell | None]]] = []
    for row in reviewers:
        cells: list[MatrixCell | None] = []
        for column in reviewers:
            figures = by_pair.get(frozenset((row, column))) if row != column else None
            cells.append(MatrixCell(column, figures.get("f1_overlap"), figures.get("link_kappa")) if figures else None)
        rows.append((row, cells))
    return reviewers, rows


def _chart(project: Project, metric: str) -> SafeString:
    newest = agreement_history(project=project, metric=metric).reverse().only("computed_at", "value")[:CHART_POINTS]
    points = [(snapshot.computed_at, snapshot.value) for snapshot in reversed(list(newest))]
    label, _ = METRICS[metric]
    # Every interpolated text in the SVG is escaped by svg_line_chart.
    return mark_safe(svg_line_chart(points, title=f"{label} over time"))  # noqa: S308


@login_required
@require_GET
def agreement_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project, role = project_or_404(request, project_id, needs=Role.CURATOR)
    lowest_metric = request.GET.get("metric") or DEFAULT_LOWEST
    if lowest_metric not in ARTICLE_METRICS:
        lowest_metric = DEFAULT_LOWEST
    report = agreement_report(project=project, lowest_metric=lowest_metric)
    reviewers, matrix = _matrix(report.pairs)
    figures = [Figure(s.metric, *METRICS[s.metric], s) for s in report.project if s.metric in METRICS]
    figures.sort(key=lambda figure: list(METRICS).index(figure.metric))
    context = {
        "project": project,
        "role": role.value,
        "report": report,
        "run": report.project[0].details.get("run", "") if report.project else "",
        "figures": figures,
        "reviewers": reviewers,
        "matrix": matrix,
        "lowest_metric": lowest_metric,
        "article_metrics": [(metric, METRICS[metric][0]) for metric in ARTICLE_METRICS],
        "charts": [(metric, METRICS[metric][0], _chart(project, metric)) for metric in CHART_METRICS],
        "chart_points": CHART_POINTS,
    }
    return render(request, "agreement/dashboard.html", context)


@login_required
@require_POST
def agreement_recompute_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project, _ = project_or_404(request, project_id, needs=Role.CURATOR)
    try:
        agreement_recompute_request(project=project)
    except DomainError as exc:
        messages.error(request, f"Not queued: {exc.message}.")
    else:
        messages.success(
            request, "Recompute queued: the worker stores a new computation in a moment; reload this page to see it."
        )
    return redirect("agreement", project.pk)
