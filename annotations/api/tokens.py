"""API tokens of the calling user: list them, create one (its key is in the answer, once), revoke one.

Another user's token answers 404, so ids do not reveal which tokens exist.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.common import NumberedPage
from annotations.api.permissions import acting_user
from annotations.api.serializers import ErrorOutput
from annotations.models import ApiToken
from annotations.models.token import TokenStatus
from annotations.selectors.tokens import token_of_user, tokens_for_user
from annotations.services.tokens import NAME_MAX_LENGTH, token_create, token_revoke


class TokenOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The first 8 characters of the key, to recognise it.")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="Updated at most once a minute; null if never used."
    )
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=[s.value for s in TokenStatus])


class TokenCreatedOutput(TokenOutput):
    key = serializers.CharField(
        help_text="The secret, shown only in this answer: it cannot be retrieved again. "
        "Send it as `Authorization: Bearer <key>`."
    )


class TokenCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, help_text="What the token is for.")
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        allow_null=True,
        help_text="Days until the token stops working; omit for a token that does not expire.",
    )


class TokenListView(generics.ListAPIView[ApiToken]):
    serializer_class = TokenOutput
    pagination_class = NumberedPage

    def get_queryset(self) -> QuerySet[ApiToken]:
        return tokens_for_user(acting_user(self.request))

    @extend_schema(
        operation_id="tokens_list",
        summary="List my API tokens",
        description="The caller's tokens, newest first, revoked and expired ones included. Keys are never listed.",
        responses={200: TokenOutput(many=True), 401: ErrorOutput, 404: ErrorOutput, 429: ErrorOutput},
    )
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        operation_id="tokens_create",
        summary="Create an API token",
        description="The answer holds the key; it is not stored in clear and cannot be shown again. A user "
        "may hold at most 20 active tokens.",
        request=TokenCreateInput,
        responses={
            201: TokenCreatedOutput,
            **{code: ErrorOutput for code in (400, 401, 403, 413, 429)},
        },
    )
    def post(self, request: Request) -> Response:
        form = TokenCreateInput(data=request.data)
        form.is_valid(raise_exception=True)
        days = form.validated_data.get("expires_in_days")
        token, key = token_create(
            user=acting_user(request),
            name=form.validated_data["name"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        body = {**TokenOutput(token).data, "key": key}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    @extend_schema(
        operation_id="tokens_revoke",
        summary="Revoke an API token",
        description="The token stops working at once. Revoking a revoked token changes nothing.",
        request=None,
        responses={204: None, **{code: ErrorOutput for code in (401, 403, 404, 429)}},
    )
    def delete(self, request: Request, token_id: int) -> Response:
        user = acting_user(request)
        token = token_of_user(user=user, token_id=token_id)
        if token is None:
            raise NotFound("no such token")
        token_revoke(token=token, actor=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
