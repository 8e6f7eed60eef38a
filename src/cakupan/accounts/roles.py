"""What each role may do in the staff pages, as Django groups and model permissions.

The area a user works in is separate (User.area); these say which kinds of records a role may view or
change. Seeded by a migration and re-applied by `roles_sync` whenever the table changes.
"""

from __future__ import annotations

from cakupan.accounts.models import Role

_VIEW_REGISTRY = ["registry.view_worker", "coverage.view_membership", "coverage.view_regioncoverage",
                  "regions.view_region", "regions.view_labourstat"]  # fmt: skip
_CHANGE_REGISTRY = ["registry.add_worker", "registry.change_worker", "coverage.add_membership",
                    "coverage.change_membership"]  # fmt: skip

_VIEW_AUDIT = ["audit.view_auditevent"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PROVINCIAL_COORDINATOR: [*_VIEW_REGISTRY, *_CHANGE_REGISTRY, *_VIEW_AUDIT],
    Role.PROVINCIAL_ANALYST: _VIEW_REGISTRY,
    Role.REGENCY_OFFICER: [*_VIEW_REGISTRY, *_CHANGE_REGISTRY],
    Role.VILLAGE_OPERATOR: [*_VIEW_REGISTRY, "registry.add_worker", "registry.change_worker"],
    Role.FIELD_AGENT: [*_VIEW_REGISTRY, "registry.add_worker", "registry.change_worker"],
    Role.FUNDER_OFFICER: _VIEW_REGISTRY,
    Role.BPJS_LIAISON: [*_VIEW_REGISTRY, "coverage.add_membership", "coverage.change_membership"],
    Role.AUDITOR: [*_VIEW_REGISTRY, *_VIEW_AUDIT],
    Role.SPONSOR: [],
}

# Roles that only read: they never change records nor decide approvals.
READ_ONLY_ROLES = frozenset({Role.PROVINCIAL_ANALYST, Role.AUDITOR, Role.SPONSOR})


def roles_seed(apps) -> None:
    """For data migrations: create the permissions now (Django makes them only after all migrations)
    and give each role's group its permissions."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    roles_sync(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def roles_sync(group_model, permission_model) -> None:
    """Make one group per role carry exactly that role's permissions."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)
