from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "area", "is_staff", "is_superuser", "is_active")
    raw_id_fields = ("area",)
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Wilayah kerja"), {"fields": ("area",)}))
