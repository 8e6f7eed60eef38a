"""The Django admin is for administrators (superusers) only: staff do their work in Cakupan's own pages,
where the authorization table and the Bahasa messages apply."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class AdministratorSite(admin.AdminSite):
    site_header = "Administrasi Cakupan"
    site_title = "Cakupan"
    index_title = "Data induk dan kepesertaan"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_superuser


class CakupanAdminConfig(AdminConfig):
    default_site = "cakupan.core.admin_site.AdministratorSite"
