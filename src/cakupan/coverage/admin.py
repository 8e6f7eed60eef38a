from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cakupan.accounts import authorization as authz
from cakupan.accounts.admin_access import AuthorizedAdminMixin
from cakupan.core.masking import mask_kpj
from cakupan.core.scoping import AreaScopedAdminMixin
from cakupan.coverage.models import RegionCoverage
from cakupan.registry.models import Membership


@admin.register(Membership)
class MembershipAdmin(AuthorizedAdminMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    view_action = authz.WORKER_VIEW
    add_action = authz.MEMBERSHIP_CHANGE
    change_action = authz.MEMBERSHIP_CHANGE
    list_display = ("kpj", "worker", "segment", "status", "paid_through", "jht", "source")
    list_filter = ("segment", "status", "jht", "source")
    search_fields = ("=kpj", "=worker__nik", "^worker__name")

    @admin.display(description=_("nomor KPJ"))
    def masked_kpj(self, membership):
        return mask_kpj(membership.kpj)

    def get_list_display(self, request):
        if authz.sees_identifiers(request.user):
            return self.list_display
        return tuple("masked_kpj" if name == "kpj" else name for name in self.list_display)

    def get_search_fields(self, request):
        # Exact KPJ and NIK searches would confirm guessed identifiers.
        if authz.sees_identifiers(request.user):
            return self.search_fields
        return ("^worker__name",)

    def get_exclude(self, request, obj=None):
        return None if authz.sees_identifiers(request.user) else ("kpj",)

    raw_id_fields = ("worker",)
    list_select_related = ("worker",)
    show_full_result_count = False


@admin.register(RegionCoverage)
class RegionCoverageAdmin(admin.ModelAdmin):
    list_display = ("month", "region", "workers", "informal", "active", "active_bpu", "in_arrears", "lapsed")
    list_filter = ("month", "region__level")
    search_fields = ("^region__code", "region__name")
