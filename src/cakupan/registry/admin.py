from django import forms
from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cakupan.accounts import authorization as authz
from cakupan.accounts.admin_access import AuthorizedAdminMixin
from cakupan.core.ages import age_band, age_band_label
from cakupan.core.errors import DomainError
from cakupan.core.masking import mask_nik, mask_phone
from cakupan.core.scoping import AreaScopedAdminMixin
from cakupan.core.spreadsheet import looks_like_formula
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import services
from cakupan.registry.models import SyntheticRun, Worker
from cakupan.registry.nik import parse_nik


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


class WorkerAdminForm(forms.ModelForm):
    """Hand entry in the admin follows the registry's rules: a valid NIK, no formula-like name, and a
    desa inside the officer's area (an edit never moves a worker out of it)."""

    class Meta:
        model = Worker
        fields = ("nik", "name", "birth_date", "sex", "desa", "employment", "sector", "monthly_income",
                  "decile", "phone", "source")  # fmt: skip

    # The officer entering the data, set per request by WorkerAdmin.get_form.
    actor = None

    def clean(self):
        cleaned = super().clean()
        nik = cleaned.get("nik")
        if nik:
            parsed = parse_nik(nik)
            if not parsed.valid:
                self.add_error("nik", parsed.errors[0].message)
        name = cleaned.get("name") or ""
        if looks_like_formula(name.strip() or " "):
            self.add_error("name", "Nama tidak boleh diawali =, +, -, @ atau baris baru.")
        desa = cleaned.get("desa")
        if desa is not None and self.actor is not None and not self.actor.is_superuser:
            try:
                services.check_may_register(actor=self.actor, desa_code=desa.code)
            except DomainError as error:
                self.add_error("desa", error.message)
        return cleaned


@admin.register(Worker)
class WorkerAdmin(AuthorizedAdminMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    view_action = authz.WORKER_VIEW
    add_action = authz.WORKER_REGISTER
    change_action = authz.WORKER_REGISTER
    form = WorkerAdminForm
    list_display = ("nik", "name", "sex", "birth_date", "desa", "sector", "monthly_income", "decile")
    list_filter = (RegencyFilter, "sector", "employment", "sex", "decile", "source")
    # NIK searches hit the unique index exactly; names use a prefix match.
    search_fields = ("=nik", "^name")
    raw_id_fields = ("desa",)
    list_select_related = ("desa",)
    show_full_result_count = False
    readonly_fields = ("created_at", "updated_at")

    # Workers are added and changed in Cakupan's own pages, as a one-row import with its checks and its
    # approval; the admin only shows them, to administrators too.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    actions = ("export_csv",)
    # What roles that see identifiers masked get instead of them.
    _MASKED = {"nik": "masked_nik", "phone": "masked_phone", "birth_date": "age_band"}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

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

    @admin.display(description=_("kelompok umur"))
    def age_band(self, worker):
        return age_band_label(age_band(worker.birth_date, on=timezone.localdate()))

    def _sees_identifiers(self, request) -> bool:
        return authz.sees_identifiers(request.user)

    def get_search_fields(self, request):
        # An exact-NIK search would confirm a guessed NIK: an oracle that undoes the masking.
        if self._sees_identifiers(request):
            return self.search_fields
        return tuple(field for field in self.search_fields if "nik" not in field)

    def get_list_display(self, request):
        if self._sees_identifiers(request):
            return self.list_display
        return tuple(self._MASKED.get(name, name) for name in self.list_display)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in self._MASKED.values()]
        if self._sees_identifiers(request) or obj is None:
            return fields
        return [self._MASKED.get(name, name) for name in fields]

    def get_readonly_fields(self, request, obj=None):
        if self._sees_identifiers(request) or obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, *self._MASKED.values())


@admin.register(SyntheticRun)
class SyntheticRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "scale", "seed", "as_of", "workers", "memberships", "seconds")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
