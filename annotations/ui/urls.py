"""URLs of the browser pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from annotations.ui import auth, tokens, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", tokens.tokens_page, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", tokens.token_revoke_page, name="token-revoke"),
]
