from django.contrib import admin

from cakupan.approvals.models import Approval
from cakupan.core.scoping import AreaScopedAdminMixin


@admin.register(Approval)
class ApprovalAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    """Read-only: decisions go through the approval services, which check the rules and write the audit."""

    list_display = ("title", "kind", "subject_id", "status", "region_code", "submitted_by", "submitted_at")
    list_filter = ("status", "kind")
    search_fields = ("title", "subject_id", "region_code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
