"""Writes to user accounts."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from cakupan.accounts.models import ApiToken, Role, User
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
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
    return user


TOKEN_PREFIX = "ckp_"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, days: int = 90, actor=None, actor_username: str = "") -> tuple[ApiToken, str]:
    """Create a bearer token; returns the row and the secret value, which is never stored. Audited (the
    prefix and the expiry, never the value); `actor_username` names a non-user actor (the CLI's
    operating-system account)."""
    if not user.is_active:
        raise DomainError("user_inactive", f"Pengguna {user.username} tidak aktif.", field="username")
    if not 1 <= days <= 366:
        raise DomainError("token_days_invalid", "Masa berlaku token harus 1–366 hari.", field="days")
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        prefix=value[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 8],
        digest=_digest(value),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_record(
        action=AuditAction.TOKEN_CREATE,
        actor=actor,
        actor_username=actor_username,
        obj=token,
        object_repr=f"Token {token.prefix}… untuk {user}",
        region_code=user.area_id or "",
        metadata={
            "user": user.get_username(),
            "prefix": token.prefix,
            "expires_at": token.expires_at,
            "days": days,
        },
    )
    return token, value


@transaction.atomic
def token_revoke(
    *, value: str | None = None, user: User | None = None, actor=None, actor_username: str = ""
) -> int:
    """Revoke one token by its value, or every live token of a user; returns how many were revoked. Each
    revoked token gets an audit event."""
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if value is not None:
        tokens = tokens.filter(digest=_digest(value))
    elif user is not None:
        tokens = tokens.filter(user=user)
    else:
        raise DomainError("token_revoke_target_missing", "Sebutkan token atau nama pengguna yang dicabut.")
    revoked = list(tokens.select_related("user").select_for_update().order_by("pk"))
    now = timezone.now()
    ApiToken.objects.filter(pk__in=[token.pk for token in revoked]).update(revoked_at=now)
    for token in revoked:
        audit_record(
            action=AuditAction.TOKEN_REVOKE,
            actor=actor,
            actor_username=actor_username,
            obj=token,
            object_repr=f"Token {token.prefix}… untuk {token.user}",
            region_code=token.user.area_id or "",
            changes={"revoked_at": [None, now]},
            metadata={"user": token.user.get_username(), "prefix": token.prefix},
        )
    return len(revoked)


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
        .filter(digest=_digest(value), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
