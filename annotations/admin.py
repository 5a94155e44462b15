"""Django admin for every model; audit events and published releases are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from annotations.domain import ReleaseStatus
from annotations.models import (
    Adjudication,
    AgreementSnapshot,
    ApiToken,
    Article,
    Assignment,
    AuditEvent,
    CanonicalClaim,
    ClaimBase,
    ClaimEmbedding,
    ClaimLink,
    DatasetRelease,
    ImportBatch,
    Membership,
    Project,
    Span,
    Suggestion,
    SuggestionRun,
)
from annotations.services.tokens import token_revoke


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows no one may edit by hand: view only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(ClaimBase)
class ClaimBaseAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "reviewers_per_article", "claim_base", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    list_select_related = ["claim_base"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role", "project"]
    list_select_related = ["user", "project"]
    autocomplete_fields = ["user", "project"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "project", "kind", "created_count", "duplicate_count", "failed_count", "created_at"]
    list_filter = ["kind", "project"]
    list_select_related = ["project"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "project", "published_date", "language", "created_at"]
    list_filter = ["project", "language"]
    search_fields = ["title", "external_id", "sha256"]
    list_select_related = ["project"]
    # The text is immutable (a trigger refuses changes), and so is its hash.
    readonly_fields = ["text", "sha256", "import_batch", "created_at"]
    raw_id_fields = ["project"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # articles arrive through import, which normalises and deduplicates them


class ClaimEmbeddingInline(admin.TabularInline):
    model = ClaimEmbedding
    extra = 0
    fields = ["model_name", "model_version", "dimensions", "created_at"]
    readonly_fields = ["model_name", "model_version", "dimensions", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CanonicalClaim)
class CanonicalClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "short_text", "verdict", "language", "status"]
    list_filter = ["status", "language", "claim_base"]
    search_fields = ["text", "title", "claimant"]
    readonly_fields = [
        "normalized_text",
        "created_by",
        "created_from_span",
        "import_batch",
        "created_at",
        "updated_at",
    ]
    raw_id_fields = ["merged_into"]
    inlines = [ClaimEmbeddingInline]

    @admin.display(description="text")
    def short_text(self, obj: CanonicalClaim) -> str:
        return obj.text[:100]


@admin.register(ClaimEmbedding)
class ClaimEmbeddingAdmin(ReadOnlyAdmin):
    list_display = ["id", "claim", "model_name", "model_version", "dimensions", "created_at"]
    list_filter = ["model_name", "model_version"]
    exclude = ["vector"]


@admin.register(Span)
class SpanAdmin(admin.ModelAdmin):
    list_display = ["id", "article", "annotator", "start", "end", "label", "is_gold"]
    list_filter = ["is_gold", "label"]
    list_select_related = ["article", "annotator"]
    raw_id_fields = ["article", "derived_from"]
    readonly_fields = ["article", "start", "end", "quote", "prefix", "suffix", "version"]


@admin.register(ClaimLink)
class ClaimLinkAdmin(admin.ModelAdmin):
    list_display = ["id", "span", "claim", "source", "suggestion_rank", "created_by", "created_at"]
    list_filter = ["source"]
    list_select_related = ["span", "claim", "created_by"]
    raw_id_fields = ["span", "claim", "suggestion"]


@admin.register(SuggestionRun)
class SuggestionRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "span", "model_name", "model_version", "status", "queued_at", "finished_at"]
    list_filter = ["status", "model_name"]


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "rank", "claim", "fused_score", "decision"]
    list_filter = ["decision"]
    list_select_related = ["run", "claim"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "article", "reviewer", "status", "lease_expires_at", "submitted_at"]
    list_filter = ["status"]
    list_select_related = ["article", "reviewer"]
    raw_id_fields = ["article"]


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ["id", "article", "curator", "status", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["article", "curator"]
    raw_id_fields = ["article"]


@admin.register(AgreementSnapshot)
class AgreementSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["id", "project", "scope", "metric", "value", "n_units", "computed_at"]
    list_filter = ["scope", "metric", "project"]
    list_select_related = ["project"]


@admin.register(DatasetRelease)
class DatasetReleaseAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "version", "status", "created_by", "published_at"]
    list_filter = ["status", "project"]
    list_select_related = ["project", "created_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status == ReleaseStatus.PUBLISHED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status == ReleaseStatus.PUBLISHED:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "project_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "action"]
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their users (only they ever see the key); staff can only revoke them."""

    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "name", "prefix"]
    list_select_related = ["user"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    actions = ["revoke_tokens"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token made here would have a key no one could be shown

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row keeps the record of what existed

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("annotations.change_apitoken")

    @admin.action(description="Revoke selected tokens", permissions=["revoke"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request.user
        if not isinstance(actor, User):  # the admin only admits staff users; this narrows the type
            return
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            token_revoke(token=token, actor=actor)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
