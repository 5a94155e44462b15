"""URLs of the REST API, mounted under /api/v1/."""

from django.urls import path

from annotations.api import agreement, releases, review, tokens, views

app_name = "api"
urlpatterns = [
    path("projects", views.ProjectListView.as_view(), name="projects"),
    path("projects/<int:project_id>", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:project_id>/members", views.MemberListView.as_view(), name="members"),
    path(
        "projects/<int:project_id>/members/<int:member_id>",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path("projects/<int:project_id>/articles", views.ArticleListView.as_view(), name="articles"),
    path("projects/<int:project_id>/articles/import", views.ArticleImportView.as_view(), name="articles-import"),
    path("projects/<int:project_id>/assignments", views.AssignmentListView.as_view(), name="assignments"),
    path("projects/<int:project_id>/queue/next", review.QueueNextView.as_view(), name="queue-next"),
    path("projects/<int:project_id>/curation", review.CurationQueueView.as_view(), name="curation-queue"),
    path("projects/<int:project_id>/progress", review.ProgressView.as_view(), name="progress"),
    path("projects/<int:project_id>/agreement", agreement.AgreementView.as_view(), name="agreement"),
    path(
        "projects/<int:project_id>/agreement/history",
        agreement.AgreementHistoryView.as_view(),
        name="agreement-history",
    ),
    path(
        "projects/<int:project_id>/agreement/recompute",
        agreement.AgreementRecomputeView.as_view(),
        name="agreement-recompute",
    ),
    path("projects/<int:project_id>/releases", releases.ReleaseListView.as_view(), name="releases"),
    path(
        "projects/<int:project_id>/releases/<int:version>",
        releases.ReleaseDetailView.as_view(),
        name="release-detail",
    ),
    path(
        "projects/<int:project_id>/releases/<int:version>/files/<path:path>",
        releases.ReleaseFileView.as_view(),
        name="release-file",
    ),
    path("projects/<int:project_id>/claims", views.ClaimListView.as_view(), name="claims"),
    path("projects/<int:project_id>/claims/search", views.ClaimSearchView.as_view(), name="claims-search"),
    path(
        "projects/<int:project_id>/suggestions/quality",
        views.SuggestionQualityView.as_view(),
        name="suggestion-quality",
    ),
    path("projects/<int:project_id>/claims/import", views.ClaimImportView.as_view(), name="claims-import"),
    path(
        "projects/<int:project_id>/imports/<int:batch_id>",
        views.ImportStatusView.as_view(),
        name="import-status",
    ),
    path("articles/<int:article_id>", views.ArticleDetailView.as_view(), name="article-detail"),
    path("articles/<int:article_id>/submit", views.ArticleSubmitView.as_view(), name="article-submit"),
    path("articles/<int:article_id>/lease", review.ArticleLeaseView.as_view(), name="article-lease"),
    path("articles/<int:article_id>/skip", review.ArticleSkipView.as_view(), name="article-skip"),
    path("articles/<int:article_id>/curation", review.CurationView.as_view(), name="curation"),
    path(
        "articles/<int:article_id>/curation/complete",
        review.CurationCompleteView.as_view(),
        name="curation-complete",
    ),
    path("articles/<int:article_id>/curation/reopen", review.CurationReopenView.as_view(), name="curation-reopen"),
    path("articles/<int:article_id>/gold", review.GoldSpanListView.as_view(), name="gold-spans"),
    path("articles/<int:article_id>/spans", views.ArticleSpansView.as_view(), name="spans"),
    path("gold/<int:span_id>", review.GoldSpanDetailView.as_view(), name="gold-span-detail"),
    path(
        "assignments/<int:assignment_id>/reopen",
        review.AssignmentReopenView.as_view(),
        name="assignment-reopen",
    ),
    path(
        "assignments/<int:assignment_id>/reassign",
        review.AssignmentReassignView.as_view(),
        name="assignment-reassign",
    ),
    path("spans/<int:span_id>", views.SpanDetailView.as_view(), name="span-detail"),
    path("spans/<int:span_id>/link", views.SpanLinkView.as_view(), name="span-link"),
    path("spans/<int:span_id>/suggestions", views.SpanSuggestionsView.as_view(), name="span-suggestions"),
    path(
        "suggestions/<int:suggestion_id>/decision",
        views.SuggestionDecisionView.as_view(),
        name="suggestion-decision",
    ),
    path("claims/<int:claim_id>", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<int:claim_id>/merge", views.ClaimMergeView.as_view(), name="claim-merge"),
    path("claims/<int:claim_id>/spans", views.ClaimSpansView.as_view(), name="claim-spans"),
    path("tokens", tokens.TokenListView.as_view(), name="tokens"),
    path("tokens/<int:token_id>", tokens.TokenDetailView.as_view(), name="token-detail"),
]
