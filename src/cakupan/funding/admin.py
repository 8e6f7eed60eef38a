"""Admin pages for funding. Money and plans change only through the services (ledger, approvals), so the
ledger, plans, batches, invoices and payments are read-only here."""

from django.contrib import admin

from cakupan.core.scoping import AreaScopedAdminMixin
from cakupan.funding.models import (
    AllocationPlan,
    CycleRun,
    EnrolmentBatch,
    Funder,
    FunderOfficer,
    FundingProgram,
    Invoice,
    LedgerAccount,
    LedgerTransaction,
    MustahikVerification,
    Payment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Funder)
class FunderAdmin(AreaScopedAdminMixin, ReadOnlyAdmin):
    list_display = ("name", "kind", "funding_source", "area")
    list_filter = ("kind",)
    search_fields = ("name", "^area__code")


@admin.register(FunderOfficer)
class FunderOfficerAdmin(ReadOnlyAdmin):
    list_display = ("funder", "user", "created_at")


@admin.register(FundingProgram)
class FundingProgramAdmin(AreaScopedAdminMixin, ReadOnlyAdmin):
    list_display = ("name", "funder", "budget", "fiscal_year", "start_month", "months", "policy", "status")
    list_filter = ("status", "fiscal_year", "funder__kind")
    search_fields = ("name", "funder__name")


@admin.register(MustahikVerification)
class MustahikVerificationAdmin(ReadOnlyAdmin):
    list_display = ("worker", "funder", "asnaf", "verified_on", "revoked_at")
    raw_id_fields = ("worker",)


@admin.register(AllocationPlan)
class AllocationPlanAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "status", "region_code", "funded", "cost", "gap_pct", "created_at")
    list_filter = ("kind", "status")


@admin.register(EnrolmentBatch)
class EnrolmentBatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "plan", "status", "rows", "accepted", "rejected", "created_at")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "funder", "month", "amount", "paid", "status")
    list_filter = ("status",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("external_reference", "invoice", "amount", "paid_on", "created_at")
    search_fields = ("=external_reference",)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("program", "kind", "balance")
    list_filter = ("kind",)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("reference", "kind", "funder", "month", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("reference",)


@admin.register(CycleRun)
class CycleRunAdmin(ReadOnlyAdmin):
    list_display = ("month", "created_at", "created_by")
