from django.contrib import admin
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from cakupan.core.masking import mask_nik, mask_phone, sees_identifiers
from cakupan.core.scoping import AreaScopedAdminMixin
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import services
from cakupan.registry.models import SyntheticRun, Worker


class RegencyFilter(admin.SimpleListFilter):
    """Filter by kab/kota: a prefix on the domicile desa code, which the desa index serves."""

    title = _("kabupaten/kota")
    parameter_name = "kabkota"

    def lookups(self, request, model_admin):
        return [
            (region.code, region.name)
            for region in Region.objects.filter(level=RegionLevel.REGENCY, code__startswith="36.")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.in_area(self.value())
        return queryset


@admin.register(Worker)
class WorkerAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    list_display = ("nik", "name", "sex", "birth_date", "desa", "sector", "monthly_income", "decile")
    list_filter = (RegencyFilter, "sector", "employment", "sex", "decile", "source")
    # NIK searches hit the unique index exactly; names use a prefix match.
    search_fields = ("=nik", "^name")
    raw_id_fields = ("desa",)
    list_select_related = ("desa",)
    show_full_result_count = False
    readonly_fields = ("created_at", "updated_at")
    actions = ("export_csv",)

    @admin.action(description=_("Ekspor pekerja terpilih ke CSV"))
    def export_csv(self, request, queryset):
        ids = list(queryset.values_list("id", flat=True))
        body = services.worker_export_csv(user=request.user, ids=ids, request=request)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="pekerja-terpilih.csv"'
        return response

    @admin.display(description=_("NIK"))
    def masked_nik(self, worker):
        return mask_nik(worker.nik)

    @admin.display(description=_("nomor telepon"))
    def masked_phone(self, worker):
        return mask_phone(worker.phone)

    def _sees_identifiers(self, request) -> bool:
        return sees_identifiers(role=request.user.role, is_superuser=request.user.is_superuser)

    def get_list_display(self, request):
        if self._sees_identifiers(request):
            return self.list_display
        return tuple("masked_nik" if name == "nik" else name for name in self.list_display)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in ("masked_nik", "masked_phone")]
        if self._sees_identifiers(request) or obj is None:
            return fields
        return [{"nik": "masked_nik", "phone": "masked_phone"}.get(name, name) for name in fields]

    def get_readonly_fields(self, request, obj=None):
        if self._sees_identifiers(request) or obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, "masked_nik", "masked_phone")


@admin.register(SyntheticRun)
class SyntheticRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "scale", "seed", "as_of", "workers", "memberships", "seconds")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
