from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cakupan.regions.models import Region, RegionLevel
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
            return queryset.in_region(self.value())
        return queryset


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ("nik", "name", "sex", "birth_date", "desa", "sector", "monthly_income", "decile")
    list_filter = (RegencyFilter, "sector", "employment", "sex", "decile", "source")
    # NIK searches hit the unique index exactly; names use a prefix match.
    search_fields = ("=nik", "^name")
    raw_id_fields = ("desa",)
    list_select_related = ("desa",)
    show_full_result_count = False
    readonly_fields = ("created_at", "updated_at")


@admin.register(SyntheticRun)
class SyntheticRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "scale", "seed", "as_of", "workers", "memberships", "seconds")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
