from django.contrib import admin

from cakupan.audit.models import AuditEvent
from cakupan.audit.selectors import audit_viewer_allowed


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is appended by services, never edited by hand."""

    list_display = (
        "when",
        "actor_username",
        "action",
        "object_type",
        "object_id",
        "region_code",
        "ip_address",
    )
    list_filter = ("action",)
    search_fields = ("actor_username", "object_type", "object_id", "object_repr")
    date_hierarchy = "when"

    def get_queryset(self, request):
        events = super().get_queryset(request)
        # The same area rule as the auditor page; others see nothing even with the view permission.
        if not audit_viewer_allowed(request.user):
            return events.none()
        return events.visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
