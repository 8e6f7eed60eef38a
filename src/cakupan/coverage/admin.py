from django.contrib import admin

from cakupan.core.scoping import AreaScopedAdminMixin
from cakupan.coverage.models import Membership, RegionCoverage


@admin.register(Membership)
class MembershipAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    list_display = ("kpj", "worker", "segment", "status", "paid_through", "jht", "source")
    list_filter = ("segment", "status", "jht", "source")
    search_fields = ("=kpj", "=worker__nik", "^worker__name")
    raw_id_fields = ("worker",)
    list_select_related = ("worker",)
    show_full_result_count = False


@admin.register(RegionCoverage)
class RegionCoverageAdmin(admin.ModelAdmin):
    list_display = ("month", "region", "workers", "informal", "active", "active_bpu", "in_arrears", "lapsed")
    list_filter = ("month", "region__level")
    search_fields = ("^region__code", "region__name")
