"""The Django admin asks the authorization table too: which models a staff user sees, adds or changes.
Deleting is for administrators only. Records outside the user's area stay out of the lists (scoping)."""

from __future__ import annotations

from cakupan.accounts.authorization import can


class AuthorizedAdminMixin:
    view_action: str | None = None
    add_action: str | None = None
    change_action: str | None = None

    def _allowed(self, request, action: str | None, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        return action is not None and can(request.user, action, obj)

    def has_module_permission(self, request):
        return self._allowed(request, self.view_action)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, self.view_action, obj) or self.has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request, self.add_action)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, self.change_action, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
