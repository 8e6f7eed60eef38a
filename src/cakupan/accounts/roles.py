"""Roles as Django groups: one group per role, for the admin's user pages and for reports. The groups carry
no model permissions: what a role may do is the authorization table's (`accounts.authorization`), the one
place that says it."""

from __future__ import annotations

from cakupan.accounts.models import Role


def roles_seed(apps) -> None:
    """For data migrations: one group per role, without permissions."""
    group_model = apps.get_model("auth", "Group")
    for role in Role.values:
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.clear()
