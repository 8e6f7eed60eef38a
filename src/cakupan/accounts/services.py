"""Writes to user accounts."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from cakupan.accounts.models import User
from cakupan.regions.models import Region


@dataclass(frozen=True)
class DemoAccount:
    username: str
    description: str
    area_code: str | None
    superuser: bool = False


# Issue-level roles (and their permissions) arrive with the access model; these are the first accounts.
DEMO_ACCOUNTS = (
    DemoAccount("admin", "administrator sistem (seluruh wilayah)", None, superuser=True),
    DemoAccount("provinsi", "koordinator provinsi Banten", "36"),
    DemoAccount("lebak", "petugas Kabupaten Lebak", "36.02"),
)


def user_upsert_demo(*, account: DemoAccount, password: str) -> User:
    """Create or reset one demo account with the given password (validated like any password)."""
    area = Region.objects.get(code=account.area_code) if account.area_code else None
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=account.username)
        validate_password(password, user)
        user.area = area
        user.is_staff = True
        user.is_superuser = account.superuser
        user.first_name = account.description
        user.set_password(password)
        user.full_clean()
        user.save()
    return user
