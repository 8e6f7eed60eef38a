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


BYTE_ORDER_COLLATIONS = frozenset({"C", "POSIX", "C.UTF-8", "C.utf8"})


@register(Tags.database)
def check_code_collation(app_configs, databases=None, **kwargs) -> list[Error]:
    """Area filters are ranges on region codes ("36.02." <= code < "36.02/", core.scoping), which hold
    only when codes compare byte by byte; a language collation may order '.' and '/' otherwise."""
    from django.db import connections

    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            (collation,) = cursor.fetchone()
        if collation not in BYTE_ORDER_COLLATIONS:
            errors.append(
                Error(
                    f"Database {alias!r} uses the collation {collation!r}; region codes must compare byte "
                    "by byte for the area filters.",
                    hint="Create the database with LC_COLLATE 'C.UTF-8' (createdb --locale=C.UTF-8 "
                    "--template=template0).",
                    id="cakupan.E004",
                )
            )
    return errors
