"""URLs of the browser pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from annotations.ui import agreement, auth, claims, imports, releases, review, tokens, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", tokens.tokens_page, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", tokens.token_revoke_page, name="token-revoke"),
    path("projects/<int:project_id>/", views.project_home, name="project"),
    path("projects/<int:project_id>/claims/", claims.claims_page, name="claims"),
    path("projects/<int:project_id>/import/", imports.import_page, name="import"),
    path(
        "projects/<int:project_id>/imports/<int:batch_id>/progress/",
        imports.import_progress_fragment,
        name="import-progress",
    ),
    path("projects/<int:project_id>/queue/next/", review.queue_next_page, name="queue-next"),
    path("projects/<int:project_id>/curation/", review.curation_queue_page, name="curation"),
    path("projects/<int:project_id>/progress/", review.progress_page, name="progress"),
    path("projects/<int:project_id>/agreement/", agreement.agreement_page, name="agreement"),
    path(
        "projects/<int:project_id>/agreement/recompute/",
        agreement.agreement_recompute_page,
        name="agreement-recompute",
    ),
    path("projects/<int:project_id>/releases/", releases.releases_page, name="releases"),
    path("projects/<int:project_id>/releases/list/", releases.releases_fragment, name="releases-list"),
    path("articles/<int:article_id>/", views.workspace, name="workspace"),
    path("articles/<int:article_id>/curate/", review.curation_page, name="curate"),
    path("claims/<int:claim_id>/", claims.claim_page, name="claim"),
]
