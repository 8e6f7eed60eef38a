"""Deployment checks of our own, run by `cakupan check --deploy` beside Django's."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_secrets_and_debug(app_configs, **kwargs) -> list[Error]:
    errors = []
    if getattr(settings, "DEVELOPMENT_SECRET_KEY", None) == settings.SECRET_KEY:
        errors.append(
            Error(
                "SECRET_KEY is the public development key from the repository.",
                hint="Set CAKUPAN_SECRET_KEY to 50 or more random characters and CAKUPAN_PRODUCTION=1.",
                id="cakupan.E001",
            )
        )
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on: error pages would show settings and data to anyone.",
                hint="Unset CAKUPAN_DEBUG.",
                id="cakupan.E002",
            )
        )
    if not getattr(settings, "PRODUCTION", False):
        errors.append(
            Error(
                "CAKUPAN_PRODUCTION is not set: no HTTPS-only cookies, HSTS or SSL redirect.",
                hint="Set CAKUPAN_PRODUCTION=1 behind a TLS proxy.",
                id="cakupan.E003",
            )
        )
    return errors
