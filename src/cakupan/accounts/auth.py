"""API authentication: browser sessions (with CSRF on writes) and bearer tokens for integrations."""

from __future__ import annotations

from ninja.security import HttpBearer, django_auth

from cakupan.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = token_authenticate(value=token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]
