"""The claims browser: search and filter a project's canonical claims (htmx refreshes the results as you
type), one claim's linked spans across articles (as blind review allows), and merging duplicates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from annotations.domain import ClaimStatus, DomainError, Role
from annotations.models import CanonicalClaim
from annotations.selectors.claims import claim_for, claim_linked_spans, claim_role, claims_list, claims_search
from annotations.services.claims import claim_merge
from annotations.ui.scope import project_or_404, signed_in

PAGE_SIZE = 25
LINKED_SPANS_SHOWN = 200


class ClaimFilterForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=500, label="Search", widget=forms.TextInput(attrs={"type": "search"})
    )
    language = forms.CharField(required=False, max_length=35)
    verdict = forms.CharField(required=False, max_length=200)
    tag = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(
        required=False, choices=[("", "any"), (ClaimStatus.ACTIVE, "active"), (ClaimStatus.MERGED, "merged")]
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(min_value=1, label="Merge into claim #", help_text="The claim that stays.")


@login_required
@require_GET
def claims_page(request: HttpRequest, project_id: int) -> HttpResponse:
    project, role = project_or_404(request, project_id)
    form = ClaimFilterForm(request.GET)
    page = None
    status = 200
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if k != "q"}
        q = form.cleaned_data["q"].strip()
        base = project.claim_base_id
        hidden_from = signed_in(request).pk
        claims = (
            claims_search(claim_base_id=base, q=q, hidden_from=hidden_from, **filters)
            if q
            else claims_list(claim_base_id=base, hidden_from=hidden_from, **filters)
        )
        if not q:
            claims = claims.order_by("-created_at", "-id")
        page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        status = 400
    query = request.GET.copy()
    query.pop("page", None)
    context = {"project": project, "form": form, "page": page, "query": query.urlencode(), "role": role.value}
    # htmx asks for the results alone while the reviewer types.
    template = "claims/_results.html" if request.headers.get("HX-Request") else "claims/list.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def claim_page(request: HttpRequest, claim_id: int) -> HttpResponse:
    user = signed_in(request)
    claim = claim_for(user=user, claim_id=claim_id)
    if claim is None:
        raise Http404("no such claim")
    role = claim_role(user=user, claim=claim) or Role.ANNOTATOR
    can_merge = role.at_least(Role.CURATOR) and claim.status == ClaimStatus.ACTIVE
    form = MergeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_merge:
            raise PermissionDenied("merging needs the curator or manager role, and an active claim")
        if form.is_valid():
            base = claim.claim_base_id
            into = CanonicalClaim.objects.filter(pk=form.cleaned_data["into"], claim_base_id=base).first()
            if into is None:
                form.add_error("into", f"no claim #{form.cleaned_data['into']} in this claim base")
            else:
                try:
                    claim_merge(source=claim, target=into, actor=user)
                except DomainError as exc:
                    form.add_error("into" if exc.field in (None, "into") else None, exc.message)
                else:
                    messages.success(request, f"Claim #{claim.pk} is merged into #{into.pk}; its links count there.")
                    return redirect("claim", into.pk)
        status = 400
    spans = list(claim_linked_spans(user=user, claim=claim)[: LINKED_SPANS_SHOWN + 1])
    merged_from = list(CanonicalClaim.objects.filter(merged_into=claim).values_list("pk", flat=True)[:50])
    context = {
        "claim": claim,
        "spans": spans[:LINKED_SPANS_SHOWN],
        "more_spans": len(spans) > LINKED_SPANS_SHOWN,
        "merged_from": merged_from,
        "form": form,
        "can_merge": can_merge,
    }
    return render(request, "claims/detail.html", context, status=status)
