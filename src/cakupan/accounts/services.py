"""Writes to user accounts."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from cakupan.accounts.models import ApiToken, Role, User
from cakupan.regions.models import Region


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    description: str
    area_code: str | None
    superuser: bool = False


# One account per role; the village operator works in Cilangkahan (Malingping, Lebak).
DEMO_ACCOUNTS = (
    DemoAccount("admin", "", "administrator sistem (seluruh wilayah)", None, superuser=True),
    DemoAccount("provinsi", Role.PROVINCIAL_COORDINATOR, "koordinator provinsi Banten", "36"),
    DemoAccount("analis", Role.PROVINCIAL_ANALYST, "analis provinsi Banten (hanya baca)", "36"),
    DemoAccount("lebak", Role.REGENCY_OFFICER, "petugas Kabupaten Lebak", "36.02"),
    DemoAccount("desa", Role.VILLAGE_OPERATOR, "operator Desa Cilangkahan, Lebak", "36.02.01.2002"),
    DemoAccount("agen", Role.FIELD_AGENT, "agen lapangan Kecamatan Malingping", "36.02.01"),
    DemoAccount("baznas", Role.FUNDER_OFFICER, "petugas BAZNAS Provinsi Banten", "36"),
    DemoAccount("sertakan", Role.FUNDER_OFFICER, "bendahara SERTAKAN Banten (membayar BPJS TK)", "36"),
    DemoAccount("bpjs", Role.BPJS_LIAISON, "petugas penghubung BPJS TK Banten", "36"),
    DemoAccount("auditor", Role.AUDITOR, "auditor Inspektorat Provinsi Banten", "36"),
    DemoAccount("sponsor", Role.SPONSOR, "sponsor SERTAKAN (akun publik)", None),
)


def user_upsert_demo(*, account: DemoAccount, password: str) -> User:
    """Create or reset one demo account with the given password (validated like any password)."""
    area = Region.objects.get(code=account.area_code) if account.area_code else None
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=account.username)
        validate_password(password, user)
        user.area = area
        user.role = account.role
        # Sponsors are public accounts: no staff pages.
        user.is_staff = account.role != Role.SPONSOR
        user.is_superuser = account.superuser
        user.first_name = account.description
        # A reserved domain: the demo's password-reset mail lands in var/mail, never with a real person.
        user.email = f"{account.username}@demo.cakupan.invalid"
        user.set_password(password)
        user.full_clean()
        user.save()
        user.groups.set(Group.objects.filter(name=account.role))
        if account.role == Role.SPONSOR:
            # The demo sponsor signs in at the sponsors' page by e-mail: its (reserved) address counts as
            # proven, as a real sponsor's is after the code.
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
    return user


TOKEN_PREFIX = "ckp_"


def token_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# "Last used" is kept to the minute: writing it on every request would make each API read a write too
# (a row lock and a commit per request, the largest part of a dashboard call on PostgreSQL).
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


def token_authenticate(*, value: str) -> User | None:
    """The active user behind a live, unexpired token, or None (tampered, revoked or expired)."""
    if not value.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(value), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
