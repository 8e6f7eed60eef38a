"""API authentication: browser sessions (with CSRF on writes) and bearer tokens for integrations."""

from __future__ import annotations

import logging

from ninja.security import HttpBearer, django_auth

from cakupan.accounts.services import token_authenticate

security_log = logging.getLogger("cakupan.security")


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = token_authenticate(value=token)
        if user is None:
            # Never log the token itself: its first characters are enough to recognise a replay.
            security_log.warning(
                "api_token_refused prefix=%s ip=%s path=%s",
                token[:8],
                request.META.get("REMOTE_ADDR"),
                request.path,
            )
            return None
        request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]
