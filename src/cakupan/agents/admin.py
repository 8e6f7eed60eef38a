"""Admin pages for field work. Institutions, agents' memberships of them and the commission rule are
configuration an administrator keeps (each change audited like any other); the phones' records and the
back-checks change only through the services, so they are read-only here."""

from django.contrib import admin

from cakupan.agents.models import AgentInstitution, AgentProfile, BackCheck, CommissionRule, FieldRecord
from cakupan.core.scoping import AreaScopedAdminMixin
from cakupan.funding.admin import ReadOnlyAdmin


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes are audited by the model tracking registered in AgentsConfig.ready."""


@admin.register(AgentInstitution)
class AgentInstitutionAdmin(AreaScopedAdminMixin, AuditedAdmin):
    list_display = ("name", "kind", "area")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(AgentProfile)
class AgentProfileAdmin(AuditedAdmin):
    list_display = ("user", "institution", "active_since")
    list_filter = ("institution",)
    raw_id_fields = ("user",)


@admin.register(CommissionRule)
class CommissionRuleAdmin(AuditedAdmin):
    list_display = ("valid_from", "rate_bp", "bonus_threshold", "bonus_amount", "institution_share_bp",
                    "removal_months")  # fmt: skip


@admin.register(FieldRecord)
class FieldRecordAdmin(AreaScopedAdminMixin, ReadOnlyAdmin):
    list_display = ("client_id", "agent", "kind", "status", "code", "worker_import", "received_at")
    list_filter = ("status", "kind")
    exclude = ("values",)  # identifiers in full: the agent's own pages show them


@admin.register(BackCheck)
class BackCheckAdmin(ReadOnlyAdmin):
    list_display = ("worker", "agent", "status", "created_at", "answered_at")
    list_filter = ("status",)
